"""The simulators' shared kit: each vendor's rate-limit rule, fault matching, the
route table and the request log."""

from __future__ import annotations

from starlette.responses import Response

from wfsync.clock import FakeClock
from wfsync.simulators.fortnox import FortnoxSimulator
from wfsync.simulators.fortnox.routing import Reply as FortnoxReply
from wfsync.simulators.fortnox.routing import Router as FortnoxRouter
from wfsync.simulators.kit import FaultPlan, RecordedRequest, RequestLog, RequestWindow, RouteTable
from wfsync.simulators.webcrm import WebcrmSimulator
from wfsync.simulators.webcrm.routing import Router as WebcrmRouter


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


def _table(**options: bool) -> RouteTable[str]:
    table: RouteTable[str] = RouteTable(**options)
    table.add("GET", "/customers/{number}", "get")
    table.add("PUT", "/customers/{number}", "put")
    table.add("GET", "/Organisations/{id:int}", "org")
    return table


def test_an_int_segment_matches_only_an_int32() -> None:
    table = _table()
    assert table.resolve("GET", "/Organisations/2147483647") == ("org", {"id": "2147483647"})
    assert table.resolve("GET", "/Organisations/-2147483648") == ("org", {"id": "-2147483648"})
    assert table.resolve("GET", "/Organisations/2147483648") == []  # one past int32: a 404
    assert table.resolve("GET", "/Organisations/-2147483649") == []
    assert table.resolve("GET", "/Organisations/99999999999") == []  # eleven digits
    assert table.resolve("GET", "/Organisations/5a") == []
    assert table.resolve("PUT", "/Organisations/2147483648") == []  # not a 405 either


def test_letter_case_and_trailing_slash_are_options() -> None:
    strict, lenient = _table(), _table(case_insensitive=True, trailing_slash=True)
    assert strict.resolve("GET", "/Customers/7") == []
    assert strict.resolve("GET", "/customers/7/") == []
    assert lenient.resolve("GET", "/CUSTOMERS/7") == ("get", {"number": "7"})
    assert lenient.resolve("GET", "/customers/7/") == ("get", {"number": "7"})
    assert lenient.resolve("GET", "/organisations/7") == ("org", {"id": "7"})
    assert lenient.resolve("get", "/customers/7") == ["GET", "PUT"]  # methods compare exactly


def test_a_known_path_with_another_method_lists_the_allowed_methods() -> None:
    table = _table()
    assert table.resolve("DELETE", "/customers/7") == ["GET", "PUT"]
    assert table.resolve("PUT", "/customers/7") == ("put", {"number": "7"})
    assert table.resolve("DELETE", "/customers") == []  # no such path at all
    assert table.resolve("GET", "/customers/7/extra") == []


def test_parameters_are_percent_decoded_after_matching_when_asked() -> None:
    """Fortnox routes the encoded path, so ``A%2F1`` stays one segment and becomes ``A/1``."""
    assert _table(decode_params=True).resolve("GET", "/customers/A%2F1") == (
        "get",
        {"number": "A/1"},
    )
    assert _table().resolve("GET", "/customers/A%2F1") == ("get", {"number": "A%2F1"})
    assert _table(decode_params=True).resolve("GET", "/customers/A/1") == []


def test_the_first_registered_route_wins_and_literals_are_not_patterns() -> None:
    table: RouteTable[str] = RouteTable()
    table.add("GET", "/prices/sublist/{price_list}/{article}", "sublist")
    table.add("GET", "/prices/{price_list}/{article}", "price")
    table.add("GET", "/v1.0/{x}", "dotted")
    assert table.resolve("GET", "/prices/sublist/A/B") == (
        "sublist",
        {"price_list": "A", "article": "B"},
    )
    assert table.resolve("GET", "/prices/A/B") == ("price", {"price_list": "A", "article": "B"})
    assert table.resolve("GET", "/v1x0/y") == []


def test_the_vendor_routers_keep_their_own_answers() -> None:
    """Fortnox answers 405 without ``Allow`` (a bool is enough); webCRM needs the methods."""
    fortnox = FortnoxRouter()
    fortnox.add("GET", "/customers/{number}", "customer", _no_reply)
    matched = fortnox.match("GET", "/customers/A%20B")
    assert not isinstance(matched, bool) and matched[0].scope == "customer"
    assert matched[1] == {"number": "A B"}
    assert fortnox.match("POST", "/customers/1") is True
    assert fortnox.match("GET", "/Customers/1") is False
    webcrm = WebcrmRouter()
    webcrm.get("/Persons/{id:int}", _no_response)
    webcrm.put("/Persons/{id:int}", _no_response)
    assert webcrm.resolve("get", "/persons/3/") == (_no_response, {"id": "3"})
    assert webcrm.resolve("delete", "/PERSONS/3") == ["GET", "PUT"]


def _no_reply(call: object, **params: str) -> FortnoxReply:
    return FortnoxReply()


async def _no_response(call: object) -> Response:
    return Response()


def test_the_request_log_marks_writes_by_the_vendor_rule_when_recorded() -> None:
    log: RequestLog[str] = RequestLog(lambda method, path: method == "POST")
    log.record("GET", "/a", "x=1", 200)
    posted = log.record("POST", "/a/1", "", None, body={"k": 1}, client_id="c")
    log.record("POST", "/b", "", 0)
    assert log.entries[0] == RecordedRequest("GET", "/a", "x=1", 200)
    assert posted is log.entries[1] and posted.is_write
    assert (posted.body, posted.client_id, posted.status) == ({"k": 1}, "c", None)
    assert [r.path for r in log.writes()] == ["/a/1", "/b"]
    assert [r.path for r in log.writes("/a")] == ["/a/1"]
    assert not log.entries[0].is_write


def test_each_vendor_keeps_its_own_write_rule() -> None:
    fortnox = FortnoxSimulator(clock=FakeClock()).app.log.is_write
    assert fortnox("HEAD", "/3/customers") and fortnox("DELETE", "/3/customers/1")
    assert not fortnox("GET", "/3/customers") and not fortnox("POST", "/oauth-v1/token")
    webcrm = WebcrmSimulator(clock=FakeClock()).log.is_write
    assert webcrm("PATCH", "/Organisations") and webcrm("DELETE", "/Hooks/1")
    assert not webcrm("HEAD", "/Organisations") and not webcrm("POST", "/auth/ApiLogin")
