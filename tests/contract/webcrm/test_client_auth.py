"""Bearer tokens against the simulator: login, proactive renewal, 401 renewal, serialisation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from wfsync.clock import FakeClock
from wfsync.config import WebcrmSettings
from wfsync.http.errors import AuthError
from wfsync.simulators.webcrm import WebcrmSimulator
from wfsync.webcrm import WebcrmClient


@pytest.fixture
def sim(clock: FakeClock) -> WebcrmSimulator:
    return WebcrmSimulator(clock=clock)


@pytest.fixture
async def client(sim: WebcrmSimulator, clock: FakeClock) -> AsyncIterator[WebcrmClient]:
    settings = WebcrmSettings(
        base_url="https://api.webcrm.test", auth_code=SecretStr(sim.add_api_token())
    )
    transport = httpx.ASGITransport(app=sim.app)
    async with WebcrmClient(settings, clock=clock, transport=transport) as webcrm:
        yield webcrm


def logins(sim: WebcrmSimulator) -> int:
    return sum(1 for r in sim.requests if r.path.lower() == "/auth/apilogin")


def unauthorized(sim: WebcrmSimulator) -> int:
    return sum(1 for r in sim.requests if r.status == 401)


async def new_org(client: WebcrmClient, name: str = "Kund AB") -> int:
    return await client.organisations.create({"OrganisationName": name})


async def test_auth_code_buys_a_bearer_used_for_every_call(
    client: WebcrmClient, sim: WebcrmSimulator
) -> None:
    org_id = await new_org(client)
    assert (await client.organisations.get(org_id)).name == "Kund AB"
    assert logins(sim) == 1
    assert unauthorized(sim) == 0


async def test_token_is_renewed_before_the_hour_is_up(
    client: WebcrmClient, sim: WebcrmSimulator, clock: FakeClock
) -> None:
    org_id = await new_org(client)
    clock.advance(54 * 60)
    await client.organisations.get(org_id)
    assert logins(sim) == 1  # still fresh
    clock.advance(2 * 60)  # 56 minutes: inside the renewal margin, token not yet expired
    await client.organisations.get(org_id)
    assert logins(sim) == 2
    clock.advance(3600 + 1)
    await client.organisations.get(org_id)
    assert logins(sim) == 3
    assert unauthorized(sim) == 0  # never had to learn it from a 401


async def test_twenty_concurrent_requests_after_expiry_log_in_once(
    client: WebcrmClient, sim: WebcrmSimulator, clock: FakeClock
) -> None:
    org_id = await new_org(client)
    clock.advance(2 * 3600)
    results = await asyncio.gather(*(client.organisations.get(org_id) for _ in range(20)))
    assert {org.id for org in results} == {org_id}
    assert logins(sim) == 2
    assert unauthorized(sim) == 0


async def test_revoked_token_is_renewed_once_on_401(
    client: WebcrmClient, sim: WebcrmSimulator
) -> None:
    org_id = await new_org(client)
    sim.auth.revoke_access_tokens()  # e.g. a server restart
    results = await asyncio.gather(*(client.organisations.get(org_id) for _ in range(10)))
    assert len(results) == 10
    assert logins(sim) == 2  # ten 401s, one shared re-login


async def test_spurious_401_is_retried_after_a_fresh_login(
    client: WebcrmClient, sim: WebcrmSimulator
) -> None:
    org_id = await new_org(client)
    sim.faults.add(path_prefix="/Organisations", status=401, times=1)
    assert (await client.organisations.get(org_id)).id == org_id
    assert logins(sim) == 2


async def test_persistent_401_is_an_auth_error_after_one_relogin(
    client: WebcrmClient, sim: WebcrmSimulator
) -> None:
    org_id = await new_org(client)
    sim.faults.add(path_prefix="/Organisations", status=401, times=None)
    with pytest.raises(AuthError) as caught:
        await client.organisations.get(org_id)
    assert caught.value.status == 401
    assert logins(sim) == 2
    assert caught.value.fatal_for_run


async def test_unknown_auth_code_is_an_auth_error(sim: WebcrmSimulator, clock: FakeClock) -> None:
    settings = WebcrmSettings(base_url="https://api.webcrm.test", auth_code=SecretStr("wrong"))
    transport = httpx.ASGITransport(app=sim.app)
    async with WebcrmClient(settings, clock=clock, transport=transport) as webcrm:
        with pytest.raises(AuthError, match="login failed"):
            await webcrm.organisations.get(1)
    assert [r.path for r in sim.requests] == ["/Auth/ApiLogin"]


async def test_check_connection_logs_in_and_reads_once(
    client: WebcrmClient, sim: WebcrmSimulator
) -> None:
    await client.check_connection()
    assert [(r.method, r.path, r.status) for r in sim.requests] == [
        ("POST", "/Auth/ApiLogin", 200),
        ("GET", "/Organisations", 200),
    ]
