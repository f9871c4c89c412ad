"""When each sync direction runs: slot arithmetic on the local wall clock.

The specification's example ("webCRM at 10:00, 10:06, …; Fortnox at 10:03,
10:09, …") is Swedish office time, so slots are laid on the **wall clock of a
time zone** (default ``Europe/Stockholm``), not on UTC: a slot is every instant
whose local time, counted in minutes from local midnight, is
``offset + k * interval``. Everything returned is aware UTC.

Why wall clock and how that stays DST-safe:

* With an interval that divides 60 (the default 6) the grid is the same in UTC
  and in any whole-hour zone, so DST changes nothing.
* Other intervals restart at local midnight (a 7-minute grid runs 00:00, 00:07,
  …, 23:55, 00:00), so users see the same times every day.
* Spring forward: local times that do not exist (02:00–02:59) are no slots.
* Fall back: the repeated hour happens twice in real time, and both passes have
  slots — a sync does not stall for an hour.

:class:`Plan` adds the two rules a scheduler needs on top of the grid: a run of
missed slots (laptop asleep) collapses into **one** catch-up run, and the slots
that pass while a cycle of the same direction is still running are skipped
(the next run is the first slot after it finished), so a direction never
overlaps itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DEFAULT_ZONE",
    "Cadence",
    "Plan",
    "latest_slot",
    "next_slot",
    "plan_from_settings",
]

DEFAULT_ZONE = "Europe/Stockholm"
_MINUTES_PER_DAY = 24 * 60
_MINUTE = timedelta(minutes=1)


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name like Europe/Stockholm)"
        ) from None


def _check(moment: datetime, interval_minutes: int, offset_minutes: int) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("schedule arithmetic needs an aware datetime")
    _check_cadence(interval_minutes, offset_minutes)


def _check_cadence(interval_minutes: int, offset_minutes: int) -> None:
    if not 1 <= interval_minutes <= _MINUTES_PER_DAY:
        raise ValueError(f"interval_minutes must be 1..1440 (got {interval_minutes})")
    if not 0 <= offset_minutes < interval_minutes:
        raise ValueError(f"offset_minutes must be 0..{interval_minutes - 1} (got {offset_minutes})")


def _wall_minutes_to_slot(wall_minute: int, interval: int, offset: int) -> int:
    """Wall-clock minutes from ``wall_minute`` (of the local day) to the next slot."""
    ahead = (offset - wall_minute) % interval
    if wall_minute + ahead >= _MINUTES_PER_DAY:  # the grid restarts at local midnight
        return _MINUTES_PER_DAY - wall_minute + offset
    return ahead


def next_slot(
    after: datetime,
    *,
    interval_minutes: int,
    offset_minutes: int = 0,
    zone: str = DEFAULT_ZONE,
) -> datetime:
    """The first slot strictly after ``after``, as aware UTC."""
    _check(after, interval_minutes, offset_minutes)
    tz = _zone(zone)
    utc = after.astimezone(UTC)
    candidate = utc.replace(second=0, microsecond=0) + _MINUTE
    while True:
        local = candidate.astimezone(tz)
        wall_minute = local.hour * 60 + local.minute
        ahead = _wall_minutes_to_slot(wall_minute, interval_minutes, offset_minutes)
        if ahead == 0:
            return candidate
        jump = candidate + timedelta(minutes=ahead)
        if jump.astimezone(tz).utcoffset() == local.utcoffset():
            candidate = jump  # no offset change in between: wall and real minutes agree
        else:
            candidate += _MINUTE  # walk across the DST change minute by minute


def latest_slot(
    at_or_before: datetime,
    *,
    interval_minutes: int,
    offset_minutes: int = 0,
    zone: str = DEFAULT_ZONE,
) -> datetime:
    """The last slot at or before ``at_or_before``, as aware UTC."""
    _check(at_or_before, interval_minutes, offset_minutes)
    # The longest gap between two slots is one interval plus a skipped DST hour.
    probe = at_or_before.astimezone(UTC) - timedelta(minutes=interval_minutes + 61)
    found = next_slot(
        probe, interval_minutes=interval_minutes, offset_minutes=offset_minutes, zone=zone
    )
    while True:
        following = next_slot(
            found, interval_minutes=interval_minutes, offset_minutes=offset_minutes, zone=zone
        )
        if following > at_or_before:
            return found
        found = following


@dataclass(frozen=True)
class Cadence:
    """How often one direction runs: every ``interval_minutes``, shifted by ``offset_minutes``."""

    interval_minutes: int
    offset_minutes: int = 0

    def __post_init__(self) -> None:
        _check_cadence(self.interval_minutes, self.offset_minutes)


class Plan:
    """The cadences of all directions in one zone, and the "is it due?" rules."""

    def __init__(self, cadences: Mapping[str, Cadence], *, zone: str = DEFAULT_ZONE) -> None:
        _zone(zone)  # fail early on a bad zone name
        self.cadences = dict(cadences)
        self.zone = zone

    def next_slot(self, direction: str, after: datetime) -> datetime:
        cadence = self.cadences[direction]
        return next_slot(
            after,
            interval_minutes=cadence.interval_minutes,
            offset_minutes=cadence.offset_minutes,
            zone=self.zone,
        )

    def latest_slot(self, direction: str, at_or_before: datetime) -> datetime:
        cadence = self.cadences[direction]
        return latest_slot(
            at_or_before,
            interval_minutes=cadence.interval_minutes,
            offset_minutes=cadence.offset_minutes,
            zone=self.zone,
        )

    def due(self, direction: str, last_run_slot: datetime | None, now: datetime) -> datetime | None:
        """The slot to run now, or ``None`` if ``direction`` is not due.

        Any number of slots missed since ``last_run_slot`` yield one run, labelled
        with the latest of them. ``None`` as ``last_run_slot`` means "never ran":
        the latest slot at or before ``now`` is due at once.
        """
        current = self.latest_slot(direction, now)
        if last_run_slot is not None and current <= last_run_slot:
            return None
        return current

    def settle(self, direction: str, finished_at: datetime) -> datetime:
        """The ``last_run_slot`` to record after a cycle that ended at ``finished_at``.

        Slots that passed while the cycle ran count as consumed, so an overrunning
        cycle is followed by the first slot after it finished, never by an
        immediate second cycle.
        """
        return self.latest_slot(direction, finished_at)

    def next_wake(self, now: datetime) -> datetime:
        """The earliest slot of any direction strictly after ``now``."""
        return min(self.next_slot(direction, now) for direction in self.cadences)


def plan_from_settings(
    *, interval_minutes: int, fortnox_offset_minutes: int, zone: str = DEFAULT_ZONE
) -> Plan:
    """The specification's two directions: ``webcrm`` on the grid, ``fortnox`` offset."""
    return Plan(
        {
            "webcrm": Cadence(interval_minutes, 0),
            "fortnox": Cadence(interval_minutes, fortnox_offset_minutes),
        },
        zone=zone,
    )
