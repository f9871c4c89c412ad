"""The demo's two companies: both simulators, a throw-away state store, one clock.

Why a world of its own: ``wfsync demo`` must run with no accounts and no
config, and must never touch the user's ``./wfsync.toml`` or ``./wfsync.db``.
Everything here is built from code: the simulators hold Swedish sample data,
the settings are constructed without reading the environment (a stray
``WFSYNC_STATE__URL`` must not send demo data into a real state store), and
the state store is SQLite in a temporary directory.

:class:`DemoClock` is what makes the story fast and the simulators usable
afterwards: while the story runs it is a :class:`~wfsync.clock.FakeClock` that
the runner moves through the 6-minute cadence; :meth:`DemoClock.go_live` turns
it into real time, continuing from where the story stopped, so records stamped
during the story lie in the past when a person starts poking at the servers.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from wfsync.clock import FakeClock, utcnow
from wfsync.config import FortnoxSettings, Settings, StateSettings, SyncSettings, WebcrmSettings
from wfsync.http.errors import ConfigError
from wfsync.simulators.fortnox import DEMO_CLIENT_ID, FortnoxSimulator
from wfsync.simulators.fortnox.errors import ApiProblem as FortnoxProblem
from wfsync.simulators.fortnox.seed import sample_data as fortnox_sample
from wfsync.simulators.webcrm import DEMO_AUTH_CODE, WebcrmSimulator
from wfsync.simulators.webcrm.errors import ApiProblem as WebcrmProblem
from wfsync.simulators.webcrm.seed_data import sample_data as webcrm_sample
from wfsync.state import StateStore

__all__ = [
    "DEMO_CLIENT_SECRET",
    "DemoClock",
    "DemoWorld",
    "SeedError",
    "build_world",
    "load_seed_file",
    "webcrm_day_one",
]

#: Fixed so that the URLs and credentials printed by ``--keep-running`` are predictable.
DEMO_CLIENT_SECRET = "demo-secret-not-for-production"
_CUSTOMER_TYPES = ("Kund – Företag", "Kund – Privat")
SAMPLE_DATA_AGE = timedelta(days=1)


class SeedError(ConfigError):
    """A ``--seed-file`` that cannot be used (one line for the user, exit 2)."""


class DemoClock:
    """Accelerated time for the story, then real time for ``--keep-running``."""

    def __init__(self, start: datetime) -> None:
        self._fake = FakeClock(start)
        self._live_from: tuple[datetime, float, float] | None = None

    @property
    def live(self) -> bool:
        return self._live_from is not None

    def now(self) -> datetime:
        if self._live_from is None:
            return self._fake.now()
        wall, _, started = self._live_from
        return wall + timedelta(seconds=time.monotonic() - started)

    def monotonic(self) -> float:
        if self._live_from is None:
            return self._fake.monotonic()
        _, offset, started = self._live_from
        return offset + time.monotonic() - started

    async def sleep(self, seconds: float) -> None:
        if self._live_from is None:
            await self._fake.sleep(seconds)
        else:
            await asyncio.sleep(max(0.0, seconds))

    def advance(self, seconds: float) -> None:
        """Move story time forward (only before :meth:`go_live`)."""
        if self._live_from is not None:
            raise RuntimeError("the demo clock runs in real time now")
        self._fake.advance(seconds)

    def set(self, when: datetime) -> None:
        """Jump story time forward to ``when`` (never backwards)."""
        self.advance(max(0.0, (when - self.now()).total_seconds()))

    def go_live(self) -> None:
        """From now on follow real time; never earlier than the story's last instant."""
        story_end = self._fake.now()
        wall = max(story_end, utcnow())
        # Monotonic time jumps with the wall clock, so rate windows see the real gap
        # since the story's last request (not a burst continuing it).
        offset = self._fake.monotonic() + (wall - story_end).total_seconds()
        self._live_from = (wall, offset, time.monotonic())


@dataclass
class DemoWorld:
    """Everything the story touches. ``memo`` carries record ids from step to step."""

    clock: DemoClock
    fortnox: FortnoxSimulator
    webcrm: WebcrmSimulator
    settings: Settings
    store: StateStore
    memo: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        self.store.close()


