"""Fortnox's rate limit: 25 requests per sliding 5-second window (§3.6).

The budget belongs to the pair (client id, tenant), not to a token, so tokens
obtained by refreshing share it. Requests answered 401 never reach the limiter.
Rejected requests do count: the live limiter rejects "until the 5-second average
is back under 25", so a client that hammers through 429s stays locked out — the
stricter reading, which only a client that really backs off survives.
"""

from __future__ import annotations

from collections import deque

from wfsync.clock import Clock

__all__ = ["WINDOW_SECONDS", "SlidingWindow"]

WINDOW_SECONDS = 5.0


class SlidingWindow:
    """Per-key request timestamps on the injected clock's monotonic time."""

    def __init__(self, clock: Clock, limit: int | None) -> None:
        self.clock = clock
        self.limit = limit
        self._hits: dict[tuple[str, str], deque[float]] = {}

    def admit(self, client_id: str, tenant_id: str) -> bool:
        """Count one request; False when it exceeds the budget (answer 429)."""
        if self.limit is None:
            return True
        now = self.clock.monotonic()
        hits = self._hits.setdefault((client_id, tenant_id), deque())
        while hits and hits[0] <= now - WINDOW_SECONDS:
            hits.popleft()
        hits.append(now)
        return len(hits) <= self.limit
