"""The operator's console: see and fix what the sync did, from a browser.

Served by `wfsync serve` and by `wfsync run --serve`. Pages are plain HTML
forms (readable and usable without JavaScript; htmx, vendored, only refreshes
the inbox while a retry is on its way). Every change is a POST carrying the
session's CSRF token; see :mod:`wfsync.web.guard` for the front door.

The console usually runs beside `wfsync run` in another process, so it changes
nothing itself that a cycle could race: "retry now" and "apply the other value"
are requests in the state store. A running runner picks retries up within
seconds; when no runner holds the instance lock, the console does the retry
itself, under the writer lease. Overrides wait for the next cycle.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from wfsync.clock import Clock, SystemClock
from wfsync.config import Settings
from wfsync.state import StateStore
from wfsync.state.lease import describe_holder
from wfsync.sync.engine import SyncEngine
from wfsync.web.actions import action_routes
from wfsync.web.auth import LoginThrottle, Sessions
from wfsync.web.context import HERE, Console, EngineFactory
from wfsync.web.guard import allowed_hosts, front_door
from wfsync.web.login import login_routes
from wfsync.web.pages import page_routes

__all__ = ["EngineFactory", "create_app"]


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    engine_factory: EngineFactory | None = None,
    login_token: str | None = None,
    bound_host: str = "127.0.0.1",
    secure_cookies: bool = False,
    sessions: Sessions | None = None,
    tenant: str | None = None,
    stored_password: bool = True,
) -> FastAPI:
    """The console for the state store of ``settings``.

    ``login_token``: a one-time token for ``/login?token=…`` (printed by `wfsync
    serve` when no password is set). ``sessions`` and ``tenant``: a cluster's
    console (:mod:`wfsync.cluster.console`) shares one login across its tenants'
    consoles and names the tenant shown. ``engine_factory`` opens a sync engine for
    what the console does itself (tests pass one wired to the simulators).
    """
    clock = clock or SystemClock()
    store = StateStore.open(settings.state.url, clock=clock)
    holder = describe_holder("wfsync serve (console)")
    console = Console(
        settings=settings,
        store=store,
        clock=clock,
        engine=engine_factory or (lambda: SyncEngine.open(settings, clock=clock, holder=holder)),
        sessions=sessions or Sessions(clock, login_token=login_token),
        throttle=LoginThrottle(clock),
        secure_cookies=secure_cookies,
        tenant=tenant,
        stored_password=stored_password,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            store.close()

    app = FastAPI(
        title="wfsync console", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    hosts = allowed_hosts(settings.web.allowed_hosts, bound_host)
    app.middleware("http")(front_door(console.sessions, hosts))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(login_routes(console))
    app.include_router(page_routes(console))
    app.include_router(action_routes(console))
    #: For embedders and tests that run the app without its lifespan (ASGITransport).
    app.state.console = console
    return app
