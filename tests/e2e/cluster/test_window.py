"""The Redis sliding window shared by workers (real Redis): several clients, several
processes' worth of limiters, one budget that is never exceeded."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from wfsync.clock import FakeClock
from wfsync.http.ratelimit import SlidingWindowLimiter

pytestmark = pytest.mark.redis


@pytest.fixture
def key(redis_url: str) -> Iterator[str]:
    import redis

    name = f"wfsync-test:{uuid.uuid4().hex}"
    yield name
    client = redis.Redis.from_url(redis_url)
    client.delete(name, name + ":paused")
    client.close()


def _window(redis_url: str, key: str):  # type: ignore[no-untyped-def]
    import redis

    from wfsync.cluster.window import RedisWindow

    return RedisWindow(redis.Redis.from_url(redis_url), key)


def test_reserve_counts_across_clients_and_says_how_long_to_wait(redis_url: str, key: str) -> None:
    a, b = _window(redis_url, key), _window(redis_url, key)
    now = 1_000_000.0
    assert [a.reserve(now + i * 0.1, 3, 5.0) for i in range(2)] == [0.0, 0.0]
    assert b.reserve(now + 0.2, 3, 5.0) == 0.0
    wait = b.reserve(now + 1.0, 3, 5.0)
    assert wait == pytest.approx(4.0)
    assert a.reserve(now + 5.0, 3, 5.0) == 0.0  # the first send left the window
    assert a.sent_in(now + 5.0, 5.0) == 3


def test_pause_is_shared_and_only_moves_forward(redis_url: str, key: str) -> None:
    a, b = _window(redis_url, key), _window(redis_url, key)
    assert a.paused_until() == 0.0
    a.pause(2_000_000.0)
    b.pause(1_999_999.0)
    assert b.paused_until() == 2_000_000.0


def test_many_limiters_on_one_budget_never_exceed_it(redis_url: str, key: str) -> None:
    """Six limiters (as six workers would hold) on one FakeClock send 300 requests;
    in every 5-second window there are at most 24, and the work still finishes."""
    clock = FakeClock()
    limit, window = 24, 5.0
    sent: list[float] = []

    async def worker(limiter: SlidingWindowLimiter, n: int) -> None:
        for _ in range(n):
            await limiter.acquire()
            sent.append(clock.now().timestamp())

    async def main() -> None:
        limiters = [
            SlidingWindowLimiter(limit, window, clock, store=_window(redis_url, key))
            for _ in range(6)
        ]
        await asyncio.gather(*(worker(limiter, 50) for limiter in limiters))

    asyncio.run(main())
    assert len(sent) == 300
    sent.sort()
    worst = max(sum(1 for t in sent if start <= t < start + window) for start in sent)
    assert worst == limit
