"""In-memory tables with webCRM's write semantics.

A :class:`Collection` owns one entity's records and is the only code that writes
them, for API calls and simulated UI edits alike, so both paths get the same
rules: sequential int32 ids, server stamps (``…CreatedAt/By`` once,
``…UpdatedAt/By`` on every write, UTC with millisecond precision), replace
semantics (a property absent from the body falls back to its default, §3.4) and
per-entity validation supplied by the resource modules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from wfsync.clock import Clock
from wfsync.simulators.webcrm.errors import BadRequest, NotFound
from wfsync.simulators.webcrm.quirks import Quirks
from wfsync.simulators.webcrm.schema import Entity
from wfsync.simulators.webcrm.values import (
    INT32_MAX,
    coerce,
    default_for,
    format_datetime,
    render,
    truncate_to_millis,
)

__all__ = ["ChangeListener", "Collection", "Record", "Rules"]

Record = dict[str, Any]
#: Validates and completes a record before it is stored: (new record, previous or None).
Rules = Callable[[Record, Record | None], None]
#: Told about every stored change: (entity name, "Create" | "Update" | "Delete", id).
ChangeListener = Callable[[str, str, int], None]


def _no_rules(record: Record, previous: Record | None) -> None:
    del record, previous


@dataclass
class Collection:
    """One entity's records, keyed by id, kept in creation (id) order."""

    entity: Entity
    clock: Clock
    noun: str
    rules: Rules = _no_rules
    #: Defaults that differ from the kind's default (dropdown placeholder, checkbox "No").
    defaults: dict[str, Any] = field(default_factory=dict)
    listeners: list[ChangeListener] = field(default_factory=list)
    #: Shared by every collection of a simulator; decides how values are rendered.
    quirks: Quirks = field(default_factory=Quirks)
    _rows: dict[int, Record] = field(default_factory=dict)
    _next_id: int = 1
    #: property → normalised value → ids; built on first lookup, then kept current.
    _indexes: dict[str, dict[Any, set[int]]] = field(default_factory=dict)
    #: Bumped by every write, so a query result can be kept while nothing changed.
    revision: int = 0

    # -- reading ------------------------------------------------------------

    def get(self, record_id: int) -> Record:
        try:
            return self._rows[record_id]
        except KeyError:
            raise NotFound(f"{self.noun} with id {record_id} was not found.") from None

    def exists(self, record_id: int) -> bool:
        return record_id in self._rows

    def rows(self) -> list[Record]:
        return [self._rows[key] for key in sorted(self._rows)]

    def find(self, name: str, value: Any) -> set[int]:
        """Ids whose property ``name`` equals ``value`` (text case-insensitively), indexed."""
        index = self._indexes.get(name)
        if index is None:
            index = {}
            for record_id, record in self._rows.items():
                index.setdefault(_index_key(record[name]), set()).add(record_id)
            self._indexes[name] = index
        return set(index.get(_index_key(value), ()))

    def render(self, record: Record) -> dict[str, Any]:
        """The DTO a GET returns: every readable property, in schema order."""
        return {
            spec.name: render(spec, record[spec.name], self.quirks) for spec in self.entity.readable
        }

    # -- writing ------------------------------------------------------------

    def build(self, body: Mapping[str, Any], previous: Record | None = None) -> Record:
        """A full record from a (possibly partial) body; absent properties get defaults.

        Server-maintained properties are taken from ``previous`` and never from the body.
        """
        given = {key.casefold(): value for key, value in body.items()}
        record: Record = {}
        for spec in self.entity.fields:
            if spec.server:
                record[spec.name] = previous[spec.name] if previous else default_for(spec)
            elif spec.name.casefold() in given:
                record[spec.name] = coerce(spec, given[spec.name.casefold()])
                if record[spec.name] == default_for(spec) and spec.name in self.defaults:
                    record[spec.name] = self._default(spec.name)
            else:
                record[spec.name] = self._default(spec.name)
        return record

    def create(self, body: Mapping[str, Any], actor: str, *, record_id: int | None = None) -> int:
        """Store a new record and return its id (``record_id`` only for seed data)."""
        record = self.build(body)
        new_id = record_id if record_id else self._next_id
        if new_id in self._rows or not 0 < new_id <= INT32_MAX:
            raise BadRequest(f"{self.noun} id {new_id} is already in use.")
        record[self.entity.id_field] = new_id
        self.rules(record, None)
        self._stamp(record, actor, created=True)
        self._store(new_id, record)
        self._next_id = max(self._next_id, new_id + 1)
        self._notify("Create", new_id)
        return new_id

    def replace(self, record_id: int, body: Mapping[str, Any], actor: str) -> None:
        """PUT semantics: the body is the whole new state."""
        previous = self.get(record_id)
        record = self.build(body, previous)
        record[self.entity.id_field] = record_id
        self.rules(record, previous)
        self._stamp(record, actor, created=False)
        self._store(record_id, record)
        self._notify("Update", record_id)

    def merge(self, record_id: int, changes: Mapping[str, Any], actor: str) -> None:
        """A person editing some fields in the UI: everything else stays."""
        previous = self.get(record_id)
        body = dict(previous)
        body.update(changes)
        self.replace(record_id, _unrender_dates(body), actor)

    def update_server_fields(self, record_id: int, values: Mapping[str, Any], actor: str) -> None:
        """Set server-maintained properties (totals, moves) and stamp the change."""
        record = dict(self.get(record_id))
        record.update(values)
        self._stamp(record, actor, created=False)
        self._store(record_id, record)
        self._notify("Update", record_id)

    def delete(self, record_id: int) -> None:
        self.get(record_id)
        self._unindex(record_id)
        del self._rows[record_id]
        self.revision += 1
        self._notify("Delete", record_id)

    def clear(self) -> None:
        for record_id in list(self._rows):
            self.delete(record_id)

    # -- internals ----------------------------------------------------------

    def _store(self, record_id: int, record: Record) -> None:
        self._unindex(record_id)
        self._rows[record_id] = record
        self.revision += 1
        for name, index in self._indexes.items():
            index.setdefault(_index_key(record[name]), set()).add(record_id)

    def _unindex(self, record_id: int) -> None:
        old = self._rows.get(record_id)
        if old is None:
            return
        for name, index in self._indexes.items():
            index.get(_index_key(old[name]), set()).discard(record_id)

    def _default(self, name: str) -> Any:
        if name in self.defaults:
            return self.defaults[name]
        spec = self.entity.get(name)
        assert spec is not None
        return default_for(spec)

    def _stamp(self, record: Record, actor: str, *, created: bool) -> None:
        prefix = self.entity.name
        if self.entity.get(f"{prefix}UpdatedAt") is None:
            return
        now = truncate_to_millis(self.clock.now())
        if created:
            record[f"{prefix}CreatedAt"] = now
            record[f"{prefix}CreatedBy"] = actor
        record[f"{prefix}UpdatedAt"] = now
        record[f"{prefix}UpdatedBy"] = actor

    def _notify(self, event: str, record_id: int) -> None:
        for listener in self.listeners:
            listener(self.entity.name, event, record_id)


def _index_key(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _unrender_dates(body: dict[str, Any]) -> dict[str, Any]:
    """Datetimes back to strings so a merged body passes the same coercion as JSON."""
    return {
        key: format_datetime(value) if isinstance(value, datetime) else value
        for key, value in body.items()
    }
