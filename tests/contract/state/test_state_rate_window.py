"""The rate budget in the state store: shared by processes, kept between commands.

Two stores on one database stand for two processes. Every test counts sends in
virtual time (FakeClock); none measures wall time.
"""

from __future__ import annotations

import asyncio
import bisect
import heapq
import itertools
from collections.abc import Awaitable

from wfsync.clock import FakeClock
from wfsync.fortnox.client import PACING_WINDOW_SECONDS, RATE_WINDOW_SECONDS
from wfsync.http.ratelimit import LocalWindow, SlidingWindowLimiter
from wfsync.state import StateStore
from wfsync.state.ratewindow import StateWindowStore, window_store

LIMIT = 25


def most_in_any_window(times: list[float], window: float) -> int:
    """The largest number of sends inside any half-open window of ``window`` seconds."""
    times = sorted(times)
    best = 0
    for i, start in enumerate(times):
        best = max(best, bisect.bisect_left(times, start + window) - i)
    return best


class SharedClock(FakeClock):
    """Virtual time shared by concurrent sleepers: a sleeper wakes when time reaches its
    deadline, and time jumps to the earliest deadline once every task waits. (FakeClock
    adds each sleeper's wait to the time, which would hide sends bunching up.)"""

    def __init__(self) -> None:
        super().__init__()
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    async def sleep(self, seconds: float) -> None:
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(
            self._sleepers, (self.monotonic() + max(0.0, seconds), next(self._seq), wake)
        )
        await wake

    async def run(self, *work: Awaitable[None]) -> None:
        tasks = [asyncio.ensure_future(w) for w in work]
        while not all(t.done() for t in tasks):
            for _ in range(20):
                await asyncio.sleep(0)
            if self._sleepers:
                deadline, _, wake = heapq.heappop(self._sleepers)
                self.advance(max(0.0, deadline - self.monotonic()))
                wake.set_result(None)
        await asyncio.gather(*tasks)


async def _send(limiter: SlidingWindowLimiter, clock: FakeClock, n: int, log: list[float]) -> None:
    for _ in range(n):
        await limiter.acquire()
        log.append(clock.now().timestamp())


async def test_two_processes_sharing_the_store_never_exceed_the_vendor_limit(
    state_url: str,
) -> None:
    clock = SharedClock()
    store, other_store = (
        StateStore.open(state_url, clock=clock),
        StateStore.open(state_url, clock=clock),
    )
    first = SlidingWindowLimiter(
        LIMIT, PACING_WINDOW_SECONDS, clock, store=StateWindowStore(store, "fortnox")
    )
    second = SlidingWindowLimiter(
        LIMIT, PACING_WINDOW_SECONDS, clock, store=StateWindowStore(other_store, "fortnox")
    )
    sent: list[float] = []
    try:
        await clock.run(_send(first, clock, 60, sent), _send(second, clock, 60, sent))
    finally:
        store.close()
        other_store.close()
    assert len(sent) == 120
    assert most_in_any_window(sent, RATE_WINDOW_SECONDS) <= LIMIT
    # ... and the shared budget is used, not wasted: 120 sends take about 4 windows.
    assert sent[-1] - sent[0] < 5 * PACING_WINDOW_SECONDS


async def test_separate_memory_windows_would_exceed_it() -> None:
    """The failure the shared store prevents: each process pacing alone."""
    clock = SharedClock()
    first = SlidingWindowLimiter(LIMIT, PACING_WINDOW_SECONDS, clock, store=LocalWindow())
    second = SlidingWindowLimiter(LIMIT, PACING_WINDOW_SECONDS, clock, store=LocalWindow())
    sent: list[float] = []
    await clock.run(_send(first, clock, 60, sent), _send(second, clock, 60, sent))
    assert most_in_any_window(sent, RATE_WINDOW_SECONDS) > LIMIT


async def test_a_command_run_after_another_inherits_the_spent_budget(
    store: StateStore, other_store: StateStore, clock: FakeClock
) -> None:
    earlier = SlidingWindowLimiter(
        LIMIT, PACING_WINDOW_SECONDS, clock, store=StateWindowStore(store, "fortnox")
    )
    sent: list[float] = []
    await _send(earlier, clock, LIMIT, sent)
    # The next command starts in another process, a second later.
    clock.advance(1.0)
    later = SlidingWindowLimiter(
        LIMIT, PACING_WINDOW_SECONDS, clock, store=StateWindowStore(other_store, "fortnox")
    )
    await _send(later, clock, LIMIT, sent)
    assert most_in_any_window(sent, RATE_WINDOW_SECONDS) <= LIMIT
    assert later.waited > 0


async def test_budgets_are_separate_per_vendor(store: StateStore, clock: FakeClock) -> None:
    fortnox = SlidingWindowLimiter(LIMIT, 5.0, clock, store=StateWindowStore(store, "fortnox"))
    webcrm = SlidingWindowLimiter(250, 61.0, clock, store=StateWindowStore(store, "webcrm"))
    await _send(fortnox, clock, LIMIT, [])
    await _send(webcrm, clock, 100, [])
    assert webcrm.waited == 0


async def test_a_pause_after_a_429_holds_every_process(
    store: StateStore, other_store: StateStore, clock: FakeClock
) -> None:
    first = SlidingWindowLimiter(LIMIT, 5.0, clock, store=StateWindowStore(store, "fortnox"))
    second = SlidingWindowLimiter(LIMIT, 5.0, clock, store=StateWindowStore(other_store, "fortnox"))
    start = clock.now().timestamp()
    first.pause(5.0)
    await second.acquire()
    assert clock.now().timestamp() - start >= 5.0


def test_an_in_memory_store_keeps_the_window_in_memory(clock: FakeClock) -> None:
    private = StateStore.open("sqlite://", clock=clock)
    try:
        assert isinstance(window_store(private, "fortnox"), LocalWindow)
    finally:
        private.close()


def test_a_file_store_keeps_the_window_in_the_database(store: StateStore) -> None:
    assert isinstance(window_store(store, "fortnox"), StateWindowStore)
