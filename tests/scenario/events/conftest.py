"""Event tests: the two-simulator world with the event runtime of `wfsync run` attached."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx

from tests.scenario.sync import conftest as sync_fixtures
from tests.scenario.sync.conftest import World
from wfsync.config import EventsSettings
from wfsync.fortnox.event_socket import asgi_connector
from wfsync.runtime.events import EventRuntime
from wfsync.sync.engine import SyncEngine

# The two-simulator world of the sync scenarios, on SQLite and PostgreSQL.
state_url = sync_fixtures.state_url
world = sync_fixtures.world

COMPANY = {"OrganisationName": "Eventa AB", "OrganisationType": "Kund – Företag"}


@asynccontextmanager
async def running(
    sim_world: World, *, listen: bool = False, debounce: float = 0.0
) -> AsyncIterator[tuple[SyncEngine, EventRuntime]]:
    """An engine with its event runtime started (Fortnox subscribed, hooks registered).

    Hook callbacks reach the receiver in-process (``listen=False``: no socket)."""
    async with sim_world.engine() as engine:
        # webCRM's callbacks reach the receiver in-process whatever the host says.
        settings = sim_world.settings.model_copy(
            update={"events": EventsSettings(webhook_url="https://sync.example.com")}
        )
        runtime = EventRuntime(
            engine,
            settings,
            connector=asgi_connector(sim_world.fortnox.app),
            debounce=debounce,
            token_check_seconds=0.01,
            listen=listen,
        )
        stop = asyncio.Event()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=runtime.receiver)) as hooks:
            sim_world.webcrm.hooks.auto_deliver = hooks
            runtime.start(stop)
            await until(runtime.fortnox.subscribed.is_set)
            await until(runtime.hooks_ready.is_set)
            try:
                yield engine, runtime
            finally:
                sim_world.webcrm.hooks.auto_deliver = None
                stop.set()
                await runtime.close()


async def until(condition: Callable[[], object], *, steps: int = 6000) -> None:
    """Let the event loop run until ``condition`` holds (a hang guard, not a timing)."""
    for _ in range(steps):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition never became true")
