"""Parser for the ``/Queries`` SQL subset (reference §9.1, §11).

Accepted, and nothing more::

    SELECT * | col [, col …] FROM table
      [WHERE condition]
      [ORDER BY col [ASC|DESC] [, …]]

    condition := condition OR condition | condition AND condition | NOT condition
               | ( condition )
               | col (= | <> | < | <= | > | >=) literal
               | col [NOT] LIKE 'pattern'
               | col [NOT] IN (literal [, literal …])
               | col IS [NOT] NULL
    literal   := 'text with '' for a quote' | integer | decimal

Keywords and names are case-insensitive. JOIN, TOP, DISTINCT, GROUP BY, aliases,
sub-queries, ``N'…'`` literals, comments, ``;`` and every other construct are a
syntax error, so the client can never come to depend on them. Literals are
only ever values: an unbalanced quote cannot end a string early, it makes the
whole script a syntax error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wfsync.simulators.webcrm.errors import BadRequest

__all__ = [
    "BoolOp",
    "Compare",
    "Condition",
    "InList",
    "IsNull",
    "Like",
    "Literal",
    "Not",
    "OrderItem",
    "Query",
    "QuerySyntaxError",
    "parse_query",
]


class QuerySyntaxError(BadRequest):
    """The script is outside the supported subset (HTTP 400)."""


@dataclass(frozen=True)
class Literal:
    value: str | int | float
    is_text: bool


@dataclass(frozen=True)
class Compare:
    column: str
    operator: str
    literal: Literal


@dataclass(frozen=True)
class Like:
    column: str
    pattern: str
    negated: bool


@dataclass(frozen=True)
class InList:
    column: str
    literals: tuple[Literal, ...]
    negated: bool


@dataclass(frozen=True)
class IsNull:
    column: str
    negated: bool


@dataclass(frozen=True)
class Not:
    operand: Condition


@dataclass(frozen=True)
class BoolOp:
    operator: str  # "AND" | "OR"
    operands: tuple[Condition, ...]


Condition = Compare | Like | InList | IsNull | Not | BoolOp


@dataclass(frozen=True)
class OrderItem:
    column: str
    descending: bool


@dataclass(frozen=True)
class Query:
    columns: tuple[str, ...] | None  # None = SELECT *
    table: str
    where: Condition | None
    order_by: tuple[OrderItem, ...]


KEYWORDS = frozenset(
    {"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "LIKE", "IN", "IS", "NULL", "ORDER", "BY"}
    | {"ASC", "DESC"}
)
#: Recognised only to say clearly that they are not supported.
UNSUPPORTED = frozenset(
    {"JOIN", "INNER", "LEFT", "RIGHT", "OUTER", "CROSS", "ON", "TOP", "DISTINCT", "GROUP"}
    | {"HAVING", "UNION", "LIMIT", "OFFSET", "AS", "EXISTS", "BETWEEN", "CASE", "COUNT"}
    | {"INSERT", "UPDATE", "DELETE", "DROP", "EXEC", "EXECUTE", "INTO", "SET", "ALL", "ANY"}
)
COMPARISONS = ("<=", ">=", "<>", "=", "<", ">")

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|<>|=|<|>)
  | (?P<punct>[(),*])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str  # "string" | "number" | "name" | "keyword" | "op" | "punct" | "end"
    text: str
    position: int

    def is_keyword(self, *words: str) -> bool:
        return self.kind == "keyword" and self.text in words


def tokenize(script: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(script):
        match = _TOKEN.match(script, position)
        if match is None:
            fragment = script[position : position + 10]
            if script[position] == "'":
                raise QuerySyntaxError(f"Unterminated string literal at position {position}.")
            raise QuerySyntaxError(f"Incorrect syntax near '{fragment}' (position {position}).")
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "name":
            upper = text.upper()
            if upper in UNSUPPORTED:
                raise QuerySyntaxError(f"'{text}' is not supported by /Queries.")
            if upper in KEYWORDS:
                kind, text = "keyword", upper
        if kind == "string" and _prefixed_literal(tokens, position):
            raise QuerySyntaxError("N'…' literals are not supported; use '…'.")
        if kind != "space":
            tokens.append(_Token(kind, text, position))
        position = match.end()
    tokens.append(_Token("end", "", len(script)))
    return tokens


def _prefixed_literal(tokens: list[_Token], position: int) -> bool:
    """True for ``N'…'``: a name ``N`` right before a string literal."""
    return bool(tokens) and tokens[-1].text in ("N", "n") and tokens[-1].position + 1 == position


class _Parser:
    def __init__(self, script: str) -> None:
        self.tokens = tokenize(script)
        self.index = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.current
        self.index += 1
        return token

    def fail(self, expected: str) -> QuerySyntaxError:
        token = self.current
        near = token.text or "end of script"
        return QuerySyntaxError(f"Incorrect syntax near '{near}': expected {expected}.")

    def expect_keyword(self, word: str) -> None:
        if not self.current.is_keyword(word):
            raise self.fail(word)
        self.advance()

    def expect_punct(self, char: str) -> None:
        if self.current.kind != "punct" or self.current.text != char:
            raise self.fail(f"'{char}'")
        self.advance()

    def name(self) -> str:
        if self.current.kind != "name":
            raise self.fail("a column or table name")
        return self.advance().text

    def query(self) -> Query:
        self.expect_keyword("SELECT")
        columns: tuple[str, ...] | None
        if self.current.kind == "punct" and self.current.text == "*":
            self.advance()
            columns = None
        else:
            names = [self.name()]
            while self.current.kind == "punct" and self.current.text == ",":
                self.advance()
                names.append(self.name())
            columns = tuple(names)
        self.expect_keyword("FROM")
        table = self.name()
        where = None
        if self.current.is_keyword("WHERE"):
            self.advance()
            where = self.disjunction()
        order: list[OrderItem] = []
        if self.current.is_keyword("ORDER"):
            self.advance()
            self.expect_keyword("BY")
            order.append(self.order_item())
            while self.current.kind == "punct" and self.current.text == ",":
                self.advance()
                order.append(self.order_item())
        if self.current.kind != "end":
            raise self.fail("end of script")
        return Query(columns, table, where, tuple(order))

    def order_item(self) -> OrderItem:
        column = self.name()
        descending = False
        if self.current.is_keyword("ASC", "DESC"):
            descending = self.advance().text == "DESC"
        return OrderItem(column, descending)

    def disjunction(self) -> Condition:
        operands = [self.conjunction()]
        while self.current.is_keyword("OR"):
            self.advance()
            operands.append(self.conjunction())
        return operands[0] if len(operands) == 1 else BoolOp("OR", tuple(operands))

    def conjunction(self) -> Condition:
        operands = [self.negation()]
        while self.current.is_keyword("AND"):
            self.advance()
            operands.append(self.negation())
        return operands[0] if len(operands) == 1 else BoolOp("AND", tuple(operands))

    def negation(self) -> Condition:
        if self.current.is_keyword("NOT"):
            self.advance()
            return Not(self.negation())
        if self.current.kind == "punct" and self.current.text == "(":
            self.advance()
            inner = self.disjunction()
            self.expect_punct(")")
            return inner
        return self.predicate()

    def predicate(self) -> Condition:
        column = self.name()
        token = self.current
        if token.kind == "op":
            self.advance()
            return Compare(column, token.text, self.literal())
        if token.is_keyword("IS"):
            self.advance()
            negated = self.current.is_keyword("NOT")
            if negated:
                self.advance()
            self.expect_keyword("NULL")
            return IsNull(column, negated)
        negated = token.is_keyword("NOT")
        if negated:
            self.advance()
        if self.current.is_keyword("LIKE"):
            self.advance()
            pattern = self.literal()
            if not pattern.is_text:
                raise QuerySyntaxError("LIKE needs a quoted pattern.")
            return Like(column, str(pattern.value), negated)
        if self.current.is_keyword("IN"):
            self.advance()
            self.expect_punct("(")
            literals = [self.literal()]
            while self.current.kind == "punct" and self.current.text == ",":
                self.advance()
                literals.append(self.literal())
            self.expect_punct(")")
            return InList(column, tuple(literals), negated)
        raise self.fail("a comparison, LIKE, IN or IS NULL")

    def literal(self) -> Literal:
        token = self.current
        if token.kind == "string":
            self.advance()
            return Literal(token.text[1:-1].replace("''", "'"), is_text=True)
        if token.kind == "number":
            self.advance()
            number = float(token.text) if "." in token.text else int(token.text)
            return Literal(number, is_text=False)
        raise self.fail("a quoted string or a number")


def parse_query(script: str) -> Query:
    """Parse ``script`` or raise :class:`QuerySyntaxError` (a 400)."""
    if not script.strip():
        raise QuerySyntaxError("The script parameter is required.")
    return _Parser(script).query()
