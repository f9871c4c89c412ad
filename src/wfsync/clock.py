"""Injectable time.

Every component that waits or reads the time (HTTP clients, rate limiters, token
expiry, simulators, the scheduler) takes a :class:`Clock`, so tests of a one-hour
token lifetime or a six-minute cadence run in milliseconds on a :class:`FakeClock`.
Where tasks wait *side by side* (both vendors' budgets used at once) and the
elapsed time is the figure, :class:`VirtualClock` lets their waits overlap.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "FakeClock", "SystemClock", "VirtualClock", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Clock(Protocol):
    """Source of wall time (aware UTC), monotonic time and sleeping."""

    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class FakeClock:
    """A virtual clock for tests: time moves only when someone sleeps or calls advance.

    ``sleep(s)`` moves virtual time forward by ``s`` at once and yields to the event
    loop, so waiting code runs without real waiting. Concurrent sleepers each add
    their own wait (time only over-estimates), which is what rate-limit tests need:
    a limiter that should have waited shows up as elapsed virtual time.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._start = start or datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
        if self._start.tzinfo is None:
            raise ValueError("FakeClock needs an aware start time")
        self._elapsed = 0.0
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        return self._elapsed

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time does not run backwards")
        self._elapsed += seconds

    def set(self, when: datetime) -> None:
        """Jump to an absolute instant (forward only)."""
        delta = (when - self.now()).total_seconds()
        self.advance(max(0.0, delta))

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.slept.append(seconds)
        self._elapsed += seconds
        await asyncio.sleep(0)


class VirtualClock(FakeClock):
    """Virtual time in which concurrent sleepers wait together, as on a real clock.

    A sleeper is parked until virtual time reaches its wake-up; time jumps to the
    earliest wake-up only once no task of the event loop is ready to run (all of
    them sleep or wait on each other). Two tasks that each wait 5 s side by side
    therefore take 5 virtual seconds, not 10 — what a benchmark of concurrent
    rate budgets must see. Everything must wait through this clock (in-process
    transports, no real I/O): a task blocked on a socket looks idle to it.
    """

    def __init__(self, start: datetime | None = None) -> None:
        super().__init__(start)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        #: The loop whose driver is queued (None: no driver). A clock reused on a new
        #: loop (another ``asyncio.run``) starts a driver there.
        self._driving: asyncio.AbstractEventLoop | None = None

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        if seconds == 0:
            await asyncio.sleep(0)
            return
        self.slept.append(seconds)
        loop = asyncio.get_running_loop()
        if not hasattr(loop, "_ready"):
            raise RuntimeError("VirtualClock needs CPython's asyncio event loop")
        wake: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._sleepers, (self._elapsed + seconds, next(self._order), wake))
        if self._driving is not loop:
            self._driving = loop
            loop.call_soon(self._drive, loop)
        await wake

    def _drive(self, loop: asyncio.AbstractEventLoop) -> None:
        # CPython's loop keeps its runnable callbacks in ``_ready``; while any is
        # there, some task can still run at the present time. Another virtual
        # clock's driver is not such work (two would otherwise wait on each other).
        if any(not _is_driver(handle) for handle in getattr(loop, "_ready", ())):
            loop.call_soon(self._drive, loop)
            return
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)  # a cancelled sleeper
        if not self._sleepers:
            self._driving = None
            return
        due = self._sleepers[0][0]
        self._elapsed = max(self._elapsed, due)
        while self._sleepers and self._sleepers[0][0] <= due:
            _, _, wake = heapq.heappop(self._sleepers)
            if not wake.done():
                wake.set_result(None)
        loop.call_soon(self._drive, loop)


def _is_driver(handle: object) -> bool:
    callback = getattr(handle, "_callback", None)
    return getattr(callback, "__func__", None) is VirtualClock._drive
