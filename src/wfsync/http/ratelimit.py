"""Client-side pacing so we (almost) never see a 429.

Both vendors limit with a sliding window (Fortnox 25 requests / 5 s per tenant,
webCRM 250 / 60 s per token). Waiting before sending is cheaper than being
rejected, and Fortnox sends no Retry-After, so guessing after a 429 is worse.
"""

from __future__ import annotations

import asyncio
from collections import deque

from wfsync.clock import Clock, SystemClock

__all__ = ["SlidingWindowLimiter"]


class SlidingWindowLimiter:
    """At most ``max_requests`` acquisitions in any ``window`` seconds.

    ``acquire`` waits (on the injected clock) until a slot is free. ``pause``
    blocks everyone until a given delay has passed — used after a 429.
    """

    def __init__(self, max_requests: int, window: float, clock: Clock | None = None) -> None:
        if max_requests < 1 or window <= 0:
            raise ValueError("limiter needs max_requests >= 1 and window > 0")
        self.max_requests = max_requests
        self.window = window
        self.clock = clock or SystemClock()
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()
        self._paused_until = 0.0
        self.waited = 0.0  # total seconds spent waiting, for benchmarks and tests

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self.clock.monotonic()
                if now < self._paused_until:
                    delay = self._paused_until - now
                else:
                    while self._sent and self._sent[0] <= now - self.window:
                        self._sent.popleft()
                    if len(self._sent) < self.max_requests:
                        self._sent.append(now)
                        return
                    delay = self._sent[0] + self.window - now
                self.waited += delay
                await self.clock.sleep(delay)

    def pause(self, seconds: float) -> None:
        """Hold every caller back for ``seconds`` from now (after a 429)."""
        self._paused_until = max(self._paused_until, self.clock.monotonic() + seconds)
