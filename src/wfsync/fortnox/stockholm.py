"""Fortnox's ``lastmodified`` clock: Stockholm wall time, no offset, minute resolution.

Inside wfsync every instant is aware UTC. Fortnox filters lists with
``?lastmodified=YYYY-MM-DD HH:MM`` interpreted as Europe/Stockholm local time,
and it prints date-times the same way. This module is the only place that
crosses that boundary, and it does so *conservatively*: a change-feed cursor
may re-read a record (the engine de-duplicates by content hash), but it must
never skip one. Two daylight-saving facts make that non-trivial:

* On the last Sunday of October 02:00–02:59 happens twice. A local time in that
  hour names two instants an hour apart, and we do not know which one the
  server picks.
* On the last Sunday of March 02:00–02:59 does not happen at all.

Both directions therefore resolve towards the *earlier* instant.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["STOCKHOLM", "from_stockholm", "to_lastmodified", "to_stockholm"]

STOCKHOLM = ZoneInfo("Europe/Stockholm")

_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def _require_aware(dt: datetime) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt!r}: wfsync instants must be aware (UTC)")


def to_stockholm(dt_utc: datetime) -> datetime:
    """The Stockholm wall-clock reading of an aware instant (``fold`` set as appropriate)."""
    _require_aware(dt_utc)
    return dt_utc.astimezone(STOCKHOLM)


def _is_ambiguous(local: datetime) -> bool:
    naive = local.replace(tzinfo=None)
    first = naive.replace(tzinfo=STOCKHOLM, fold=0).utcoffset()
    second = naive.replace(tzinfo=STOCKHOLM, fold=1).utcoffset()
    return first != second


def to_lastmodified(dt_utc: datetime) -> str:
    """The ``lastmodified`` query value that is never later than ``dt_utc``.

    Seconds are dropped (rounding down). If the result falls in October's
    repeated hour, a server that resolves it to the *second* pass would skip
    up to an hour of changes made during the first pass; so for an instant in
    the first pass we step back to 01:59, the last unambiguous minute before
    it. An instant in the second pass is safe as is (the server's reading is
    then equal or earlier).
    """
    local = to_stockholm(dt_utc).replace(second=0, microsecond=0)
    if _is_ambiguous(local) and local.fold == 0:
        local = local.replace(minute=0) - timedelta(minutes=1)
        local = local.astimezone(STOCKHOLM)
    return local.strftime("%Y-%m-%d %H:%M")


def from_stockholm(text: str) -> datetime:
    """Parse Fortnox's offset-less ``YYYY-MM-DD[ HH:MM[:SS]]`` into aware UTC.

    A value that carries an offset (``2017-12-28T14:59:16.500+01:00``, as in
    WebSocket events) is exact and simply converted.

    A local time that is ambiguous (October) or nonexistent (March) is
    resolved to the earlier of its two possible instants, so a cursor built
    from it can only overlap, never skip. (Python's ``fold=0`` already gives
    the earlier instant in October; in March the earlier one is ``fold=1``.)
    """
    value = text.strip().replace("T", " ")
    try:
        stamped = datetime.fromisoformat(value)
    except ValueError:
        stamped = None
    if stamped is not None and stamped.tzinfo is not None:
        return stamped.astimezone(UTC)  # carries its offset (WebSocket event timestamps)
    for fmt in _FORMATS:
        try:
            naive = datetime.strptime(value, fmt)
        except ValueError:
            continue
        break
    else:
        raise ValueError(f"not a Fortnox date-time (YYYY-MM-DD[ HH:MM[:SS]]): {text!r}")
    candidates = (naive.replace(tzinfo=STOCKHOLM, fold=fold).astimezone(UTC) for fold in (0, 1))
    return min(candidates)
