"""A logged-in console over the in-process simulators, and the helpers its tests share."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from tests.scenario.sync.conftest import World, state_url, world  # noqa: F401  (fixtures)
from wfsync.state import StateStore
from wfsync.sync.engine import SyncEngine
from wfsync.web import create_app
from wfsync.web.auth import PASSWORD_KEY, hash_password

PASSWORD = "correct horse battery"
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


async def log_in(client: httpx.AsyncClient, password: str = PASSWORD) -> httpx.Response:
    form = await client.get("/login")
    return await client.post(
        "/login", data={"password": password, "csrf": csrf_of(form.text), "next": "/"}
    )


def sim_engine(sims: World) -> AbstractAsyncContextManager[SyncEngine]:
    """What the console opens for a retry it does itself: its own store, the simulators."""
    return SyncEngine.open(
        sims.settings,
        clock=sims.clock,
        fortnox_transport=httpx.ASGITransport(app=sims.fortnox.app),
        webcrm_transport=httpx.ASGITransport(app=sims.webcrm.app),
    )


@dataclass
class Console:
    app: FastAPI
    client: httpx.AsyncClient

    async def page(self, path: str) -> str:
        response = await self.client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.text

    async def press(self, page: str, action: str, **data: str) -> httpx.Response:
        """POST ``action`` with the CSRF token of ``page``, as its button does."""
        token = csrf_of(await self.page(page))
        return await self.client.post(action, data={"csrf": token, **data})


def set_password(store: StateStore, password: str = PASSWORD) -> None:
    store.set_value(PASSWORD_KEY, hash_password(password))


@pytest.fixture
async def console(world: World) -> AsyncIterator[Console]:  # noqa: F811
    set_password(world.store)
    app = create_app(world.settings, clock=world.clock, engine_factory=lambda: sim_engine(world))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        response = await log_in(client)
        assert response.status_code == 303
        yield Console(app, client)
    app.state.console.store.close()  # ASGITransport runs no lifespan
