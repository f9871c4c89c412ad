"""webCRM's request quota: 250 per sliding 60-second window per application token.

A request is rejected when the preceding 60 seconds already hold the limit's
worth of accepted requests (reference §3.7). Rejected requests do not count, so
``Retry-After`` is exact: the seconds until the oldest counted request leaves
the window, rounded up.
"""

from __future__ import annotations

from starlette.responses import Response

from wfsync.clock import Clock
from wfsync.simulators.kit import RequestWindow
from wfsync.simulators.webcrm.routing import json_response

__all__ = ["THROTTLED_MESSAGE", "WINDOW_SECONDS", "RateLimiter", "throttled"]

WINDOW_SECONDS = 60.0
THROTTLED_MESSAGE = "The request was throttled. The limit of {limit} requests per minute is reached"


def throttled(retry_after: int, limit: int) -> Response:
    """webCRM's 429: the wait in the body and in ``Retry-After``."""
    body = {
        "RetryAfterSeconds": retry_after,
        "Message": THROTTLED_MESSAGE.format(limit=limit),
        "Type": "TooManyRequestsException",
    }
    response = json_response(body, status=429)
    response.headers["Retry-After"] = str(retry_after)
    return response


class RateLimiter:
    """The quota per application token (case-insensitive); ``limit=None`` disables it."""

    def __init__(self, clock: Clock, limit: int | None = 250) -> None:
        self._window = RequestWindow(clock, limit, WINDOW_SECONDS, count_rejected=False)

    @property
    def limit(self) -> int | None:
        return self._window.limit

    def admit(self, application_token: str) -> Response | None:
        """Count one request; the 429 response if it is over the limit, else None."""
        key = application_token.casefold()
        if self._window.admit(key):
            return None
        return throttled(self._window.retry_after(key), self._window.limit or 0)

    def used(self, application_token: str) -> int:
        """Requests counted in the current window (for tests and the dashboard)."""
        return self._window.used(application_token.casefold())
