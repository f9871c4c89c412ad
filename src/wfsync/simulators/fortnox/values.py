"""Value rules shared by every resource: money rounding, string-typed numbers, dates.

Fortnox rounds prices and quantities to two decimals half-up and renders some
numbers as JSON strings (row quantities, article list prices). Keeping those
rules in one place is what makes the quirks consistent across resources.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "STOCKHOLM",
    "decimal_text",
    "json_number",
    "jsonable",
    "luhn_digit",
    "parse_date",
    "round2",
    "stockholm_today",
    "to_decimal",
]

STOCKHOLM = ZoneInfo("Europe/Stockholm")
_CENT = Decimal("0.01")


def round2(value: Decimal) -> Decimal:
    """Two decimals, half-up: 1.125 → 1.13 (recorded, reference §3.2)."""
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def to_decimal(value: Any) -> Decimal | None:
    """A JSON number or numeric string as Decimal; None when it is not numeric."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            return None
        return result if result.is_finite() else None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            result = Decimal(text)
        except InvalidOperation:
            return None
        return result if result.is_finite() else None
    return None


def decimal_text(value: Decimal) -> str:
    """Fortnox's string rendering of a number: ``"1"``, ``"1.12"``, ``"-0"``."""
    text = format(round2(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def json_number(value: Decimal) -> int | float:
    """A Decimal as the JSON number Fortnox prints (integral values without ``.0``)."""
    rounded = round2(value)
    if rounded == rounded.to_integral_value():
        return int(rounded)
    return float(rounded)


def parse_date(value: str) -> date | None:
    """Strict ``YYYY-MM-DD``; None when malformed or impossible (2023-02-30)."""
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def stockholm_today(now: datetime) -> date:
    """The calendar date in Sweden at instant ``now`` (what Fortnox calls today)."""
    return now.astimezone(STOCKHOLM).date()


def luhn_digit(digits: str) -> int:
    """The mod-10 (Luhn) check digit to append to ``digits``."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def jsonable(record: dict[str, Any]) -> dict[str, Any]:
    """A stored record with its Decimals as JSON numbers (nested objects included)."""
    out: dict[str, Any] = {}
    for name, value in record.items():
        if isinstance(value, Decimal):
            out[name] = json_number(value)
        elif isinstance(value, dict):
            out[name] = jsonable(value)
        elif isinstance(value, list):
            out[name] = [jsonable(v) if isinstance(v, dict) else v for v in value]
        else:
            out[name] = value
    return out
