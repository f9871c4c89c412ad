"""The per tenant+direction lease with fencing tokens, on the real PostgreSQL: one
holder at a time, an expired lease is taken over with a higher token, and the
stalled holder's writes are refused from then on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.cluster.conftest import tenant_toml, unique
from wfsync.clock import FakeClock
from wfsync.cluster.lease import ClusterLeases, LeaseLostError
from wfsync.state import StateStore

pytestmark = pytest.mark.postgres


def test_one_holder_then_takeover_after_expiry_with_a_higher_token(
    tenants: Any, clock: FakeClock
) -> None:
    leases = ClusterLeases(tenants.store, seconds=60, clock=clock)
    first = leases.try_acquire("acme", "webcrm", "w1")
    assert first is not None
    assert leases.try_acquire("acme", "webcrm", "w2") is None
    assert leases.try_acquire("acme", "fortnox", "w2") is not None  # other direction
    clock.advance(30)
    assert leases.renew(first)
    clock.advance(59)
    assert leases.try_acquire("acme", "webcrm", "w2") is None  # renewed: still held
    clock.advance(2)
    second = leases.try_acquire("acme", "webcrm", "w2")
    assert second is not None and second.token > first.token
    assert not leases.renew(first)
    leases.release(second)
    third = leases.try_acquire("acme", "webcrm", "w3")
    assert third is not None and third.token > second.token


def test_a_stalled_holder_cannot_write_after_losing_the_lease(
    tenants: Any, tmp_path: Path, clock: FakeClock
) -> None:
    name = unique("fence")
    tenants.add(name, tenant_toml(tmp_path, name).read_text())
    leases = ClusterLeases(tenants.store, seconds=60, clock=clock)
    stalled = leases.try_acquire(name, "webcrm", "stalled")
    assert stalled is not None
    store = StateStore.open(tenants.state_url(name), clock=clock)
    try:
        store.fence = leases.fence(stalled)
        store.set_cursor("webcrm", "organisations", "before")  # holder: writes go through
        clock.advance(61)  # it stalls past its lease …
        taker = leases.try_acquire(name, "webcrm", "taker")  # … and another takes over
        assert taker is not None
        with pytest.raises(LeaseLostError):
            store.set_cursor("webcrm", "organisations", "after")
        with pytest.raises(LeaseLostError), store.transaction():
            store.start_run("webcrm")
        store.fence = leases.fence(taker)
        store.set_cursor("webcrm", "organisations", "taker")
        assert store.get_cursor("webcrm", "organisations") == "taker"
        assert [r.direction for r in store.last_runs()] == []  # the refused run left nothing
    finally:
        store.close()


def test_an_expired_lease_refuses_writes_even_before_anyone_takes_over(
    tenants: Any, tmp_path: Path, clock: FakeClock
) -> None:
    name = unique("exp")
    tenants.add(name, tenant_toml(tmp_path, name).read_text())
    leases = ClusterLeases(tenants.store, seconds=10, clock=clock)
    ticket = leases.try_acquire(name, "fortnox", "w")
    assert ticket is not None
    store = StateStore.open(tenants.state_url(name), clock=clock)
    try:
        store.fence = leases.fence(ticket)
        clock.advance(11)
        with pytest.raises(LeaseLostError):
            store.set_cursor("fortnox", "customers", "x")
    finally:
        store.close()
