"""List endpoints: paging, search, filters, sorting and ``lastmodified`` (§3.3, §3.4, §10).

Fortnox allows exactly one resource-specific search or filter parameter per
request (combinable with the global ones), only lower-case parameter names, a
``limit`` of 1..500, and answers an empty result with ``@TotalPages: 0``. The
stricter readings are taken where the docs are silent: unknown, repeated or
malformed parameters are 2000588, two resource-specific parameters are 2000588.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from starlette.datastructures import QueryParams

from wfsync.simulators.fortnox.errors import ApiProblem, Code
from wfsync.simulators.fortnox.store import Record, TenantStore
from wfsync.simulators.fortnox.values import STOCKHOLM, parse_date, stockholm_today

__all__ = [
    "ListSpec",
    "contains",
    "key_order",
    "list_envelope",
    "parse_lastmodified",
]

Search = Callable[[Record, str], bool]
Predicate = Callable[[Record, date], bool]
SortKey = Callable[[Record], Any]

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
_GLOBAL = frozenset(
    {
        "lastmodified",
        "page",
        "limit",
        "offset",
        "sortby",
        "sortorder",
        "financialyear",
        "financialyeardate",
    }
)
_STAMP = re.compile(r"(\d{4}-\d{2}-\d{2})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?")


def key_order(value: str) -> tuple[int, int, str]:
    """Numbers in numeric order first, other keys after them alphabetically."""
    return (0, int(value), "") if value.isascii() and value.isdigit() else (1, 0, value)


def contains(field_name: str) -> Search:
    """Fortnox search: case-insensitive substring (``ILIKE '%value%'``)."""

    def search(record: Record, needle: str) -> bool:
        value = record.get(field_name)
        if value is None:
            return False
        if isinstance(value, bool):
            value = "true" if value else "false"
        return needle.lower() in str(value).lower()

    return search


@dataclass(frozen=True)
class ListSpec:
    """How one resource's list endpoint searches, filters and sorts."""

    plural: str
    topic: str
    key_field: str
    search: Mapping[str, Search] = field(default_factory=dict)
    filters: Mapping[str, Predicate] = field(default_factory=dict)
    sort: Mapping[str, SortKey] = field(default_factory=dict)
    #: Field filtered by the global ``fromdate``/``todate`` (orders, invoices).
    date_field: str | None = None
    #: Default order: numeric keys numerically (customers, articles, documents);
    #: False = plain alphabetical by code (registers, as recorded for terms).
    natural_keys: bool = True


def parse_lastmodified(text: str) -> datetime:
    """``YYYY-MM-DD[ HH:MM[:SS]]`` in Stockholm local time, as an aware UTC instant.

    A local time that occurs twice (October) or never (March) resolves to the
    *later* of its candidate instants: fewer records come back, so a client that
    skipped the overlap the reference asks for is caught.
    """
    match = _STAMP.fullmatch(text)
    day = parse_date(match.group(1)) if match else None
    if match is None or day is None:
        raise ApiProblem.bad_parameter()
    hour, minute, second = (int(match.group(i) or 0) for i in (2, 3, 4))
    if hour > 23 or minute > 59 or second > 59:
        raise ApiProblem.bad_parameter()
    naive = datetime(day.year, day.month, day.day, hour, minute, second)
    candidates = [naive.replace(tzinfo=STOCKHOLM, fold=fold).astimezone(UTC) for fold in (0, 1)]
    return max(candidates)


def list_envelope(
    store: TenantStore,
    spec: ListSpec,
    records: Mapping[str, Record],
    params: QueryParams,
    render: Callable[[Record], dict[str, Any]],
) -> dict[str, Any]:
    """Apply the query to ``records`` (keyed by their key) and wrap one page."""
    values = _single_values(params)
    allowed = _GLOBAL | set(spec.search) | {"filter"}
    if spec.date_field:
        allowed |= {"fromdate", "todate"}
    if any(name not in allowed for name in values):
        raise ApiProblem.bad_parameter()
    specific = [name for name in values if name in spec.search or name == "filter"]
    if len(specific) > 1:
        raise ApiProblem.bad_parameter()
    today = stockholm_today(store.clock.now())
    selected = [(key, record) for key, record in records.items()]
    if "filter" in values:
        predicate = spec.filters.get(values["filter"])
        if predicate is None:
            raise ApiProblem.invalid(Code.INVALID_FILTER, "Ett ogiltigt filter har använts.")
        selected = [(k, r) for k, r in selected if predicate(r, today)]
    for name in specific:
        if name != "filter":
            search = spec.search[name]
            selected = [(k, r) for k, r in selected if search(r, values[name])]
    if "lastmodified" in values:
        since = parse_lastmodified(values["lastmodified"])
        selected = [
            (k, r)
            for k, r in selected
            if (stamp := store.modified_at(spec.topic, k)) is not None and stamp >= since
        ]
    selected = _date_range(spec, selected, values)
    selected = _sorted(spec, selected, values)
    return _page(spec, [r for _, r in selected], values, render)


def _single_values(params: QueryParams) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in params.multi_items():
        if name in values:
            raise ApiProblem.bad_parameter()
        values[name] = value
    return values


def _date_range(
    spec: ListSpec, selected: list[tuple[str, Record]], values: Mapping[str, str]
) -> list[tuple[str, Record]]:
    for name in ("fromdate", "todate"):
        if name not in values or spec.date_field is None:
            continue
        bound = parse_date(values[name])
        if bound is None:
            raise ApiProblem.bad_parameter()
        date_field = spec.date_field
        if name == "fromdate":
            selected = [(k, r) for k, r in selected if str(r.get(date_field)) >= bound.isoformat()]
        else:
            selected = [(k, r) for k, r in selected if str(r.get(date_field)) <= bound.isoformat()]
    return selected


def _sorted(
    spec: ListSpec, selected: list[tuple[str, Record]], values: Mapping[str, str]
) -> list[tuple[str, Record]]:
    order = values.get("sortorder", "ascending")
    if order not in ("ascending", "descending"):
        raise ApiProblem.bad_parameter()
    if spec.natural_keys:
        by_key = sorted(selected, key=lambda item: key_order(item[0]))
    else:
        by_key = sorted(selected, key=lambda item: item[0])
    if "sortby" in values:
        sort_key = spec.sort.get(values["sortby"])
        if sort_key is None:
            raise ApiProblem.bad_parameter()
        by_key = sorted(by_key, key=lambda item: sort_key(item[1]))
    if order == "descending":
        by_key.reverse()
    return by_key


def _page(
    spec: ListSpec,
    records: list[Record],
    values: Mapping[str, str],
    render: Callable[[Record], dict[str, Any]],
) -> dict[str, Any]:
    limit = _natural(values.get("limit"), DEFAULT_LIMIT, minimum=1)
    page = _natural(values.get("page"), 1, minimum=1)
    offset = _natural(values.get("offset"), 0, minimum=0)
    if limit > MAX_LIMIT:
        raise ApiProblem.bad_parameter()
    remaining = records[offset:]
    start = (page - 1) * limit
    return {
        "MetaInformation": {
            "@TotalResources": len(remaining),
            "@TotalPages": math.ceil(len(remaining) / limit),
            "@CurrentPage": page,
        },
        spec.plural: [render(record) for record in remaining[start : start + limit]],
    }


def _natural(text: str | None, default: int, *, minimum: int) -> int:
    if text is None:
        return default
    if not (text.isascii() and text.isdigit()) or int(text) < minimum:
        raise ApiProblem.bad_parameter()
    return int(text)
