"""Slot arithmetic: the spec's 10:00/10:06 and 10:03/10:09 grids, DST, catch-up, overrun."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfsync.runtime.schedule import Cadence, Plan, latest_slot, next_slot, plan_from_settings

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM)  # type: ignore[misc]


def slots_between(start: datetime, end: datetime, interval: int, offset: int) -> list[str]:
    out: list[str] = []
    moment = start
    while True:
        moment = next_slot(moment, interval_minutes=interval, offset_minutes=offset)
        if moment > end:
            return out
        out.append(moment.astimezone(STOCKHOLM).strftime("%H:%M"))


def test_spec_example_webcrm_and_fortnox_grids() -> None:
    start, end = local(2026, 3, 2, 9, 59), local(2026, 3, 2, 10, 15)
    assert slots_between(start, end, 6, 0) == ["10:00", "10:06", "10:12"]
    assert slots_between(start, end, 6, 3) == ["10:03", "10:09", "10:15"]


def test_result_is_strictly_after_and_aware_utc() -> None:
    on_slot = local(2026, 6, 1, 10, 0)
    result = next_slot(on_slot, interval_minutes=6)
    assert result == local(2026, 6, 1, 10, 6)
    assert result.tzinfo is UTC
    just_before = on_slot - timedelta(microseconds=1)
    assert next_slot(just_before, interval_minutes=6) == on_slot


def test_boundaries_follow_the_stockholm_wall_clock_not_utc() -> None:
    # 7 does not divide 60: the grid restarts at *local* midnight.
    after = local(2026, 1, 10, 23, 54)
    assert next_slot(after, interval_minutes=7) == local(2026, 1, 10, 23, 55)
    assert next_slot(local(2026, 1, 10, 23, 55), interval_minutes=7) == local(2026, 1, 11, 0, 0)
    # The same instant in another zone gives that zone's wall-clock grid.
    utc_grid = next_slot(after, interval_minutes=7, zone="UTC")
    assert utc_grid == datetime(2026, 1, 10, 22, 59, tzinfo=UTC)  # 22*60+59 = 197*7


def test_spring_forward_skips_the_missing_hour_only() -> None:
    # 2026-03-29: 02:00 CET jumps to 03:00 CEST; the grid keeps its 6-minute rhythm in real time.
    start = local(2026, 3, 29, 1, 50)
    first = next_slot(start, interval_minutes=6)
    second = next_slot(first, interval_minutes=6)
    assert first == local(2026, 3, 29, 1, 54)
    assert second - first == timedelta(minutes=6)
    assert second.astimezone(STOCKHOLM).strftime("%H:%M") == "03:00"


def test_spring_forward_with_an_interval_that_does_not_divide_the_hour() -> None:
    start = local(2026, 3, 29, 1, 59)  # 119 = 17*7: a slot
    slot = next_slot(start, interval_minutes=7)
    # 02:06 … 02:55 do not exist; the next existing wall time on the 7-minute grid is 03:02.
    assert slot.astimezone(STOCKHOLM).strftime("%H:%M") == "03:02"
    assert slot == datetime(2026, 3, 29, 1, 2, tzinfo=UTC)


def test_fall_back_runs_through_the_repeated_hour_twice() -> None:
    # 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:xx happens twice.
    start = datetime(2026, 10, 25, 0, 0, tzinfo=UTC)  # 02:00 CEST
    end = datetime(2026, 10, 25, 2, 0, tzinfo=UTC)  # 03:00 CET
    moments: list[datetime] = []
    moment = start
    while (moment := next_slot(moment, interval_minutes=6)) <= end:
        moments.append(moment)
    gaps = {b - a for a, b in itertools.pairwise(moments)}
    assert gaps == {timedelta(minutes=6)}
    assert len(moments) == 20  # two real hours of 6-minute slots, nothing skipped or doubled


@settings(max_examples=200, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
    interval=st.sampled_from([1, 5, 6, 7, 10, 15, 45, 60, 90, 1440]),
    offset_share=st.floats(min_value=0, max_value=0.999),
)
def test_next_slot_is_the_first_matching_wall_minute(
    moment: datetime, interval: int, offset_share: float
) -> None:
    offset = int(interval * offset_share)
    result = next_slot(moment, interval_minutes=interval, offset_minutes=offset)
    assert result > moment
    wall = result.astimezone(STOCKHOLM)
    assert (wall.hour * 60 + wall.minute - offset) % interval == 0 and wall.second == 0
    # No whole minute strictly between the two is a slot.
    probe = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while probe < result:
        w = probe.astimezone(STOCKHOLM)
        assert (w.hour * 60 + w.minute - offset) % interval != 0
        probe += timedelta(minutes=1)
    assert latest_slot(result, interval_minutes=interval, offset_minutes=offset) == result


def test_rejects_naive_times_bad_offsets_and_zones() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_slot(datetime(2026, 1, 1), interval_minutes=6)
    with pytest.raises(ValueError, match="offset_minutes"):
        next_slot(local(2026, 1, 1), interval_minutes=6, offset_minutes=6)
    with pytest.raises(ValueError, match="time zone"):
        next_slot(local(2026, 1, 1), interval_minutes=6, zone="Mars/Olympus")
    with pytest.raises(ValueError, match="interval_minutes"):
        Cadence(0)


def test_missed_slots_collapse_into_one_catch_up_run() -> None:
    plan = plan_from_settings(interval_minutes=6, fortnox_offset_minutes=3)
    last = local(2026, 2, 3, 10, 0)
    woke = local(2026, 2, 3, 11, 1, 30)  # asleep for an hour: ten webCRM slots missed
    slot = plan.due("webcrm", last, woke)
    assert slot == local(2026, 2, 3, 11, 0)
    # After that one run the direction is not due again until the next slot.
    assert plan.due("webcrm", plan.settle("webcrm", woke + timedelta(seconds=20)), woke) is None
    assert plan.next_slot("webcrm", woke) == local(2026, 2, 3, 11, 6)


def test_not_due_between_slots_and_due_on_the_slot() -> None:
    plan = plan_from_settings(interval_minutes=6, fortnox_offset_minutes=3)
    last = local(2026, 2, 3, 10, 3)
    assert plan.due("fortnox", last, local(2026, 2, 3, 10, 8, 59)) is None
    assert plan.due("fortnox", last, local(2026, 2, 3, 10, 9)) == local(2026, 2, 3, 10, 9)
    assert plan.due("fortnox", None, local(2026, 2, 3, 10, 4)) == local(2026, 2, 3, 10, 3)


def test_overrun_skips_to_the_first_slot_after_the_cycle_finished() -> None:
    plan = Plan({"webcrm": Cadence(6)})
    finished = local(2026, 2, 3, 10, 8)  # the 10:00 cycle took 8 minutes
    recorded = plan.settle("webcrm", finished)
    assert recorded == local(2026, 2, 3, 10, 6)
    assert plan.due("webcrm", recorded, finished) is None
    assert plan.next_slot("webcrm", finished) == local(2026, 2, 3, 10, 12)


def test_next_wake_is_the_earliest_direction() -> None:
    plan = plan_from_settings(interval_minutes=6, fortnox_offset_minutes=3)
    assert plan.next_wake(local(2026, 2, 3, 10, 1)) == local(2026, 2, 3, 10, 3)
    assert plan.next_wake(local(2026, 2, 3, 10, 4)) == local(2026, 2, 3, 10, 6)
