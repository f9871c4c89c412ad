"""VirtualClock: concurrent waits overlap in virtual time, as they would on a wall
clock — what a benchmark of two vendors' budgets spent side by side must see."""

from __future__ import annotations

import asyncio

from wfsync.clock import FakeClock, VirtualClock


async def _waits(clock: FakeClock, times: int, seconds: float) -> list[float]:
    woke = []
    for _ in range(times):
        await clock.sleep(seconds)
        woke.append(clock.monotonic())
    return woke


async def test_side_by_side_sleepers_take_the_longest_not_the_sum() -> None:
    clock = VirtualClock()
    first, second = await asyncio.gather(_waits(clock, 5, 1.0), _waits(clock, 2, 2.5))
    assert first == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert second == [2.5, 5.0]
    assert clock.monotonic() == 5.0
    # The plain FakeClock adds every wait up: the figure VirtualClock corrects.
    summed = FakeClock()
    await asyncio.gather(_waits(summed, 5, 1.0), _waits(summed, 2, 2.5))
    assert summed.monotonic() == 10.0


async def test_time_waits_for_work_that_is_still_running() -> None:
    clock = VirtualClock()
    seen: list[float] = []

    async def busy() -> None:
        for _ in range(50):  # runnable work at the present time: no jump meanwhile
            seen.append(clock.monotonic())
            await asyncio.sleep(0)

    await asyncio.gather(clock.sleep(3), busy())
    assert seen == [0.0] * 50 and clock.monotonic() == 3.0


async def test_a_cancelled_sleeper_does_not_move_time() -> None:
    clock = VirtualClock()
    parked = asyncio.ensure_future(clock.sleep(100))
    await asyncio.sleep(0)
    parked.cancel()
    await clock.sleep(1)
    assert clock.monotonic() == 1.0


async def test_two_virtual_clocks_in_one_loop_both_advance() -> None:
    """A sleeper left on one clock must not stall another clock's world."""
    left, right = VirtualClock(), VirtualClock()
    stale = asyncio.ensure_future(left.sleep(10_000))
    assert await asyncio.wait_for(_waits(right, 3, 1.0), timeout=5) == [1.0, 2.0, 3.0]
    stale.cancel()


def test_a_clock_outlives_its_event_loop() -> None:
    """A run that ended with a sleeper still parked does not stall the next run."""
    clock = VirtualClock()

    async def leave_a_sleeper() -> None:
        parked = asyncio.ensure_future(clock.sleep(50))
        await asyncio.sleep(0)
        assert not parked.done()

    asyncio.run(leave_a_sleeper())

    async def sleep_again() -> float:
        await asyncio.wait_for(clock.sleep(1), timeout=5)
        return clock.monotonic()

    assert asyncio.run(sleep_again()) >= 1.0
