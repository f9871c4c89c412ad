"""Building ``/Queries`` scripts without injection.

``GET /Queries?script=…`` is a raw text interface over a SQL-like language with
no published grammar (reference §9.1). Every literal we interpolate — a customer
name such as ``O'Brien``, a customer number typed by a user — goes through
:func:`quote`, and every column/table name through :func:`identifier`, so a
value can neither break the script nor change its meaning.

Scripts stay in the plain single-table form the reference recommends
(``SELECT * | cols FROM t [WHERE …] [ORDER BY c ASC|DESC]`` with ``=``,
``>=``, ``IN``, ``IS NULL``, ``AND``): no JOIN, TOP or sub-queries, which a
tenant or another server version may reject. Filtering beyond that happens in
our own code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from wfsync.webcrm.timestamps import format_for_query

__all__ = ["Literal", "Script", "identifier", "literal", "quote"]

Literal = str | int | float | Decimal | datetime | None

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def quote(value: str) -> str:
    """A single-quoted string literal, quotes doubled: ``O'Brien`` → ``'O''Brien'``."""

    if "\x00" in value:
        raise ValueError("a /Queries literal cannot contain NUL")
    return "'" + value.replace("'", "''") + "'"


def identifier(name: str) -> str:
    """A table or column name, checked: names are never quoted, so they must be plain."""

    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a webCRM column or table name: {name!r}")
    return name


def literal(value: Literal) -> str:
    """Render a Python value as a script literal (strings and instants quoted)."""

    if isinstance(value, bool):
        raise TypeError("webCRM has no boolean literal; compare with 'Yes'/'No' or 1/0")
    if isinstance(value, datetime):
        return quote(format_for_query(value))
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        if isinstance(value, float) and value != value:  # NaN
            raise ValueError("NaN is not a /Queries literal")
        return format(Decimal(str(value)), "f")
    raise TypeError(f"cannot use {type(value).__name__} in a /Queries script")


@dataclass(frozen=True)
class Script:
    """An immutable single-table ``SELECT``; each ``where_*`` adds an ``AND`` term.

    >>> str(Script.select("Organisation").where_eq("OrganisationName", "O'Brien"))
    "SELECT * FROM Organisation WHERE OrganisationName = 'O''Brien'"
    """

    table: str
    columns: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    order: str = ""

    @classmethod
    def select(cls, table: str, *columns: str) -> Script:
        return cls(identifier(table), tuple(identifier(c) for c in columns))

    def _where(self, term: str) -> Script:
        return replace(self, conditions=(*self.conditions, term))

    def where_eq(self, column: str, value: Literal) -> Script:
        """``column = value`` (``IS NULL`` for None); webCRM compares text case-insensitively."""

        if value is None:
            return self._where(f"{identifier(column)} IS NULL")
        return self._where(f"{identifier(column)} = {literal(value)}")

    def where_ge(self, column: str, value: Literal) -> Script:
        """``column >= value`` — the open-ended change window."""

        return self._where(f"{identifier(column)} >= {literal(value)}")

    def where_in(self, column: str, values: Iterable[Literal]) -> Script:
        rendered = [literal(v) for v in values]
        if not rendered:
            raise ValueError("IN needs at least one value")
        return self._where(f"{identifier(column)} IN ({', '.join(rendered)})")

    def order_by(self, column: str, *, descending: bool = False) -> Script:
        return replace(self, order=f"{identifier(column)} {'DESC' if descending else 'ASC'}")

    def render(self) -> str:
        script = f"SELECT {', '.join(self.columns) or '*'} FROM {self.table}"
        if self.conditions:
            script += " WHERE " + " AND ".join(self.conditions)
        if self.order:
            script += f" ORDER BY {self.order}"
        return script

    def __str__(self) -> str:
        return self.render()
