"""Fortnox test kit: the simulator and an authenticated raw HTTP client (fixtures the
client contract tests and the simulator tests both use; their conftest.py imports them).

``fortnox_sim`` runs on the FakeClock with the rate limit off (tests that are
about the limit build their own simulator); ``fortnox_http`` is an
``httpx.AsyncClient`` mounted on the simulator's ASGI app (no sockets) with a
bearer token obtained through the real token endpoint.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from wfsync.clock import FakeClock
from wfsync.simulators.fortnox import FortnoxSimulator

SIM_CLIENT_ID = "test-client"
SIM_CLIENT_SECRET = "test-secret"


def basic_auth(client_id: str = SIM_CLIENT_ID, secret: str = SIM_CLIENT_SECRET) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


async def fetch_access_token(sim: FortnoxSimulator, scopes: list[str] | None = None) -> str:
    """Consent (as a user would), then refresh through the HTTP token endpoint."""
    refresh = sim.issue_refresh_token(SIM_CLIENT_ID, scopes=scopes)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim.app), base_url="https://apps.fortnox.se"
    ) as client:
        response = await client.post(
            "/oauth-v1/token",
            data={"grant_type": "refresh_token", "refresh_token": refresh},
            headers={"Authorization": basic_auth()},
        )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


TokenFactory = Callable[..., Awaitable[str]]


@pytest.fixture
def fortnox_token(fortnox_sim: FortnoxSimulator) -> TokenFactory:
    """``await fortnox_token(scopes=[...])``: a fresh access token for the test client."""

    async def factory(scopes: list[str] | None = None) -> str:
        return await fetch_access_token(fortnox_sim, scopes)

    return factory


@pytest.fixture
def fortnox_sim(clock: FakeClock) -> FortnoxSimulator:
    sim = FortnoxSimulator(clock=clock, rate_limit=None)
    sim.register_client(SIM_CLIENT_ID, SIM_CLIENT_SECRET)
    return sim


@pytest.fixture
async def fortnox_http(fortnox_sim: FortnoxSimulator) -> AsyncIterator[httpx.AsyncClient]:
    token = await fetch_access_token(fortnox_sim)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fortnox_sim.app),
        base_url="https://api.fortnox.se/3/",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    ) as client:
        yield client
