"""A per-key sliding window of request times, on the injected clock's monotonic time.

The vendors differ in one rule, kept as a flag: Fortnox counts rejected requests
too (its limiter rejects "until the 5-second average is back under 25", so a
client hammering through 429s stays locked out), webCRM counts only accepted
ones (so its ``Retry-After`` is exact).
"""

from __future__ import annotations

import math
from collections import deque

from wfsync.clock import Clock

__all__ = ["RequestWindow"]


class RequestWindow:
    """``limit`` requests per ``seconds`` for each key; ``limit=None`` admits all."""

    def __init__(
        self, clock: Clock, limit: int | None, seconds: float, *, count_rejected: bool
    ) -> None:
        if limit is not None and limit < 1:
            raise ValueError("rate limit must be at least 1 (or None to disable)")
        self.clock = clock
        self.limit = limit
        self.seconds = seconds
        self.count_rejected = count_rejected
        self._hits: dict[str, deque[float]] = {}

    def _window(self, key: str) -> deque[float]:
        now = self.clock.monotonic()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        return hits

    def admit(self, key: str) -> bool:
        """Count one request; False when it is over the limit (answer 429)."""
        if self.limit is None:
            return True
        hits = self._window(key)
        admitted = len(hits) < self.limit
        if admitted or self.count_rejected:
            hits.append(self.clock.monotonic())
        return admitted

    def retry_after(self, key: str) -> int:
        """Whole seconds until the oldest counted request leaves the window (≥ 1)."""
        hits = self._window(key)
        if not hits:
            return 1
        return max(1, math.ceil(hits[0] + self.seconds - self.clock.monotonic()))

    def used(self, key: str) -> int:
        """Requests counted in the current window (for tests and the dashboard)."""
        return len(self._window(key))
