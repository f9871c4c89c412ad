"""``GET /Queries?script=…``: the single-table SQL subset evaluated over the store.

Semantics (reference §9.1, §11; decisions in docs/webcrm-simulator.md):

* Tables ``Organisation``, ``Person``, ``Delivery``, ``Opportunity``, ``LinkedData``
  (case-insensitive). Columns are the DTO property names; ``LinkedData`` uses
  ``LinkedDataItem…`` names with an integer entity type (``Product`` = 7).
* Text equality and ordering are case-insensitive; ``LIKE`` knows ``%`` and ``_``.
* Date-time columns compare as instants; a literal without a zone is UTC.
* SQL three-valued logic: a ``null`` date never equals, precedes or follows
  anything (use ``IS NULL``). An empty text is ``''``, not NULL.
* A literal of the wrong type for its column (a number against a text column, a
  non-date against a date column) is a 400, as is an unknown column.
* Rows are flat objects keyed by DTO names plus ``RowNumber`` (1-based over the
  whole result) and a few internal columns real rows carry; paging applies.

Paging reads one result: the rows of a script are computed once and kept while
the table is unchanged (its revision) and rendered the same way (the quirks), so
reading 10,000 rows in pages costs one evaluation, not one per page. A write
between pages gives the next page a fresh evaluation, as offset paging on the
real server does.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from wfsync.simulators.webcrm.backend import Backend
from wfsync.simulators.webcrm.errors import BadRequest
from wfsync.simulators.webcrm.query_parser import (
    BoolOp,
    Compare,
    Condition,
    InList,
    IsNull,
    Like,
    Literal,
    Not,
    Query,
    parse_query,
)
from wfsync.simulators.webcrm.routing import Call, Router, json_response, page_of, paginate
from wfsync.simulators.webcrm.schema import LINKED_DATA_ENTITY_TYPES, Field, Kind
from wfsync.simulators.webcrm.store import Collection, Record
from wfsync.simulators.webcrm.values import parse_datetime, render

__all__ = ["QueryEngine", "register"]

Truth = bool | None
#: Query results kept for paging (the least recently read are dropped first).
RESULTS_KEPT = 16


@dataclass(frozen=True)
class Column:
    name: str
    spec: Field
    read: Callable[[Record], Any]


@dataclass
class Table:
    name: str
    collection: Collection
    columns: dict[str, Column] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)

    def column(self, name: str) -> Column:
        try:
            return self.columns[name.casefold()]
        except KeyError:
            raise BadRequest(f"Invalid column name '{name}' for table {self.name}.") from None


def _entity_table(name: str, collection: Collection, extras: dict[str, Any]) -> Table:
    table = Table(name, collection, extras=extras)
    for spec in collection.entity.readable:
        table.columns[spec.name.casefold()] = Column(spec.name, spec, _reader(spec.name))
    return table


def _reader(key: str) -> Callable[[Record], Any]:
    return lambda record: record[key]


def _linked_data_table(collection: Collection) -> Table:
    """The catalogue as ``LinkedData``: ``LinkedDataItemDto`` columns, integer entity type."""
    table = Table("LinkedData", collection)
    prefix = "QuotationLineLinkedDataItem"
    wanted = ["Id", *[f"Data{n}" for n in range(1, 10)], "DataMemo", "ItemGroup", "Price"]
    for suffix in wanted:
        spec = collection.entity.get(prefix + suffix)
        assert spec is not None
        name = f"LinkedDataItem{suffix}"
        table.columns[name.casefold()] = Column(name, spec, _reader(prefix + suffix))
    entity_type = Field("LinkedDataItemEntityType", Kind.INT)
    table.columns[entity_type.name.casefold()] = Column(
        entity_type.name,
        entity_type,
        lambda record: LINKED_DATA_ENTITY_TYPES.index(record[f"{prefix}EntityType"]),
    )
    return table


class QueryEngine:
    """Evaluates parsed scripts against a backend."""

    def __init__(self, backend: Backend) -> None:
        tables = [
            _entity_table("Organisation", backend.organisations, {"o_lastUpdatedById": 0}),
            _entity_table("Person", backend.persons, {"p_lastUpdatedById": 0}),
            _entity_table(
                "Delivery",
                backend.deliveries,
                {"op_lastUpdatedById": 0, "OpportunityLevel": 0, "DeliveryCurrencySymbol": ""},
            ),
            _entity_table("Opportunity", backend.opportunities, {"op_lastUpdatedById": 0}),
            _linked_data_table(backend.catalogue),
        ]
        self._tables = {table.name.casefold(): table for table in tables}
        self._results: OrderedDict[tuple[Any, ...], list[dict[str, Any]]] = OrderedDict()

    def run(self, script: str) -> list[dict[str, Any]]:
        """All result rows of ``script`` (paging is the caller's job; do not mutate)."""
        query = parse_query(script)
        table = self._tables.get(query.table.casefold())
        if table is None:
            raise BadRequest(f"Invalid object name '{query.table}'.")
        key = (script, table.name, table.collection.revision, repr(table.collection.quirks))
        rows = self._results.get(key)
        if rows is None:
            rows = self._evaluate(table, query)
            self._results[key] = rows
            while len(self._results) > RESULTS_KEPT:
                self._results.popitem(last=False)
        else:
            self._results.move_to_end(key)
        return rows

    def _evaluate(self, table: Table, query: Query) -> list[dict[str, Any]]:
        selected = (
            list(table.columns.values())
            if query.columns is None
            else [table.column(name) for name in query.columns]
        )
        records = table.collection.rows()
        if query.where is not None:
            condition = query.where
            _validate(table, condition)
            records = [r for r in records if _evaluate(table, condition, r) is True]
        records = _ordered(table, query, records)
        rows = []
        for number, record in enumerate(records, start=1):
            row = {
                column.name: render(column.spec, column.read(record), table.collection.quirks)
                for column in selected
            }
            if query.columns is None:
                row.update(table.extras)
            row["RowNumber"] = number
            rows.append(row)
        return rows


def _ordered(table: Table, query: Query, records: list[Record]) -> list[Record]:
    for item in reversed(query.order_by):
        column = table.column(item.column)

        def key(record: Record, column: Column = column) -> tuple[int, Any]:
            value = column.read(record)
            if value is None:
                return (0, 0)
            return (1, value.casefold() if isinstance(value, str) else value)

        records = sorted(records, key=key, reverse=item.descending)
    return records


def _validate(table: Table, condition: Condition) -> None:
    """Check every column and literal once, so an empty table still rejects bad scripts."""
    if isinstance(condition, BoolOp):
        for operand in condition.operands:
            _validate(table, operand)
    elif isinstance(condition, Not):
        _validate(table, condition.operand)
    elif isinstance(condition, Compare):
        _operand(table.column(condition.column), condition.literal)
    elif isinstance(condition, InList):
        for literal in condition.literals:
            _operand(table.column(condition.column), literal)
    elif isinstance(condition, Like):
        column = table.column(condition.column)
        if column.spec.kind not in (Kind.TEXT, Kind.ENUM):
            raise BadRequest(f"LIKE is only supported on text columns, not {column.name}.")
    else:
        table.column(condition.column)


def _operand(column: Column, literal: Literal) -> Any:
    """The literal converted to the column's type; 400 when it cannot be."""
    kind = column.spec.kind
    value = literal.value
    if kind in (Kind.TEXT, Kind.ENUM):
        if not literal.is_text:
            raise BadRequest(f"Conversion failed: {column.name} is text; quote the value.")
        return str(value).casefold()
    if kind is Kind.DATETIME:
        if not literal.is_text:
            raise BadRequest(f"Conversion failed: {column.name} is a date-time; quote the value.")
        try:
            return parse_datetime(str(value))
        except ValueError:
            message = f"Conversion failed when converting '{value}' to a date-time."
            raise BadRequest(message) from None
    if kind is Kind.BOOL:
        if value in (0, 1, "0", "1") or str(value).lower() in ("true", "false"):
            return str(value).lower() in ("1", "true")
        raise BadRequest(f"Conversion failed: {column.name} is a bit (use 0 or 1).")
    if literal.is_text:
        try:
            return float(str(value)) if kind is Kind.FLOAT else int(str(value))
        except ValueError:
            raise BadRequest(f"Conversion failed when converting '{value}' to a number.") from None
    return value


def _comparable(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _compare(left: Any, operator: str, right: Any) -> Truth:
    if left is None:
        return None
    left = _comparable(left)
    if operator == "=":
        return bool(left == right)
    if operator == "<>":
        return bool(left != right)
    if operator == "<":
        return bool(left < right)
    if operator == "<=":
        return bool(left <= right)
    if operator == ">":
        return bool(left > right)
    return bool(left >= right)


def _like(value: str, pattern: str) -> bool:
    regex = "".join(
        ".*" if char == "%" else "." if char == "_" else re.escape(char) for char in pattern
    )
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL) is not None


def _evaluate(table: Table, condition: Condition, record: Record) -> Truth:
    if isinstance(condition, BoolOp):
        results = [_evaluate(table, operand, record) for operand in condition.operands]
        if condition.operator == "AND":
            return False if False in results else (None if None in results else True)
        return True if True in results else (None if None in results else False)
    if isinstance(condition, Not):
        inner = _evaluate(table, condition.operand, record)
        return None if inner is None else not inner
    column = table.column(condition.column)
    value = column.read(record)
    if isinstance(condition, IsNull):
        return (value is not None) if condition.negated else (value is None)
    if value is None:
        return None
    if isinstance(condition, Compare):
        return _compare(value, condition.operator, _operand(column, condition.literal))
    if isinstance(condition, Like):
        return _like(str(value), condition.pattern) != condition.negated
    found = any(_compare(value, "=", _operand(column, lit)) for lit in condition.literals)
    return found != condition.negated


def register(router: Router, backend: Backend) -> None:
    engine = QueryEngine(backend)

    async def queries(call: Call) -> Response:
        script = next(
            (v for k, v in call.request.query_params.multi_items() if k.casefold() == "script"),
            "",
        )
        page = page_of(call)
        return json_response(paginate(engine.run(script), page))

    router.get("/Queries", queries)
