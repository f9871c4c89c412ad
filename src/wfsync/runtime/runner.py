"""The runner's side of the console: heartbeat, admin requests, pauses and alerts.

`wfsync run` wraps each scheduled cycle in :meth:`Runner.cycle` and runs
:meth:`Runner.watch` beside the scheduler. Cycles and request handling share
one asyncio lock, so a "retry now" never runs inside a cycle, and both hold the
engine's writer lease, so they never race another process either.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from wfsync.clock import Clock
from wfsync.http.errors import AuthError
from wfsync.runtime.admin_requests import process_requests
from wfsync.runtime.alerts import TOKEN_REJECTED_KEY, Alerter
from wfsync.runtime.heartbeat import beat, stop_beating
from wfsync.runtime.pause import failing_streak, pause, paused
from wfsync.sync.engine import SyncEngine
from wfsync.sync.report import RunReport

__all__ = ["HISTORY_KEPT", "POLL_SECONDS", "Runner"]

log = logging.getLogger("wfsync.runner")

#: How often the runner beats and looks for admin requests between cycles.
POLL_SECONDS: Final = 3.0
#: The per-record history and the runs are kept this long (the console promises at
#: least 31 days).
HISTORY_KEPT: Final = timedelta(days=45)


class Runner:
    def __init__(
        self,
        engine: SyncEngine,
        clock: Clock,
        *,
        alerter: Alerter | None = None,
        turn: asyncio.Lock | None = None,
    ) -> None:
        self.engine = engine
        self.store = engine.store
        self.settings = engine.settings
        self.clock = clock
        self.alerter = alerter or Alerter(self.store, self.settings.alerts)
        #: Held by cycles and requests (and, when given, by event-driven syncs too).
        self.busy = turn or asyncio.Lock()

    async def cycle(self, direction: str) -> RunReport | None:
        """One scheduled cycle of ``direction``; None when the direction is paused."""
        async with self.busy:
            pause_note = paused(self.store, direction)
            if pause_note is not None:
                log.warning("%s is paused (%s); cycle skipped", direction, pause_note["reason"])
                return None
            try:
                # One hold for the requests and the run (the engine's lease is re-entrant).
                async with self.engine.lease.hold(self.engine.lease_wait):
                    await process_requests(self.engine, overrides=True)
                    if direction == "webcrm":
                        report = await self.engine.sync_webcrm()
                    else:
                        report = await self.engine.sync_fortnox()
                if direction == "fortnox":
                    self.store.delete_value(TOKEN_REJECTED_KEY)
                return report
            except AuthError as exc:
                if exc.system == "fortnox":
                    self.store.set_value(TOKEN_REJECTED_KEY, exc.message)
                raise
            finally:
                await self.after_cycle(direction)

    async def once(self, *, dry_run: bool = False) -> list[RunReport]:
        """`wfsync sync --once`: queued admin requests, both directions, then alerts.

        A paused direction is not run (a cron job must not hammer what the pause
        protects); its report says so instead."""
        if dry_run:
            return await self.engine.sync_once(dry_run=True)
        async with self.busy:
            await process_requests(self.engine, overrides=True)
            held = {d: paused(self.store, d) for d in ("webcrm", "fortnox")}
            try:
                if not any(held.values()):
                    return await self.engine.sync_once()
                reports = []
                for direction, note in held.items():
                    if note is not None:
                        reports.append(_paused_report(direction, note))
                    elif direction == "webcrm":
                        reports.append(await self.engine.sync_webcrm())
                    else:
                        reports.append(await self.engine.sync_fortnox())
                return reports
            finally:
                for direction in ("webcrm", "fortnox"):
                    await self.after_cycle(direction)

    async def after_cycle(self, direction: str) -> None:
        """Pause a direction that keeps failing; send what needs a person."""
        now = self.clock.now()
        limit = self.settings.alerts.pause_after_failed_runs
        streak = failing_streak(self.store, direction)
        if streak >= limit and paused(self.store, direction) is None:
            pause(self.store, direction, f"{streak} failing runs in a row", now)
            log.error("%s paused after %s failing runs in a row", direction, streak)
        await self.alerter.update(now)
        self.store.prune_history(now - HISTORY_KEPT)
        self.store.prune_runs(now - HISTORY_KEPT)

    async def handle_requests(self) -> int:
        """Admin retries, between cycles (never inside one)."""
        if self.busy.locked() or not self.store.pending_requests("retry"):
            return 0  # a cycle is running: it does the requests itself; never stall the beat
        async with self.busy:
            return await process_requests(self.engine, overrides=False)

    async def watch(
        self,
        stop: asyncio.Event,
        next_runs: Callable[[], dict[str, datetime]] | None = None,
        *,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        """Beat and pick up requests every few seconds until ``stop``."""
        try:
            while not stop.is_set():
                beat(self.store, self.clock.now(), next_runs=next_runs() if next_runs else {})
                try:
                    await self.handle_requests()
                except Exception:  # a bad request must not stop the runner
                    log.exception("console request failed")
                await self._pause(stop, poll_seconds)
        finally:
            stop_beating(self.store)

    async def _pause(self, stop: asyncio.Event, seconds: float) -> None:
        sleeper = asyncio.ensure_future(self.clock.sleep(seconds))
        stopper = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, stopper):
                task.cancel()
            await asyncio.gather(sleeper, stopper, return_exceptions=True)


def _paused_report(direction: str, note: dict[str, str]) -> RunReport:
    report = RunReport()
    report.warnings.append(
        f"{direction} is paused ({note.get('reason')}): not run; resume it in the console "
        "or with `wfsync resume`"
    )
    return report
