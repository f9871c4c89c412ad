"""webCRM timestamps in every shape the reference mentions become aware UTC or None."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from wfsync.webcrm.timestamps import format_for_query, parse_date, parse_timestamp


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-06-04T08:23:55+00:00", datetime(2018, 6, 4, 8, 23, 55, tzinfo=UTC)),
        ("2024-05-01T08:00:00", datetime(2024, 5, 1, 8, 0, tzinfo=UTC)),
        ("2024-05-01T08:00:00.123", datetime(2024, 5, 1, 8, 0, 0, 123000, tzinfo=UTC)),
        ("2024-05-01T08:00:00.1234567Z", datetime(2024, 5, 1, 8, 0, 0, 123456, tzinfo=UTC)),
        ("2018-06-28T08:32:08+02:00", datetime(2018, 6, 28, 6, 32, 8, tzinfo=UTC)),
        ("2024-05-01T08:00:00-0130", datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),
        ("2024-05-01 08:00", datetime(2024, 5, 1, 8, 0, tzinfo=UTC)),
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
    ],
)
def test_parses_with_or_without_offset_and_fractions(text: str, expected: datetime) -> None:
    parsed = parse_timestamp(text)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "empty",
    [
        None,
        "",
        "   ",
        "0001-01-01T00:00:00+00:00",
        "0001-01-01T01:00:00+01:00",
        "0001-01-01T00:00:00",
    ],
)
def test_null_empty_and_min_value_mean_no_date(empty: str | None) -> None:
    assert parse_timestamp(empty) is None


def test_datetime_objects_are_normalised_to_utc() -> None:
    naive = datetime(2024, 5, 1, 8, 0)
    cet = datetime(2024, 5, 1, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    assert parse_timestamp(naive) == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert parse_timestamp(cet) == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert parse_timestamp(datetime(1, 1, 1)) is None


@pytest.mark.parametrize("garbage", ["yesterday", "2024-13", "12/05/2024", 42])
def test_malformed_values_are_loud(garbage: object) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(garbage)


def test_date_only_fields_keep_the_picked_day() -> None:
    # DeliveryOrderDate as re-serialised on a Danish machine: midnight UTC.
    assert parse_date("2018-06-12T02:00:00+02:00") == date(2018, 6, 12)
    assert parse_date("2018-06-28") == date(2018, 6, 28)
    assert parse_date("") is None


def test_query_literal_is_utc_with_z() -> None:
    stockholm = timezone(timedelta(hours=2))
    assert format_for_query(datetime(2024, 5, 1, 10, 0, tzinfo=stockholm)) == "2024-05-01T08:00:00Z"
    assert (
        format_for_query(datetime(2024, 5, 1, 8, 0, 0, 120000, tzinfo=UTC))
        == "2024-05-01T08:00:00.120000Z"
    )


def test_query_literal_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        format_for_query(datetime(2024, 5, 1, 8, 0))


def test_round_trip_through_query_literal_is_exact() -> None:
    moment = datetime(2024, 5, 1, 8, 0, 0, 123456, tzinfo=UTC)
    assert parse_timestamp(format_for_query(moment)) == moment


def test_legacy_aspnet_dates() -> None:
    assert parse_timestamp("/Date(1714550400000)/") == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert parse_timestamp("/Date(1714550400000+0200)/") == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
