"""API budgets shared by every worker: a sliding window in Redis.

The vendors count per tenant, not per process (Fortnox 25 requests per 5 s,
webCRM 250 per minute), so in the cluster every request of a tenant, from any
worker, takes its slot in one Redis sorted set. :class:`RedisWindow`
implements :class:`wfsync.http.ratelimit.WindowStore`; the check and the take
happen in one Lua script, which Redis runs atomically, so two workers can never
both take the last slot.

``now`` is an argument (epoch seconds from the caller's clock), never Redis's
own time: tests drive it with FakeClock, and workers on one machine or on
NTP-synchronised machines agree on it. The cluster leaves a margin below the
vendors' limits (:data:`FORTNOX_BUDGET`, :data:`WEBCRM_BUDGET`): fewer requests
per window and a window a little longer than the vendor's, so clock skew
between workers and the vendor cannot tip a burst over.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import redis

__all__ = ["FORTNOX_BUDGET", "WEBCRM_BUDGET", "RedisWindow", "budget_key"]

#: (requests, window seconds) per tenant: Fortnox allows 25 / 5 s, webCRM 250 / 60 s.
FORTNOX_BUDGET: Final = (24, 5.25)
WEBCRM_BUDGET: Final = (240, 61.0)

_RESERVE: Final = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, math.ceil(window * 1000) + 1000)
  return '0'
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""

_PAUSE: Final = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local until_ = tonumber(ARGV[1])
if until_ > current then
  local ttl = math.ceil((until_ - tonumber(ARGV[2])) * 1000) + 1000
  redis.call('SET', KEYS[1], ARGV[1], 'PX', math.max(1000, ttl))
end
return 1
"""


def budget_key(prefix: str, tenant: str, vendor: str) -> str:
    return f"{prefix}:budget:{tenant}:{vendor}"


class RedisWindow:
    """One tenant's budget with one vendor, in Redis (a ``WindowStore``)."""

    def __init__(self, client: redis.Redis, key: str, *, clock_now: float | None = None) -> None:
        self._redis = client
        self.key = key
        self._reserve = client.register_script(_RESERVE)
        self._pause = client.register_script(_PAUSE)
        self._last_now = clock_now or 0.0

    def reserve(self, now: float, limit: int, window: float) -> float:
        self._last_now = now
        member = f"{now!r}:{uuid.uuid4().hex[:12]}"
        answer = self._reserve(keys=[self.key], args=[repr(now), limit, repr(window), member])
        return float(answer.decode() if isinstance(answer, bytes) else answer)

    def pause(self, until: float) -> None:
        self._pause(keys=[self.key + ":paused"], args=[repr(until), repr(self._last_now)])

    def paused_until(self) -> float:
        value = self._redis.get(self.key + ":paused")
        if value is None:
            return 0.0
        return float(value.decode() if isinstance(value, bytes) else value)

    def sent_in(self, now: float, window: float) -> int:
        """How many sends fell in ``(now - window, now]`` (for tests and status)."""
        return int(self._redis.zcount(self.key, f"({now - window}", now))
