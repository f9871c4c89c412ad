"""A reconcile's decision as a value: what to write where, before anything is written.

Every entity's merge of a linked pair ends in a :class:`Plan` of small frozen
operations, and :class:`wfsync.sync.apply.Applier` carries it out. A dry run
is the same run up to the plan; only the applier differs, listing the plan
(:meth:`Plan.rows`) instead of carrying it out. So what ``--dry-run`` prints is
what a real run would do, by construction.

The operations say *what* (which side, which fields, why), in our own field
names; the entity's :class:`~wfsync.sync.apply.Writer` turns an operation into
vendor calls through the adapters, so no vendor name appears here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wfsync.sync.merge import FieldConflict, Side
from wfsync.sync.report import PlannedOp

__all__ = [
    "PENDING",
    "Adopt",
    "Create",
    "Fail",
    "Op",
    "Pause",
    "Plan",
    "Remember",
    "Remove",
    "Resume",
    "Update",
    "pending_values",
    "unwritten_bases",
    "with_pending",
]

#: ``link.extra`` key: values being written, by side and field, until the pair's
#: merge is recorded: ``{side: {field: [value, ...]}}``. Every value of every
#: unrecorded write is kept (a later plan adds to the list, never replaces it): a
#: write that landed before its run died, followed by one that failed, must both
#: still read back as ours.
PENDING = "pending_writes"

_OTHER: dict[Side, Side] = {"webcrm": "fortnox", "fortnox": "webcrm"}
_SIDES: tuple[Side, ...] = ("webcrm", "fortnox")


def pending_values(extra: Mapping[str, Any], side: Side) -> dict[str, list[Any]]:
    """The values written to ``side`` that are not recorded yet, by field."""
    raw = (extra.get(PENDING) or {}).get(side) or {}
    return {name: list(v) if isinstance(v, list) else [v] for name, v in raw.items()}


def with_pending(
    extra: Mapping[str, Any], writes: Mapping[Side, Mapping[str, Any]]
) -> dict[str, Any]:
    """``extra`` with ``writes`` added to its pending values (kept in order, no repeats)."""
    merged: dict[str, dict[str, list[Any]]] = {}
    for side in _SIDES:
        fields = pending_values(extra, side)
        for name, value in (writes.get(side) or {}).items():
            values = fields.setdefault(name, [])
            if value not in values:
                values.append(value)
        if fields:
            merged[side] = fields
    return {**extra, PENDING: merged}


def unwritten_bases(
    snapshots: Mapping[Side, Mapping[str, Any] | None],
    now: Mapping[Side, Mapping[str, Any]],
    extra: Mapping[str, Any],
    same: Any,
) -> dict[Side, Mapping[str, Any] | None]:
    """The snapshots to merge against, given writes that may have landed without
    their answer (``extra[PENDING]``).

    A field of side S that now holds a value we were writing to S is ours, not a
    person's edit, so S's base takes it; and since we wrote it because the other
    side held it, the other side's base takes it too: a person who has since put
    the other side back to the old value made an edit, which must flow (the
    snapshots alone would call both sides unchanged and leave them apart). A field
    that still holds the snapshot's value was never written (a person who put it
    back after our write landed looks the same: no per-field time tells them apart,
    and the other side's value then stands); anything else is an edit."""
    bases: dict[Side, dict[str, Any] | None] = {
        side: None if snap is None else dict(snap) for side, snap in snapshots.items()
    }
    for side in _SIDES:
        base, other, snapshot = bases.get(side), bases.get(_OTHER[side]), snapshots.get(side)
        if base is None or snapshot is None:
            continue
        for name, values in pending_values(extra, side).items():
            current = now[side].get(name)
            landed = next((v for v in values if same(name, current, v)), _MISSING)
            if landed is _MISSING or same(name, current, snapshot.get(name)):
                continue  # never written, or written back to what the snapshot holds
            base[name] = current
            if other is not None:
                other[name] = landed
    return dict(bases)


_MISSING = object()


