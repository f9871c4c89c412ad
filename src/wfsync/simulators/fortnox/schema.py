"""Field tables and the write rules every Fortnox resource shares (reference §12).

Each resource declares its fields once (type, default, read-only); this module
turns a request body into changes with Fortnox's semantics: ``null`` and ``""``
leave a value unchanged on PUT, ``"API_BLANK"`` clears it, read-only fields are
ignored, unknown names fail the whole write with 2001399, and wrong types fail
with 2000108/2000134. Being strict here is the point: a client that works
against this module cannot have a typo that the real API would reject.
"""

from __future__ import annotations

import copy
import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from wfsync.simulators.fortnox.errors import ApiProblem, Code
from wfsync.simulators.fortnox.values import parse_date, round2, to_decimal

__all__ = [
    "BLANK",
    "Field",
    "Kind",
    "apply_changes",
    "defaults",
    "parse_body",
    "parse_changes",
    "unwrap",
]

BLANK = "API_BLANK"
_UNCHANGED = object()


class Kind(Enum):
    TEXT = "text"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DATE = "date"
    CHOICE = "choice"
    OBJECT = "object"
    LABELS = "labels"
    #: Handled by the resource itself (document rows).
    CUSTOM = "custom"


@dataclass(frozen=True)
class Field:
    kind: Kind
    default: Any = None
    read_only: bool = False
    choices: tuple[str, ...] = ()
    #: Value after ``API_BLANK`` (``None`` or ``""``, as the field renders when unset).
    blank: Any = None
    max_length: int | None = None
    members: Mapping[str, Field] = field(default_factory=dict)


def parse_body(raw: bytes) -> Any:
    """Decode a request body; broken JSON is 2002115 as on the real API."""
    if not raw.strip():
        raise ApiProblem.wrong_root()
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiProblem.invalid(
            Code.JSON_SYNTAX, "Error deserializing JSON: JSON_ERROR_SYNTAX"
        ) from exc


def unwrap(body: Any, root: str) -> dict[str, Any]:
    """The object inside the one-key wrapper ``{root: {...}}``, else 2001392."""
    if not isinstance(body, dict) or list(body) != [root] or not isinstance(body[root], dict):
        raise ApiProblem.wrong_root()
    inner: dict[str, Any] = body[root]
    return inner


def parse_changes(
    fields: Mapping[str, Field], payload: Mapping[str, Any], *, creating: bool
) -> dict[str, Any]:
    """Validated changes from ``payload``: unknown → 2001399, read-only dropped."""
    changes: dict[str, Any] = {}
    for name, raw in payload.items():
        spec = fields.get(name)
        if spec is None:
            raise ApiProblem.unknown_field()
        if spec.read_only:
            continue
        value = _coerce(spec, raw, creating=creating)
        if value is not _UNCHANGED:
            changes[name] = value
    return changes


def apply_changes(record: dict[str, Any], changes: Mapping[str, Any]) -> None:
    """Merge ``changes`` into ``record``; nested objects merge member by member."""
    for name, value in changes.items():
        current = record.get(name)
        if isinstance(value, dict) and isinstance(current, dict):
            current.update(value)
        else:
            record[name] = copy.deepcopy(value)


def defaults(fields: Mapping[str, Field]) -> dict[str, Any]:
    """A fresh record with every field at its recorded default."""
    return {
        name: copy.deepcopy(spec.default)
        for name, spec in fields.items()
        if spec.kind is not Kind.CUSTOM
    }


def _coerce(spec: Field, raw: Any, *, creating: bool) -> Any:
    if raw is None:
        return _UNCHANGED
    if raw == BLANK:
        if spec.kind in (Kind.TEXT, Kind.DATE, Kind.CHOICE):
            return spec.blank
        if spec.kind in (Kind.NUMBER, Kind.INTEGER):
            raise ApiProblem.invalid(Code.NOT_NUMERIC, f"Värdet måste vara numeriskt ({raw})")
    if spec.kind is Kind.TEXT:
        return _text(spec, raw, creating=creating)
    if spec.kind is Kind.NUMBER:
        if raw == "":
            return _UNCHANGED
        number = to_decimal(raw)
        if number is None:
            raise ApiProblem.invalid(Code.NOT_NUMERIC, f"Värdet måste vara numeriskt ({raw})")
        return round2(number)
    if spec.kind is Kind.INTEGER:
        return _integer(raw)
    if spec.kind is Kind.BOOLEAN:
        if not isinstance(raw, bool):
            raise ApiProblem.invalid(Code.NOT_BOOLEAN, f"Värdet måste vara en boolean ({raw})")
        return raw
    if spec.kind is Kind.DATE:
        if raw == "":
            return _UNCHANGED
        if not isinstance(raw, str) or parse_date(raw) is None:
            raise ApiProblem.invalid(Code.INVALID_VALUE, f"Ogiltigt datum ({raw})")
        return raw
    if spec.kind is Kind.CHOICE:
        if raw == "" and not creating:
            return _UNCHANGED
        if raw not in spec.choices:
            raise ApiProblem.invalid(Code.INVALID_VALUE, f"Ogiltigt värde ({raw})")
        return raw
    if spec.kind is Kind.OBJECT:
        if not isinstance(raw, dict):
            raise ApiProblem.wrong_root()
        return parse_changes(spec.members, raw, creating=creating)
    if spec.kind is Kind.LABELS:
        return _labels(raw)
    return raw  # Kind.CUSTOM: the resource validates it


def _text(spec: Field, raw: Any, *, creating: bool) -> Any:
    if not isinstance(raw, str):
        raise ApiProblem.invalid(Code.NOT_ALPHANUMERIC, f"Värdet måste vara alfanumeriskt ({raw})")
    if raw == "" and not creating:
        return _UNCHANGED
    for char in raw:
        if char in "\n\r\t":
            continue
        category = unicodedata.category(char)
        if category.startswith("C") or category == "So" or ord(char) > 0xFFFF:
            raise ApiProblem.invalid(
                Code.INVALID_CHARACTERS, f"Värdet innehåller ej tillåtna tecken. ({raw})"
            )
    if spec.max_length is not None and len(raw) > spec.max_length:
        raise ApiProblem.invalid(Code.INVALID_VALUE, f"Värdet är för långt ({raw})")
    return raw


def _integer(raw: Any) -> Any:
    if raw == "":
        return _UNCHANGED
    number = to_decimal(raw)
    if number is None or number != number.to_integral_value():
        raise ApiProblem.invalid(Code.NOT_NUMERIC, f"Värdet måste vara numeriskt ({raw})")
    return int(number)


def _labels(raw: Any) -> list[dict[str, int]]:
    if not isinstance(raw, list):
        raise ApiProblem.wrong_root()
    labels: list[dict[str, int]] = []
    for item in raw:
        if not isinstance(item, dict) or set(item) != {"Id"}:
            raise ApiProblem.unknown_field()
        labels.append({"Id": _integer(item["Id"])})
    return labels
