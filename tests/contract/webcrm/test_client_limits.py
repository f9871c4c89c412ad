"""Pacing and retries against the simulator: 250/min, Retry-After, 5xx, timeouts, POSTs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from wfsync.clock import FakeClock
from wfsync.config import WebcrmSettings
from wfsync.http.errors import ServerError, TransportError
from wfsync.http.retry import RetryPolicy
from wfsync.simulators.webcrm import WebcrmSimulator
from wfsync.webcrm import WebcrmClient


@pytest.fixture
def sim(clock: FakeClock) -> WebcrmSimulator:
    return WebcrmSimulator(clock=clock, rate_limit=250)


@pytest.fixture
async def client(sim: WebcrmSimulator, clock: FakeClock) -> AsyncIterator[WebcrmClient]:
    settings = WebcrmSettings(
        base_url="https://api.webcrm.test", auth_code=SecretStr(sim.add_api_token())
    )
    transport = httpx.ASGITransport(app=sim.app)
    async with WebcrmClient(settings, clock=clock, transport=transport) as webcrm:
        yield webcrm


def count(sim: WebcrmSimulator, method: str, path_prefix: str) -> int:
    return sum(1 for r in sim.requests if r.method == method and r.path.startswith(path_prefix))


async def test_a_burst_of_300_calls_is_paced_not_throttled(
    client: WebcrmClient, sim: WebcrmSimulator, clock: FakeClock
) -> None:
    org_id = await client.organisations.create({"OrganisationName": "Kund AB"})
    start = clock.monotonic()
    for _ in range(300):
        await client.organisations.get(org_id)
    assert [r for r in sim.requests if r.status == 429] == []
    assert clock.monotonic() - start >= 60.0
    assert client.http.limiter.waited >= 60.0


async def test_injected_429_waits_retry_after_then_succeeds(
    client: WebcrmClient, sim: WebcrmSimulator, clock: FakeClock
) -> None:
    org_id = await client.organisations.create({"OrganisationName": "Kund AB"})
    sim.faults.add(path_prefix="/Organisations", status=429, times=1, retry_after=17)
    before = clock.monotonic()
    assert (await client.organisations.get(org_id)).id == org_id
    assert clock.monotonic() - before >= 17.0
    assert 17.0 in clock.slept
    assert count(sim, "GET", "/Organisations") == 2


async def test_server_errors_are_retried_with_growing_jittered_waits(
    client: WebcrmClient, sim: WebcrmSimulator, clock: FakeClock
) -> None:
    org_id = await client.organisations.create({"OrganisationName": "Kund AB"})
    sim.faults.add(path_prefix="/Organisations", status=503, times=2)
    slept_before = len(clock.slept)
    assert (await client.organisations.get(org_id)).id == org_id
    assert count(sim, "GET", "/Organisations") == 3
    waits = [s for s in clock.slept[slept_before:] if s > 0]
    assert len(waits) == 2
    assert 0.5 <= waits[0] <= 1.0 and 1.0 <= waits[1] <= 2.0  # base 1 s, doubling, jittered


async def test_retries_are_capped(sim: WebcrmSimulator, clock: FakeClock) -> None:
    settings = WebcrmSettings(
        base_url="https://api.webcrm.test", auth_code=SecretStr(sim.add_api_token())
    )
    transport = httpx.ASGITransport(app=sim.app)
    retry = RetryPolicy(attempts=3)
    async with WebcrmClient(settings, clock=clock, transport=transport, retry=retry) as webcrm:
        sim.faults.add(path_prefix="/Organisations", status=500, times=None)
        with pytest.raises(ServerError) as caught:
            await webcrm.organisations.get(1)
    assert caught.value.status == 500
    assert count(sim, "GET", "/Organisations") == 3


async def test_read_timeouts_are_retried(client: WebcrmClient, sim: WebcrmSimulator) -> None:
    org_id = await client.organisations.create({"OrganisationName": "Kund AB"})
    sim.faults.add(path_prefix="/Organisations", timeout=True, times=1)
    assert (await client.organisations.get(org_id)).id == org_id
    assert count(sim, "GET", "/Organisations") == 2


async def test_create_is_not_retried_after_a_5xx(
    client: WebcrmClient, sim: WebcrmSimulator
) -> None:
    sim.faults.add(path_prefix="/Organisations", method="POST", status=500, after_processing=True)
    with pytest.raises(ServerError):
        await client.organisations.create({"OrganisationName": "Kanske AB"})
    assert count(sim, "POST", "/Organisations") == 1
    # The server did create it: a retry would have made a duplicate.
    assert [o.name async for o in client.organisations.list()] == ["Kanske AB"]


async def test_create_is_not_retried_after_a_timeout(
    client: WebcrmClient, sim: WebcrmSimulator
) -> None:
    sim.faults.add(path_prefix="/Deliveries", method="POST", timeout=True)
    org_id = await client.organisations.create({"OrganisationName": "Kund AB"})
    with pytest.raises(TransportError):
        await client.deliveries.create({"DeliveryOrganisationId": org_id})
    assert count(sim, "POST", "/Deliveries") == 1


async def test_create_is_retried_after_a_429(client: WebcrmClient, sim: WebcrmSimulator) -> None:
    sim.faults.add(path_prefix="/Organisations", method="POST", status=429, retry_after=1)
    org_id = await client.organisations.create({"OrganisationName": "Kund AB"})
    assert count(sim, "POST", "/Organisations") == 2
    assert (await client.organisations.get(org_id)).name == "Kund AB"


async def test_a_concurrent_burst_is_paced_too(
    client: WebcrmClient, sim: WebcrmSimulator, clock: FakeClock
) -> None:
    org_id = await client.organisations.create({"OrganisationName": "Kund AB"})
    results = await asyncio.gather(*(client.organisations.get(org_id) for _ in range(300)))
    assert len(results) == 300
    assert [r for r in sim.requests if r.status == 429] == []
    assert clock.monotonic() >= 60.0
