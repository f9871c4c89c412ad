"""The loop behind ``wfsync run``: wake on each slot, run what is due, sleep again.

Rules (each one tested on a :class:`~wfsync.clock.FakeClock`):

* **One cycle at a time.** Due jobs run one after another, never concurrently:
  a reconcile reads *both* systems before it writes, so two directions running
  at once could each act on the other's half-written state. When the webCRM
  cycle overruns its 3-minute head start, the Fortnox cycle simply starts when
  it ends (its slot is still due).
* **A direction never overlaps itself**, and slots that pass while its cycle
  runs are skipped: the next run is the first slot after it finished.
* **Missed slots run once.** After the machine slept, each direction that
  missed slots runs one catch-up cycle, not one per missed slot.
* **A failing cycle is logged and counted; the loop goes on.** The next slot
  runs as usual (the engine retries failed records itself). Only exception
  types listed in ``fatal`` end the loop (re-raised to the caller).
* **Stopping is prompt and clean.** When ``stop`` is set the cycle in flight
  finishes, no new cycle starts, and :meth:`Scheduler.run_forever` returns.
* **Sleep in short steps.** ``asyncio.sleep`` runs on the monotonic clock, which
  does not advance while a laptop is suspended; waking every
  ``max_sleep_seconds`` to re-read the wall clock notices a resume promptly.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from wfsync.clock import Clock
from wfsync.runtime.logs import get_logger
from wfsync.runtime.metrics import SyncMetrics
from wfsync.runtime.schedule import DEFAULT_ZONE, Cadence, Plan

__all__ = ["CycleRecord", "Job", "Scheduler", "jobs_from_settings"]

log = get_logger("wfsync.runtime.scheduler")


@dataclass(frozen=True)
class Job:
    """One direction: what to run and on which grid."""

    run: Callable[[], Awaitable[None]]
    interval_minutes: int = 6
    offset_minutes: int = 0


@dataclass(frozen=True)
class CycleRecord:
    """What happened in one cycle (kept in :attr:`Scheduler.history`)."""

    direction: str
    slot: datetime
    started: datetime
    finished: datetime
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def jobs_from_settings(
    *,
    interval_minutes: int,
    fortnox_offset_minutes: int,
    webcrm: Callable[[], Awaitable[None]],
    fortnox: Callable[[], Awaitable[None]],
) -> dict[str, Job]:
    """The two directions of the specification from ``[sync]`` settings.

    ``webcrm`` polls webCRM on the grid (10:00, 10:06, …); ``fortnox`` polls
    Fortnox ``fortnox_offset_minutes`` later (10:03, 10:09, …).
    """
    return {
        "webcrm": Job(webcrm, interval_minutes, 0),
        "fortnox": Job(fortnox, interval_minutes, fortnox_offset_minutes),
    }


class Scheduler:
    """Runs each job on its slots until told to stop."""

    def __init__(
        self,
        clock: Clock,
        jobs: Mapping[str, Job],
        *,
        zone: str = DEFAULT_ZONE,
        catch_up_on_start: bool = False,
        metrics: SyncMetrics | None = None,
        max_sleep_seconds: float = 30.0,
        history_size: int = 100,
        fatal: tuple[type[Exception], ...] = (),
    ) -> None:
        if not jobs:
            raise ValueError("a scheduler needs at least one job")
        self.clock = clock
        self.jobs = dict(jobs)
        self.plan = Plan(
            {
                name: Cadence(job.interval_minutes, job.offset_minutes)
                for name, job in self.jobs.items()
            },
            zone=zone,
        )
        self.catch_up_on_start = catch_up_on_start
        self.metrics = metrics
        self.max_sleep_seconds = max_sleep_seconds
        #: Exceptions that end :meth:`run_forever` (re-raised after being recorded),
        #: e.g. a configuration error no later slot can fix. Others are survived.
        self.fatal = fatal
        #: The slot each direction last ran for (``None``: not yet).
        self.last_run_slot: dict[str, datetime | None] = dict.fromkeys(self.jobs)
        self.history: deque[CycleRecord] = deque(maxlen=history_size)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Run due cycles until ``stop`` is set; the cycle in flight is finished first."""
        self._seed()
        log.info("scheduler.started", directions=sorted(self.jobs), zone=self.plan.zone)
        while not stop.is_set():
            due = self._due_now()
            if not due:
                await self._sleep_until(self.plan.next_wake(self.clock.now()), stop)
                continue
            # Run the most overdue job only, then look again: a long cycle may have
            # made another direction's slot (or label) stale meanwhile.
            name, slot = due[0]
            await self._run_cycle(name, slot)
        log.info("scheduler.stopped")

    def _seed(self) -> None:
        """Before the first loop: by default slots before start-up are not caught up.

        A slot falling exactly on the start-up instant still runs.
        """
        if self.catch_up_on_start:
            return
        now = self.clock.now()
        for name in self.jobs:
            if self.last_run_slot[name] is None:
                latest = self.plan.latest_slot(name, now)
                if latest < now:
                    self.last_run_slot[name] = latest

    def _due_now(self) -> list[tuple[str, datetime]]:
        now = self.clock.now()
        due = []
        for name in self.jobs:
            slot = self.plan.due(name, self.last_run_slot[name], now)
            if slot is not None:
                due.append((slot, name))
        return [(name, slot) for slot, name in sorted(due)]

    async def _run_cycle(self, name: str, slot: datetime) -> None:
        started = self.clock.now()
        begun = self.clock.monotonic()
        log.info("cycle.started", direction=name, slot=slot.isoformat())
        error: str | None = None
        fatal: Exception | None = None
        try:
            await self.jobs[name].run()
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            fatal = exc if isinstance(exc, self.fatal) else None
            log.error("cycle.failed", direction=name, slot=slot.isoformat(), exc_info=True)
        finished = self.clock.now()
        seconds = self.clock.monotonic() - begun
        self.last_run_slot[name] = self.plan.settle(name, finished)
        self.history.append(CycleRecord(name, slot, started, finished, error))
        if self.metrics is not None:
            self.metrics.cycle_finished(
                name, ok=error is None, duration_seconds=seconds, finished_at=finished
            )
        if fatal is not None:
            raise fatal
        if error is None:
            log.info("cycle.finished", direction=name, seconds=round(seconds, 3))
        settled = self.last_run_slot[name]
        if settled is not None and settled > slot:
            log.warning(
                "cycle.overran",
                direction=name,
                seconds=round(seconds, 3),
                skipped_to=self.plan.next_slot(name, finished).isoformat(),
            )

    async def _sleep_until(self, wake: datetime, stop: asyncio.Event) -> None:
        seconds = (wake - self.clock.now()).total_seconds()
        seconds = min(max(seconds, 0.0), self.max_sleep_seconds)
        sleeper = asyncio.ensure_future(self.clock.sleep(seconds))
        stopper = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, stopper):
                if not task.done():
                    task.cancel()
            await asyncio.gather(sleeper, stopper, return_exceptions=True)
