"""JSON values in and out: strict coercion of request bodies, webCRM-style rendering.

The simulator is deliberately strict on input (a string where a number belongs,
a non-integral int32, an unknown enum name or an over-long text is a 400) and
deliberately awkward on output: date-times come back as ISO 8601 UTC *without*
an offset and with fractional seconds (``2024-05-01T08:00:00.123``), the harder
case for a client parser (reference §3.1, §11).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time
from typing import Any

from wfsync.simulators.webcrm.errors import BadRequest
from wfsync.simulators.webcrm.quirks import Quirks
from wfsync.simulators.webcrm.schema import Field, Kind

__all__ = [
    "INT32_MAX",
    "coerce",
    "default_for",
    "format_datetime",
    "parse_datetime",
    "render",
    "truncate_to_millis",
]

INT32_MAX = 2**31 - 1
INT32_MIN = -(2**31)

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FRACTION = re.compile(r"\.(\d+)")


def truncate_to_millis(when: datetime) -> datetime:
    """Server stamps keep millisecond precision, so what is emitted is what is stored."""
    return when.astimezone(UTC).replace(microsecond=(when.microsecond // 1000) * 1000)


def format_datetime(when: datetime, *, with_offset: bool = False) -> str:
    """``2024-05-01T08:00:00.123``: UTC wall time, three fraction digits, no offset."""
    utc = when.astimezone(UTC)
    text = (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond // 1000:03d}"
    )
    return text + "+00:00" if with_offset else text


def parse_datetime(text: str) -> datetime:
    """Parse an ISO 8601 date or date-time; no offset means UTC; 7 fraction digits allowed.

    Raises ValueError for anything else (the caller turns that into a 400).
    """
    raw = text.strip()
    if _DATE_ONLY.match(raw):
        return datetime.combine(date.fromisoformat(raw), time(0), tzinfo=UTC)
    # .NET "O" format has 7 fraction digits; Python keeps microseconds (6).
    raw = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], raw, count=1)
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    parsed = datetime.fromisoformat(raw)
    if "T" not in raw and " " not in raw:
        raise ValueError(f"not a date-time: {text!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. .NET MinValue with a positive offset
        raise ValueError(f"date-time out of range: {text!r}") from None


def default_for(spec: Field) -> Any:
    """The value an unset property has: ``""``, ``0``, ``0.0``, ``false``, ``null``, first enum."""
    if spec.kind is Kind.TEXT:
        return ""
    if spec.kind is Kind.INT:
        return 0
    if spec.kind is Kind.FLOAT:
        return None if spec.nullable else 0.0
    if spec.kind is Kind.BOOL:
        return False
    if spec.kind is Kind.ENUM:
        return spec.choices[0]
    return None


def coerce(spec: Field, value: Any) -> Any:
    """Validate one JSON value from a request body and convert it to its stored form.

    ``null`` means "unset" (the default). Raises :class:`BadRequest` naming the property.
    """
    if value is None:
        return default_for(spec)
    kind = spec.kind
    if kind is Kind.TEXT:
        if not isinstance(value, str):
            raise _wrong_type(spec, value)
        if spec.max_length is not None and len(value) > spec.max_length:
            raise BadRequest(
                f"The field {spec.name} must be a string with a maximum length of "
                f"{spec.max_length} (got {len(value)} characters)."
            )
        return value
    if kind is Kind.INT:
        return _int32(spec, value)
    if kind is Kind.FLOAT:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise _wrong_type(spec, value)
        return float(value)
    if kind is Kind.BOOL:
        if not isinstance(value, bool):
            raise _wrong_type(spec, value)
        return value
    if kind is Kind.ENUM:
        if not isinstance(value, str) or value not in spec.choices:
            raise BadRequest(
                f"Error converting value {value!r} to type '{spec.name}'. "
                f"Allowed values: {', '.join(spec.choices)}."
            )
        return value
    if not isinstance(value, str):
        raise _wrong_type(spec, value)
    try:
        return parse_datetime(value)
    except ValueError:
        raise BadRequest(
            f"Could not convert string to DateTime: {value!r} ({spec.name})."
        ) from None


def _int32(spec: Field, value: Any) -> int:
    if isinstance(value, bool):
        raise _wrong_type(spec, value)
    if isinstance(value, float):
        if not value.is_integer():
            raise BadRequest(f"Input string '{value}' is not a valid integer ({spec.name}).")
        value = int(value)
    if not isinstance(value, int):
        raise _wrong_type(spec, value)
    if not INT32_MIN <= value <= INT32_MAX:
        raise BadRequest(f"Value {value} is too large or too small for an Int32 ({spec.name}).")
    return value


def _wrong_type(spec: Field, value: Any) -> BadRequest:
    return BadRequest(
        f"Unexpected value {value!r} for {spec.name}: expected a JSON {spec.kind.value}."
    )


def render(spec: Field, value: Any, quirks: Quirks | None = None) -> Any:
    """The JSON form of a stored value (as ``quirks`` say, if given)."""
    with_offset = quirks is not None and quirks.timestamps_with_offset
    if isinstance(value, datetime):
        return format_datetime(value, with_offset=with_offset)
    if value is None and spec.kind is Kind.DATETIME and quirks and quirks.unset_dates_as_min_value:
        return "0001-01-01T00:00:00" + ("+00:00" if with_offset else "")
    if spec.kind is Kind.FLOAT and value is not None:
        return float(value)
    return value
