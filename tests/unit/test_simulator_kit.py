"""The simulators' shared kit: each vendor's rate-limit rule and fault matching."""

from __future__ import annotations

from wfsync.clock import FakeClock
from wfsync.simulators.kit import FaultPlan, RequestWindow


def test_a_window_that_counts_rejections_keeps_a_hammering_client_out() -> None:
    """Fortnox's rule: 429s count, so retrying without backing off stays locked out."""
    outcomes = {}
    for counted in (True, False):
        clock = FakeClock()
        window = RequestWindow(clock, 2, 5.0, count_rejected=counted)
        seen = [window.admit("c"), window.admit("c")]
        clock.advance(3.0)
        seen.append(window.admit("c"))  # over the limit
        clock.advance(2.5)  # t=5.5: the two accepted requests have left the window
        seen.append(window.admit("c"))
        clock.advance(0.5)
        seen.append(window.admit("c"))  # the rejection at t=3 decides this one
        outcomes[counted] = seen
    assert outcomes[True] == [True, True, False, True, False]
    assert outcomes[False] == [True, True, False, True, True]


def test_a_window_that_counts_only_accepted_requests_gives_an_exact_retry_after() -> None:
    """webCRM's rule: only accepted requests count; Retry-After is when the oldest leaves."""
    clock = FakeClock()
    window = RequestWindow(clock, 2, 60.0, count_rejected=False)
    window.admit("t")
    clock.advance(10)
    window.admit("t")
    assert window.admit("t") is False
    assert window.retry_after("t") == 50
    clock.advance(50)
    assert window.admit("t") is True
    assert window.used("t") == 2
    assert window.used("other") == 0


def test_fault_matching_by_case_method_and_count() -> None:
    webcrm = FaultPlan(case_sensitive=False)
    fault = webcrm.add("/organisations", method="POST", status=500, times=2)
    assert webcrm.take("GET", "/Organisations") is None
    assert webcrm.take("POST", "/Organisations/5") is fault
    assert webcrm.take("post", "/ORGANISATIONS") is fault
    assert webcrm.take("POST", "/Organisations") is None  # spent
    assert fault.fired == 2
    fortnox = FaultPlan()
    fortnox.add("/3/customers", status=503, times=None)
    assert fortnox.take("GET", "/3/Customers") is None
    assert all(fortnox.take("GET", "/3/customers") is not None for _ in range(5))
