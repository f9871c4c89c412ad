"""The scheduler on a FakeClock: an hour of slots in milliseconds."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import structlog

from wfsync.clock import FakeClock
from wfsync.runtime.metrics import SyncMetrics
from wfsync.runtime.scheduler import Job, Scheduler, jobs_from_settings

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Leave logging as we found it: other tests in this worker rely on its defaults."""
    root, ours = logging.getLogger(), logging.getLogger("wfsync")
    handlers, root_level, our_level = list(root.handlers), root.level, ours.level
    structlog_config = structlog.get_config()
    yield
    root.handlers[:] = handlers
    root.setLevel(root_level)
    ours.setLevel(our_level)
    structlog.configure(**structlog_config)


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 1, 15, hour, minute, second, tzinfo=STOCKHOLM)


def hhmmss(moments: list[datetime]) -> list[str]:
    return [m.astimezone(STOCKHOLM).strftime("%H:%M:%S") for m in moments]


class Recorder:
    """A job body that notes when it started and takes ``seconds`` of (virtual) time."""

    def __init__(self, clock: FakeClock, seconds: float = 20.0) -> None:
        self.clock = clock
        self.seconds = seconds
        self.starts: list[datetime] = []
        self.durations: dict[int, float] = {}
        self.failures: set[int] = set()

    async def __call__(self) -> None:
        index = len(self.starts)
        self.starts.append(self.clock.now())
        await self.clock.sleep(self.durations.get(index, self.seconds))
        if index in self.failures:
            raise RuntimeError(f"boom in cycle {index}")


async def run_until(scheduler: Scheduler, clock: FakeClock, end: datetime) -> None:
    """Run the scheduler until virtual time passes ``end``, then stop it."""
    stop = asyncio.Event()

    async def watch() -> None:
        while clock.now() < end:
            await asyncio.sleep(0)
        stop.set()

    watcher = asyncio.create_task(watch())
    await asyncio.wait_for(scheduler.run_forever(stop), timeout=10)
    await watcher


def two_directions(clock: FakeClock, **kwargs: object) -> tuple[Scheduler, Recorder, Recorder]:
    webcrm, fortnox = Recorder(clock), Recorder(clock)
    jobs = jobs_from_settings(
        interval_minutes=6, fortnox_offset_minutes=3, webcrm=webcrm, fortnox=fortnox
    )
    return Scheduler(clock, jobs, **kwargs), webcrm, fortnox  # type: ignore[arg-type]


async def test_an_hour_produces_the_spec_slots_for_both_directions() -> None:
    clock = FakeClock(at(9, 58, 10))
    scheduler, webcrm, fortnox = two_directions(clock)
    await run_until(scheduler, clock, at(11, 0, 30))
    assert hhmmss(webcrm.starts) == [
        f"{h:02}:{m:02}:00" for h, m in [(10, m) for m in range(0, 60, 6)] + [(11, 0)]
    ]
    assert hhmmss(fortnox.starts) == [f"10:{m:02}:00" for m in range(3, 60, 6)]
    assert all(record.ok for record in scheduler.history)
    assert [r.slot for r in scheduler.history if r.direction == "fortnox"] == fortnox.starts


async def test_a_slot_exactly_at_start_up_runs_but_earlier_ones_do_not() -> None:
    clock = FakeClock(at(10, 0))
    scheduler, webcrm, fortnox = two_directions(clock)
    await run_until(scheduler, clock, at(10, 5))
    assert hhmmss(webcrm.starts) == ["10:00:00"]
    assert hhmmss(fortnox.starts) == ["10:03:00"]

    clock = FakeClock(at(10, 1))
    scheduler, webcrm, fortnox = two_directions(clock)
    await run_until(scheduler, clock, at(10, 5))
    assert webcrm.starts == []


async def test_catch_up_on_start_runs_each_direction_once_at_once() -> None:
    clock = FakeClock(at(10, 1))
    scheduler, webcrm, fortnox = two_directions(clock, catch_up_on_start=True)
    await run_until(scheduler, clock, at(10, 5))
    # Both missed their latest slot; the older one (Fortnox 09:57) goes first.
    assert hhmmss(fortnox.starts) == ["10:01:00", "10:03:00"]
    assert hhmmss(webcrm.starts) == ["10:01:20"]


async def test_an_overrunning_cycle_never_overlaps_and_skips_to_the_next_slot() -> None:
    clock = FakeClock(at(9, 59))
    scheduler, webcrm, fortnox = two_directions(clock)
    webcrm.durations[0] = 8 * 60  # the 10:00 cycle runs until 10:08
    await run_until(scheduler, clock, at(10, 20))
    # 10:06 passed while the 10:00 cycle ran: skipped, next start is 10:12.
    assert hhmmss(webcrm.starts) == ["10:00:00", "10:12:00", "10:18:00"]
    # Fortnox's 10:03 slot waited for the webCRM cycle, then ran once; 10:09 on time.
    assert hhmmss(fortnox.starts) == ["10:08:00", "10:09:00", "10:15:00"]
    late = next(r for r in scheduler.history if r.direction == "fortnox")
    assert late.slot == at(10, 3)
    # Never two cycles at once: each starts after the previous one finished.
    records = list(scheduler.history)
    assert all(b.started >= a.finished for a, b in itertools.pairwise(records))


class SuspendingClock(FakeClock):
    """A FakeClock whose first sleep after ``suspend_at`` lasts an extra hour (lid closed)."""

    def __init__(self, start: datetime, suspend_at: datetime) -> None:
        super().__init__(start)
        self.suspend_at = suspend_at
        self.suspended = False

    async def sleep(self, seconds: float) -> None:
        if not self.suspended and self.now() >= self.suspend_at:
            self.suspended = True
            self.advance(3600)
        await super().sleep(seconds)


