"""Rate limit, retries and the no-blind-retry rule for creates, against the simulator."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from wfsync.clock import FakeClock
from wfsync.config import FortnoxSettings
from wfsync.fortnox import FortnoxClient, MemoryTokenStore
from wfsync.http.errors import RateLimitError, ServerError, TransportError
from wfsync.http.retry import RetryPolicy
from wfsync.simulators.fortnox import FortnoxSimulator

CLIENT_ID, SECRET = "wfsync-test", "s3cret"


@pytest.fixture
def sim(clock: FakeClock) -> FortnoxSimulator:
    simulator = FortnoxSimulator(clock=clock, rate_limit=25)
    simulator.register_client(CLIENT_ID, SECRET)
    return simulator


@pytest.fixture
async def fortnox(sim: FortnoxSimulator, clock: FakeClock) -> AsyncIterator[FortnoxClient]:
    settings = FortnoxSettings(
        client_id=CLIENT_ID,
        client_secret=SecretStr(SECRET),
        refresh_token=SecretStr(sim.issue_refresh_token(CLIENT_ID)),
    )
    async with FortnoxClient(
        settings,
        MemoryTokenStore(),
        clock=clock,
        transport=httpx.ASGITransport(app=sim.app),
        retry=RetryPolicy(attempts=4, base=1.0, cap=8.0, rng=random.Random(11)),
    ) as client:
        yield client


@pytest.fixture
def customer(sim: FortnoxSimulator) -> str:
    return sim.ui.create_customer(Name="Lindqvist & Co")


def api(sim: FortnoxSimulator, method: str | None = None) -> list[int | None]:
    return [
        r.status
        for r in sim.requests
        if r.path.startswith("/3/") and (method is None or r.method == method)
    ]


async def test_burst_of_60_is_paced_without_a_single_429(
    fortnox: FortnoxClient, sim: FortnoxSimulator, clock: FakeClock, customer: str
) -> None:
    start = clock.monotonic()
    await asyncio.gather(*(fortnox.customers.get(customer) for _ in range(60)))
    assert api(sim) == [200] * 60
    # 25 now, 25 after 5 s, 10 after 10 s: the rate bound is 10 s of virtual time.
    assert clock.monotonic() - start >= 10.0
    assert fortnox.limiter.waited >= 10.0


async def test_a_429_backs_off_at_least_five_seconds_then_retries(
    fortnox: FortnoxClient, sim: FortnoxSimulator, clock: FakeClock, customer: str
) -> None:
    await fortnox.customers.get(customer)
    sim.faults.add("/3/customers", status=429, times=1)
    before = clock.monotonic()
    assert (await fortnox.customers.get(customer)).customer_number == customer
    assert api(sim) == [200, 429, 200]
    assert clock.monotonic() - before >= 5.0


async def test_persistent_429_gives_up_with_rate_limit_error(
    fortnox: FortnoxClient, sim: FortnoxSimulator, customer: str
) -> None:
    sim.faults.add("/3/customers", status=429, times=None)
    with pytest.raises(RateLimitError) as caught:
        await fortnox.customers.get(customer)
    assert caught.value.status == 429 and caught.value.retriable
    assert api(sim) == [429] * 4  # attempts=4


async def test_server_errors_on_reads_are_retried_with_capped_jittered_backoff(
    fortnox: FortnoxClient, sim: FortnoxSimulator, clock: FakeClock, customer: str
) -> None:
    sim.faults.add("/3/customers", status=500, times=2)
    slept_before = len(clock.slept)
    assert (await fortnox.customers.get(customer)).customer_number == customer
    assert api(sim) == [500, 500, 200]
    backoffs = [s for s in clock.slept[slept_before:] if s > 0]
    assert len(backoffs) == 2
    assert 0.5 <= backoffs[0] <= 1.0 and 1.0 <= backoffs[1] <= 2.0  # full jitter over [d/2, d]


async def test_server_errors_that_persist_raise_with_fortnox_code(
    fortnox: FortnoxClient, sim: FortnoxSimulator, customer: str
) -> None:
    sim.faults.add("/3/customers", status=503, times=None)
    with pytest.raises(ServerError) as caught:
        await fortnox.customers.get(customer)
    assert caught.value.code == 1000003 and caught.value.status == 503
    assert len(api(sim)) == 4


async def test_a_create_is_not_retried_after_a_server_error(
    fortnox: FortnoxClient, sim: FortnoxSimulator
) -> None:
    sim.faults.add("/3/customers", method="POST", status=500, times=1)
    with pytest.raises(ServerError):
        await fortnox.customers.create({"Name": "Dubblett AB"})
    assert api(sim, "POST") == [500]


async def test_a_create_is_not_retried_after_a_timeout(
    fortnox: FortnoxClient, sim: FortnoxSimulator
) -> None:
    """The answer was lost after Fortnox created the record: a retry would duplicate it."""
    sim.faults.add("/3/customers", method="POST", timeout=True, after_processing=True)
    with pytest.raises(TransportError):
        await fortnox.customers.create({"Name": "Dubblett AB"})
    assert api(sim, "POST") == [None]  # one attempt, no answer
    names = [c.name async for c in fortnox.customers.list(name="Dubblett")]
    assert names == ["Dubblett AB"]  # exactly one: the engine looks it up before retrying


async def test_reads_and_updates_are_retried_after_a_timeout(
    fortnox: FortnoxClient, sim: FortnoxSimulator, customer: str
) -> None:
    sim.faults.add("/3/customers", method="GET", timeout=True)
    assert (await fortnox.customers.get(customer)).customer_number == customer
    sim.faults.add("/3/customers", method="PUT", timeout=True, after_processing=True)
    updated = await fortnox.customers.update(customer, {"City": "Lund"})
    assert updated.city == "Lund"
    assert [r.status for r in sim.requests if r.method == "PUT"] == [None, 200]
