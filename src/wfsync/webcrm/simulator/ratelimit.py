"""webCRM's request quota: 250 per sliding 60-second window per application token.

A request is rejected when the preceding 60 seconds already hold the limit's
worth of accepted requests (reference §3.7). Rejected requests do not count, so
``Retry-After`` is exact: the seconds until the oldest counted request leaves
the window, rounded up. Time is the injected clock's monotonic time.
"""

from __future__ import annotations

import math
from collections import deque

from starlette.responses import Response

from wfsync.clock import Clock
from wfsync.webcrm.simulator.routing import json_response

__all__ = ["THROTTLED_MESSAGE", "WINDOW_SECONDS", "RateLimiter"]

WINDOW_SECONDS = 60.0
THROTTLED_MESSAGE = "The request was throttled. The limit of {limit} requests per minute is reached"


class RateLimiter:
    """Sliding-window counter per application token; ``limit=None`` disables it."""

    def __init__(self, clock: Clock, limit: int | None = 250) -> None:
        if limit is not None and limit < 1:
            raise ValueError("rate limit must be at least 1 (or None to disable)")
        self.limit = limit
        self._clock = clock
        self._windows: dict[str, deque[float]] = {}

    def admit(self, application_token: str) -> Response | None:
        """Count one request; the 429 response if it is over the limit, else None."""
        if self.limit is None:
            return None
        now = self._clock.monotonic()
        window = self._windows.setdefault(application_token.casefold(), deque())
        while window and window[0] <= now - WINDOW_SECONDS:
            window.popleft()
        if len(window) < self.limit:
            window.append(now)
            return None
        retry_after = max(1, math.ceil(window[0] + WINDOW_SECONDS - now))
        body = {
            "RetryAfterSeconds": retry_after,
            "Message": THROTTLED_MESSAGE.format(limit=self.limit),
            "Type": "TooManyRequestsException",
        }
        response = json_response(body, status=429)
        response.headers["Retry-After"] = str(retry_after)
        return response

    def used(self, application_token: str) -> int:
        """Requests counted in the current window (for tests and the dashboard)."""
        window = self._windows.get(application_token.casefold(), deque())
        now = self._clock.monotonic()
        return sum(1 for stamp in window if stamp > now - WINDOW_SECONDS)