@dataclass(frozen=True)
class Update:
    """Write ``fields`` (canonical names) of the record on ``side``."""

    side: Side
    fields: tuple[str, ...]
    #: What the row says beyond the field names ("rows", "lines"), for the dry run.
    detail: str = ""
    #: The values being written (canonical, JSON-safe), remembered on the link until
    #: the write is recorded: a write whose answer was lost reads back as ours.
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Create:
    """Create the record on ``side`` (one that mirrors the other side's)."""

    side: Side
    #: What the row says beyond the side ("as a Fortnox order"), for the dry run.
    detail: str = ""


@dataclass(frozen=True)
class Adopt:
    """Link a record to the one on the other side that matches it, or that an
    interrupted run made (no create)."""

    webcrm_id: str
    fortnox_id: str
    reason: str = ""
    #: The Fortnox record's kind where the id alone does not say it ("order").
    fortnox_kind: str = ""


@dataclass(frozen=True)
class Remove:
    """Take the record off ``side`` (only what we own there, e.g. a catalogue item)."""

    side: Side
    reason: str


@dataclass(frozen=True)
class Pause:
    """Keep the link but sync nothing either way, with the reason shown to the admin."""

    reason: str


@dataclass(frozen=True)
class Resume:
    """Sync a paused link again (its reason to pause is gone)."""


@dataclass(frozen=True)
class Remember:
    """Keep facts on the link (a Fortnox invoice number learnt from an event)."""

    extra: Mapping[str, Any]


@dataclass(frozen=True)
class Fail:
    """``side`` cannot take its part (a booked invoice): the rest of the plan is
    carried out, then the record goes to the error inbox with ``reason``. ``retry``
    is ``"always"`` (every cycle) or ``"on_change"`` (after someone edits it)."""

    side: Side
    reason: str
    retry: str = "always"


Op = Update | Create | Adopt | Remove | Pause | Resume | Remember | Fail


@dataclass(frozen=True)
class Plan:
    """One record pair's operations, in the order they are carried out."""

    kind: str
    #: The pair as a person reads it: "Acme AB (webCRM 12)".
    ident: str
    ops: tuple[Op, ...] = ()
    #: Fields both sides changed differently: recorded, and the loser overwritten.
    conflicts: tuple[FieldConflict, ...] = field(default=())
    #: Said once in the run's report (e.g. a number that cannot change in Fortnox).
    warnings: tuple[str, ...] = ()
    #: The record's inbox keys beyond the link's own ids, as (source, id): settled
    #: when the plan is (a delivery's Fortnox document is ``order-12``).
    inbox: tuple[tuple[str, str], ...] = ()

    @property
    def writes(self) -> tuple[Update | Create | Remove, ...]:
        return tuple(op for op in self.ops if isinstance(op, Update | Create | Remove))

    def then(self, *ops: Op) -> Plan:
        return Plan(
            self.kind, self.ident, (*self.ops, *ops), self.conflicts, self.warnings, self.inbox
        )

    def rows(self) -> list[PlannedOp]:
        """The plan as the dry run lists it: one row per operation and conflict."""
        rows: list[PlannedOp] = []
        for op in self.ops:
            if isinstance(op, Update):
                detail = ", ".join([*op.fields, *([op.detail] if op.detail else [])])
                rows.append(PlannedOp(self.kind, "update", op.side, self.ident, detail))
            elif isinstance(op, Create):
                rows.append(PlannedOp(self.kind, "create", op.side, self.ident, op.detail))
            elif isinstance(op, Adopt):
                fortnox = " ".join(filter(None, ("Fortnox", op.fortnox_kind, op.fortnox_id)))
                pair = f"webCRM {op.webcrm_id} ⇄ {fortnox}" + (
                    f": {op.reason}" if op.reason else ""
                )
                rows.append(PlannedOp(self.kind, "link", "-", self.ident, pair))
            elif isinstance(op, Remove):
                rows.append(PlannedOp(self.kind, "remove", op.side, self.ident, op.reason))
            elif isinstance(op, Pause):
                rows.append(PlannedOp(self.kind, "pause", "-", self.ident, op.reason))
            elif isinstance(op, Fail):
                rows.append(PlannedOp(self.kind, "fail", op.side, self.ident, op.reason))
        for conflict in self.conflicts:
            rows.append(
                PlannedOp(
                    self.kind,
                    "conflict",
                    conflict.winner,
                    self.ident,
                    f"{conflict.field}: webCRM {conflict.webcrm!r} vs Fortnox {conflict.fortnox!r}",
                )
            )
        return rows
