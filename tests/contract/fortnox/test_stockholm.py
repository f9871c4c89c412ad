"""Stockholm local time at the Fortnox boundary, across both DST switches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wfsync.fortnox.stockholm import STOCKHOLM, from_stockholm, to_lastmodified


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_winter_is_utc_plus_one_and_summer_plus_two() -> None:
    assert to_lastmodified(utc(2026, 1, 15, 9, 0)) == "2026-01-15 10:00"
    assert to_lastmodified(utc(2026, 7, 1, 9, 0)) == "2026-07-01 11:00"
    assert from_stockholm("2026-01-15 10:00") == utc(2026, 1, 15, 9, 0)
    assert from_stockholm("2026-07-01 11:00") == utc(2026, 7, 1, 9, 0)


def test_seconds_are_dropped_rounding_down() -> None:
    assert to_lastmodified(utc(2026, 1, 15, 9, 0, 59)) == "2026-01-15 10:00"


def test_parses_seconds_and_date_only() -> None:
    assert from_stockholm("2026-01-15 10:00:30") == utc(2026, 1, 15, 9, 0, 30)
    assert from_stockholm("2021-06-01") == utc(2021, 5, 31, 22, 0)


def test_event_timestamps_with_an_offset_are_exact() -> None:
    stamp = from_stockholm("2017-12-28T14:59:16.500+01:00")
    assert stamp == datetime(2017, 12, 28, 13, 59, 16, 500000, tzinfo=UTC)


def test_rejects_garbage_and_naive_instants() -> None:
    with pytest.raises(ValueError):
        from_stockholm("yesterday")
    with pytest.raises(ValueError):
        to_lastmodified(datetime(2026, 1, 1, 12, 0))


# 2026-03-29: at 01:00 UTC clocks jump 02:00 CET -> 03:00 CEST.
def test_march_switch_around_the_missing_hour() -> None:
    assert to_lastmodified(utc(2026, 3, 29, 0, 59)) == "2026-03-29 01:59"
    assert to_lastmodified(utc(2026, 3, 29, 1, 0)) == "2026-03-29 03:00"


def test_nonexistent_march_time_resolves_to_the_earlier_instant() -> None:
    # 02:30 never happens; read as CEST (+2) it is 00:30 UTC, as CET (+1) 01:30 UTC.
    assert from_stockholm("2026-03-29 02:30") == utc(2026, 3, 29, 0, 30)


# 2026-10-25: at 01:00 UTC clocks fall back 03:00 CEST -> 02:00 CET; 02:xx happens twice.
def test_repeated_october_hour_parses_to_the_first_pass() -> None:
    assert from_stockholm("2026-10-25 02:30") == utc(2026, 10, 25, 0, 30)
    assert from_stockholm("2026-10-25 03:00") == utc(2026, 10, 25, 2, 0)


def test_first_pass_of_october_hour_steps_back_to_an_unambiguous_minute() -> None:
    # 00:30 UTC is 02:30 CEST (first pass); "02:30" read as the second pass would be
    # 01:30 UTC, an hour later -> the cursor would skip. We send 01:59 instead.
    assert to_lastmodified(utc(2026, 10, 25, 0, 30)) == "2026-10-25 01:59"


def test_second_pass_of_october_hour_is_sent_as_is() -> None:
    assert to_lastmodified(utc(2026, 10, 25, 1, 30)) == "2026-10-25 02:30"


instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


@given(instants)
def test_a_cursor_never_moves_forward(dt: datetime) -> None:
    """Whichever way the server reads the value, it is at or before the instant."""
    naive = datetime.strptime(to_lastmodified(dt), "%Y-%m-%d %H:%M")
    readings = [naive.replace(tzinfo=STOCKHOLM, fold=fold).astimezone(UTC) for fold in (0, 1)]
    assert max(readings) <= dt
    assert dt - min(readings) < timedelta(hours=1, minutes=1)


@given(instants)
def test_minute_instants_round_trip_outside_the_repeated_hour(dt: datetime) -> None:
    dt = dt.replace(second=0, microsecond=0)
    local = dt.astimezone(STOCKHOLM)
    if local.fold == 0 and local.replace(fold=1).utcoffset() != local.utcoffset():
        return  # first pass of October's repeated hour: covered above
    assert from_stockholm(to_lastmodified(dt)) == dt
