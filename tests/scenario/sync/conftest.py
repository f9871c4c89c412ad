"""A two-system world for scenario tests: both simulators in-process, one engine.

Parametrised over the state backend, so every scenario runs on SQLite and on the
real PostgreSQL server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from wfsync.clock import FakeClock
from wfsync.config import FortnoxSettings, Settings, StateSettings, SyncSettings, WebcrmSettings
from wfsync.simulators.fortnox import FortnoxSimulator
from wfsync.simulators.webcrm import WebcrmSimulator
from wfsync.state import StateStore
from wfsync.sync.engine import SyncEngine

CLIENT_ID = "wfsync-test"
CLIENT_SECRET = "s3cret-for-tests"


@dataclass
class World:
    clock: FakeClock
    fortnox: FortnoxSimulator
    webcrm: WebcrmSimulator
    settings: Settings
    store: StateStore
    calls: list[dict[str, int]] = field(default_factory=list)

    @classmethod
    def create(cls, state_url: str, clock: FakeClock, *, legacy_webcrm: bool = False) -> World:
        """Both simulators, settings pointing at them, and an open state store."""
        fortnox = FortnoxSimulator(clock=clock)
        fortnox.register_client(CLIENT_ID, CLIENT_SECRET)
        refresh_token = fortnox.issue_refresh_token(CLIENT_ID)
        webcrm = WebcrmSimulator(clock=clock)
        if legacy_webcrm:
            # The other readings the reference allows (§3.1, §3.3): no id from
            # POST /Organisations, MinValue for unset dates, offsets on timestamps.
            webcrm.quirks.organisation_create_returns_id = False
            webcrm.quirks.unset_dates_as_min_value = True
            webcrm.quirks.timestamps_with_offset = True
        auth_code = webcrm.add_api_token()
        settings = Settings(
            fortnox=FortnoxSettings(
                client_id=CLIENT_ID, client_secret=CLIENT_SECRET, refresh_token=refresh_token
            ),
            webcrm=WebcrmSettings(auth_code=auth_code),
            state=StateSettings(url=state_url),
        )
        return cls(clock, fortnox, webcrm, settings, StateStore.open(state_url, clock=clock))

    def configure(self, **sync: Any) -> None:
        self.settings = self.settings.model_copy(
            update={"sync": SyncSettings(**{**self.settings.sync.model_dump(), **sync})}
        )

    @asynccontextmanager
    async def engine(
        self,
        *,
        fortnox_transport: httpx.AsyncBaseTransport | None = None,
        webcrm_transport: httpx.AsyncBaseTransport | None = None,
    ) -> AsyncIterator[SyncEngine]:
        async with SyncEngine.open(
            self.settings,
            clock=self.clock,
            store=self.store,
            fortnox_transport=fortnox_transport or httpx.ASGITransport(app=self.fortnox.app),
            webcrm_transport=webcrm_transport or httpx.ASGITransport(app=self.webcrm.app),
        ) as engine:
            yield engine
            self.calls.append(
                {
                    "fortnox_writes": engine.fortnox.http.write_calls,
                    "webcrm_writes": engine.webcrm.http.write_calls,
                    "fortnox": engine.fortnox.http.total_calls,
                    "webcrm": engine.webcrm.http.total_calls,
                }
            )

    async def import_all(self) -> Any:
        async with self.engine() as engine:
            return await engine.import_all()

    async def sync(self, minutes: float = 6) -> Any:
        """Let time pass, then run one full cycle (both directions)."""
        self.clock.advance(minutes * 60)
        async with self.engine() as engine:
            return await engine.sync_once()

    async def linked_customer(self, **organisation: Any) -> tuple[int, str]:
        """Import, then one organisation made in webCRM and synced to Fortnox:
        its webCRM id and Fortnox customer number."""
        await self.import_all()
        org_id = self.webcrm.ui.create_organisation(**organisation)
        await self.sync()
        link = self.store.get_link("customer", webcrm_id=str(org_id))
        assert link is not None and link.fortnox_id is not None
        return org_id, link.fortnox_id

    @property
    def last_writes(self) -> int:
        last = self.calls[-1]
        return last["fortnox_writes"] + last["webcrm_writes"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Legacy-webCRM variants run on SQLite only: the backend is not their point
    (deselected, not skipped, so CI's "no PostgreSQL test skips" rule holds)."""
    dropped = [
        item
        for item in items
        if item.get_closest_marker("legacy_webcrm") and "postgres" in item.nodeid
    ]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


@pytest.fixture(params=["sqlite", "postgres"])
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def world(request: pytest.FixtureRequest, state_url: str, clock: FakeClock) -> Iterator[World]:
    world = World.create(
        state_url, clock, legacy_webcrm=bool(request.node.get_closest_marker("legacy_webcrm"))
    )
    try:
        yield world
    finally:
        world.store.close()


def www_edited_during_our_put(world: World, number: str) -> PersonMeanwhile:
    """Fortnox, where a person sets customer ``number``'s web site as our PUT of it
    arrives (their edit is in Fortnox's answer to our write)."""
    return PersonMeanwhile(
        world.fortnox.app,
        "PUT",
        f"/3/customers/{number}",
        lambda: world.fortnox.ui.update_customer(number, WWW="www.eko.se"),
    )


class PersonMeanwhile(httpx.AsyncBaseTransport):
    """A simulator (``app``) where a person makes an edit (``edit()``) just as our
    ``nth`` request to ``method path`` arrives: a race mid-run."""

    def __init__(
        self, app: Any, method: str, path: str, edit: Callable[[], object], nth: int = 1
    ) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.method, self.path, self.edit, self.left = method, path, edit, nth

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == self.method and request.url.path == self.path:
            self.left -= 1
            if self.left == 0:
                self.edit()
        return await self.inner.handle_async_request(request)
