"""Client-side pacing so we (almost) never see a 429.

Both vendors limit with a sliding window (Fortnox 25 requests / 5 s per tenant,
webCRM 250 / 60 s per token). Waiting before sending is cheaper than being
rejected, and Fortnox sends no Retry-After, so guessing after a 429 is worse.

The limiter decides *when* to send; a :class:`WindowStore` remembers *what was
sent*. The default store lives in this process. A store that outlives the
process (the state store) or is shared by many (Redis, in the cluster) makes
the budget hold across commands run one after another and across workers: the
vendor counts per tenant, not per process, so must we.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Protocol

from wfsync.clock import Clock, SystemClock

__all__ = ["LocalWindow", "SlidingWindowLimiter", "WindowStore"]


class WindowStore(Protocol):
    """The send times of one budget (one vendor, one tenant), wherever they live.

    ``now`` is wall-clock seconds since the epoch (``clock.now().timestamp()``),
    so stores shared between processes agree on it.
    """

    def reserve(self, now: float, limit: int, window: float) -> float:
        """Atomically take a slot at ``now`` if fewer than ``limit`` sends fell in
        ``(now - window, now]`` and return ``0.0``; otherwise take nothing and
        return the seconds until the oldest send in the window leaves it."""
        ...

    def pause(self, until: float) -> None:
        """Hold every user of this budget back until the epoch second ``until`` (after a 429)."""
        ...

    def paused_until(self) -> float:
        """The epoch second before which nobody may send (0.0 when not paused)."""
        ...


class LocalWindow:
    """A :class:`WindowStore` in this process's memory: the embedded default."""

    def __init__(self) -> None:
        self._sent: deque[float] = deque()
        self._paused_until = 0.0

    def reserve(self, now: float, limit: int, window: float) -> float:
        while self._sent and self._sent[0] <= now - window:
            self._sent.popleft()
        if len(self._sent) < limit:
            self._sent.append(now)
            return 0.0
        return self._sent[0] + window - now

    def pause(self, until: float) -> None:
        self._paused_until = max(self._paused_until, until)

    def paused_until(self) -> float:
        return self._paused_until


class SlidingWindowLimiter:
    """At most ``max_requests`` acquisitions in any ``window`` seconds.

    ``acquire`` waits (on the injected clock) until a slot is free. ``pause``
    blocks everyone until a given delay has passed — used after a 429.
    """

    def __init__(
        self,
        max_requests: int,
        window: float,
        clock: Clock | None = None,
        store: WindowStore | None = None,
    ) -> None:
        if max_requests < 1 or window <= 0:
            raise ValueError("limiter needs max_requests >= 1 and window > 0")
        self.max_requests = max_requests
        self.window = window
        self.clock = clock or SystemClock()
        self.store: WindowStore = store or LocalWindow()
        self._lock = asyncio.Lock()
        self.waited = 0.0  # total seconds spent waiting, for benchmarks and tests

    def _now(self) -> float:
        return self.clock.now().timestamp()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._now()
                paused = self.store.paused_until()
                delay = (
                    paused - now
                    if now < paused
                    else self.store.reserve(now, self.max_requests, self.window)
                )
                if delay <= 0:
                    return
                self.waited += delay
                await self.clock.sleep(delay)

    def pause(self, seconds: float) -> None:
        """Hold every caller back for ``seconds`` from now (after a 429)."""
        self.store.pause(self._now() + seconds)