async def test_waking_after_a_long_sleep_runs_one_catch_up_cycle_per_direction() -> None:
    clock = SuspendingClock(at(9, 59), suspend_at=at(10, 10))
    scheduler, webcrm, fortnox = two_directions(clock)
    await run_until(scheduler, clock, at(11, 16))
    assert clock.suspended
    assert hhmmss(webcrm.starts) == ["10:00:00", "10:06:00", "11:10:50", "11:12:00"]
    assert hhmmss(fortnox.starts) == ["10:03:00", "10:09:00", "11:11:10", "11:15:00"]
    slots = [r.slot for r in scheduler.history]
    assert at(11, 6) in slots and at(11, 9) in slots
    assert at(10, 12) not in slots  # the ten missed slots were not replayed


async def test_sleeps_in_short_steps_so_a_resume_is_noticed() -> None:
    clock = FakeClock(at(9, 0))
    scheduler, _, _ = two_directions(clock, max_sleep_seconds=30)
    await run_until(scheduler, clock, at(9, 5))
    assert clock.slept and max(clock.slept) <= 30


async def test_an_exception_in_one_cycle_is_logged_and_the_next_slot_still_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from wfsync.runtime.logs import configure_logging

    clock = FakeClock(at(9, 59))
    metrics = SyncMetrics()
    scheduler, _, fortnox = two_directions(clock, metrics=metrics)
    fortnox.failures.add(0)
    configure_logging("json", 0)
    await run_until(scheduler, clock, at(10, 10))
    assert hhmmss(fortnox.starts) == ["10:03:00", "10:09:00"]
    failed = [r for r in scheduler.history if not r.ok]
    assert [(r.direction, r.error) for r in failed] == [
        ("fortnox", "RuntimeError: boom in cycle 0")
    ]
    err = capsys.readouterr().err
    assert '"event": "cycle.failed"' in err and "boom in cycle 0" in err
    assert metrics.cycles.labels(direction="fortnox", result="failed")._value.get() == 1
    assert metrics.cycles.labels(direction="fortnox", result="ok")._value.get() == 1


async def test_stop_during_a_cycle_finishes_it_and_starts_no_other() -> None:
    clock = FakeClock(at(10, 5))
    stop = asyncio.Event()
    finished: list[str] = []

    async def webcrm() -> None:
        stop.set()  # SIGTERM arrives while this cycle runs
        await clock.sleep(45)
        finished.append("webcrm")

    async def fortnox() -> None:
        finished.append("fortnox")

    jobs = jobs_from_settings(
        interval_minutes=6, fortnox_offset_minutes=3, webcrm=webcrm, fortnox=fortnox
    )
    scheduler = Scheduler(clock, jobs, catch_up_on_start=True)
    # Due at start-up: webCRM (slot 10:00) first, then Fortnox (10:03) — never started.
    await asyncio.wait_for(scheduler.run_forever(stop), timeout=5)
    assert finished == ["webcrm"]
    assert [r.direction for r in scheduler.history] == ["webcrm"]


class FrozenClock(FakeClock):
    """Sleeping never ends by itself: only ``stop`` can end the wait."""

    async def sleep(self, seconds: float) -> None:
        await asyncio.Event().wait()


async def test_stop_while_sleeping_returns_promptly() -> None:
    clock = FrozenClock(at(10, 1))
    ran: list[int] = []

    async def job() -> None:
        ran.append(1)

    scheduler = Scheduler(clock, {"webcrm": Job(job, 6, 0)})
    stop = asyncio.Event()
    task = asyncio.create_task(scheduler.run_forever(stop))
    await asyncio.sleep(0.01)
    assert not task.done()
    stop.set()
    await asyncio.wait_for(task, timeout=1)
    assert ran == []


def test_a_scheduler_needs_jobs_and_valid_cadences() -> None:
    clock = FakeClock()
    noop: Callable[[], object] = lambda: None  # noqa: E731
    with pytest.raises(ValueError, match="at least one job"):
        Scheduler(clock, {})
    with pytest.raises(ValueError, match="offset_minutes"):
        Scheduler(clock, {"fortnox": Job(noop, 6, 9)})  # type: ignore[arg-type]


async def test_a_fatal_error_type_ends_the_loop_after_being_recorded() -> None:
    from wfsync.http.errors import ConfigError

    clock = FakeClock(at(9, 59))

    async def broken() -> None:
        raise ConfigError("[sync] delivery_target: must be 'order' or 'invoice'")

    scheduler = Scheduler(clock, {"webcrm": Job(broken, 6, 0)}, fatal=(ConfigError,))
    with pytest.raises(ConfigError, match="delivery_target"):
        await asyncio.wait_for(scheduler.run_forever(asyncio.Event()), timeout=5)
    assert [(r.slot, r.ok) for r in scheduler.history] == [(at(10, 0), False)]


async def test_a_long_cycle_does_not_leave_the_other_direction_with_a_stale_slot() -> None:
    clock = FakeClock(at(9, 59))
    scheduler, webcrm, fortnox = two_directions(clock)
    webcrm.durations[0] = 20 * 60  # 10:00 → 10:20: Fortnox missed 10:03 … 10:15
    await run_until(scheduler, clock, at(10, 22))
    assert hhmmss(fortnox.starts) == ["10:20:00", "10:21:00"]
    fortnox_slots = [r.slot for r in scheduler.history if r.direction == "fortnox"]
    assert fortnox_slots == [at(10, 15), at(10, 21)]