def webcrm_day_one() -> dict[str, list[dict[str, Any]]]:
    """webCRM before the integration: leads, suppliers and a partner, but no customers.

    The simulator's own sample describes a tenant with its own customer numbers,
    which a real company would not have before its first import; the demo keeps
    only the organisations that are not customers (they must stay out of
    Fortnox) and their contacts. Products come from Fortnox, so the catalogue
    starts empty too.
    """
    sample = webcrm_sample()
    keep = [o for o in sample["organisations"] if o["OrganisationType"] not in _CUSTOMER_TYPES]
    ids = {o["OrganisationId"] for o in keep}
    persons = [p for p in sample["persons"] if p["PersonOrganisationId"] in ids]
    return {"organisations": keep, "persons": persons}


def load_seed_file(path: Path) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """``{"fortnox": {...}, "webcrm": {...}}``; a side left out keeps the built-in data."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SeedError(f"{path}: cannot read: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise SeedError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not set(data) <= {"fortnox", "webcrm"}:
        raise SeedError(f'{path}: expected an object with "fortnox" and/or "webcrm" seed objects')
    sides = (data.get("fortnox"), data.get("webcrm"))
    for name, side in zip(("fortnox", "webcrm"), sides, strict=True):
        if side is not None and not isinstance(side, dict):
            raise SeedError(f"{path}: {name!r} must be an object in that simulator's seed format")
    return sides


def _settings(
    state_url: str, refresh_token: str, auth_code: str, urls: tuple[str, str]
) -> Settings:
    fortnox_root, webcrm_root = urls
    sections: dict[str, Any] = {
        "fortnox": FortnoxSettings(
            base_url=f"{fortnox_root}/3",
            token_url=f"{fortnox_root}/oauth-v1/token",
            auth_url=f"{fortnox_root}/oauth-v1/auth",
            client_id=DEMO_CLIENT_ID,
            client_secret=SecretStr(DEMO_CLIENT_SECRET),
            refresh_token=SecretStr(refresh_token),
        ),
        "webcrm": WebcrmSettings(base_url=webcrm_root, auth_code=SecretStr(auth_code)),
        "sync": SyncSettings(),
        "state": StateSettings(url=state_url),
    }
    # model_construct: the demo must not pick up WFSYNC_* variables meant for a real setup.
    return Settings.model_construct(**sections)


def build_world(
    state_dir: Path,
    *,
    start: datetime,
    seed_file: Path | None = None,
    fortnox_url: str = "https://api.fortnox.se",
    webcrm_url: str = "https://api.webcrm.com",
) -> DemoWorld:
    """Both simulators with sample data, demo credentials and a fresh state store."""
    fortnox_seed, webcrm_seed = load_seed_file(seed_file) if seed_file else (None, None)
    # The sample data is a day old when the demo starts, as in a company that has been
    # working for a while: the first change-feed overlap then holds only the story's edits.
    clock = DemoClock(start - SAMPLE_DATA_AGE)
    fortnox = FortnoxSimulator(clock=clock, base_url=fortnox_url)
    webcrm = WebcrmSimulator(clock=clock)
    try:
        fortnox.load_seed(fortnox_seed if fortnox_seed is not None else fortnox_sample())
        webcrm.load_seed(webcrm_seed if webcrm_seed is not None else webcrm_day_one())
    except (ValueError, KeyError, TypeError, FortnoxProblem, WebcrmProblem) as exc:
        raise SeedError(f"{seed_file}: seed data rejected by the simulator: {exc}") from None
    clock.set(start)
    fortnox.register_client(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
    refresh_token = fortnox.issue_refresh_token(DEMO_CLIENT_ID)
    auth_code = webcrm.add_api_token(DEMO_AUTH_CODE, name="wfsync demo")
    state_url = f"sqlite:///{state_dir / 'demo-state.db'}"
    settings = _settings(state_url, refresh_token, auth_code, (fortnox_url, webcrm_url))
    store = StateStore.open(state_url, clock=clock)
    return DemoWorld(clock, fortnox, webcrm, settings, store)
