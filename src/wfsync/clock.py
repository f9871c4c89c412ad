"""Injectable time.

Every component that waits or reads the time (HTTP clients, rate limiters, token
expiry, simulators, the scheduler) takes a :class:`Clock`, so tests of a one-hour
token lifetime or a six-minute cadence run in milliseconds on a :class:`FakeClock`.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "FakeClock", "SystemClock", "utcnow"]


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
