"""The plain records the state store hands out, and the errors it raises.

Callers (the sync engine, the CLI, the dashboard) work with these dataclasses,
never with ORM rows, so no session or lazy loading leaks out of
:mod:`wfsync.state` and a record stays valid after its transaction has ended.
All datetimes are aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from wfsync.http.errors import WfsyncError

__all__ = [
    "FAILURE_STATUSES",
    "FORTNOX_TYPES",
    "LINK_KINDS",
    "LINK_STATES",
    "RUN_STATUSES",
    "SIDES",
    "AmbiguousLinkError",
    "Conflict",
    "Failure",
    "InboxStateError",
    "Intent",
    "Link",
    "LinkClashError",
    "RecordNotFoundError",
    "RunRecord",
    "StateError",
]

LINK_KINDS: Final = frozenset({"customer", "article", "delivery"})
LINK_STATES: Final = frozenset({"active", "paused"})
#: What a delivery's Fortnox side is (each has its own number series).
FORTNOX_TYPES: Final = frozenset({"order", "invoice"})
#: The two systems; used for intent targets, failure sources and conflict winners.
SIDES: Final = frozenset({"webcrm", "fortnox"})
RUN_STATUSES: Final = frozenset({"running", "ok", "failed", "interrupted"})
FAILURE_STATUSES: Final = frozenset({"open", "skipped", "resolved"})


class StateError(WfsyncError):
    """The state database cannot be opened, migrated or used as asked."""

    fatal_for_run = True


class RecordNotFoundError(StateError, LookupError):
    """An id given to the store names no row (a bug in the caller, not the data)."""

    fatal_for_run = False


class InboxStateError(StateError, ValueError):
    """An inbox action that does not fit the entry's state (skip a resolved entry)."""

    fatal_for_run = False


class AmbiguousLinkError(StateError, LookupError):
    """A lookup by Fortnox number matched an order link and an invoice link."""

    fatal_for_run = False


class LinkClashError(StateError, ValueError):
    """Saving a link would give one vendor record two links.

    Raised instead of the database's IntegrityError so the engine can put the
    record in the error inbox with a message a person understands.
    """

    fatal_for_run = False


@dataclass(kw_only=True)
class Link:
    """One synced pair: a webCRM record and its Fortnox counterpart.

    ``webcrm_snapshot`` / ``fortnox_snapshot`` are the canonical record of each
    side as it looked right after the last sync (JSON values); the three-way merge
    compares each side with its own snapshot. Mutable on purpose: the engine
    updates a link and hands it back to :meth:`StateStore.save_link`.
    """

    id: int | None = None
    kind: str
    webcrm_id: str | None = None
    fortnox_id: str | None = None
    #: ``"order"`` or ``"invoice"`` for deliveries (separate number series in Fortnox).
    fortnox_type: str | None = None
    webcrm_snapshot: dict[str, Any] | None = None
    fortnox_snapshot: dict[str, Any] | None = None
    webcrm_hash: str | None = None
    fortnox_hash: str | None = None
    state: str = "active"
    #: Why the link is paused (shown to the admin).
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    last_synced_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class Intent:
    """A create we are about to send (or have sent) but not yet linked."""

    id: int
    kind: str
    #: The system the record is being created in.
    target: str
    #: Id of the record in the other system, the one being copied.
    source_id: str
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class RunRecord:
    """One sync run, as listed by ``wfsync status``."""

    id: int
    direction: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    counts: dict[str, int]
    error: str | None
    worker: str | None = None


@dataclass(frozen=True, kw_only=True)
class Conflict:
    """A field both sides changed to different values, and how it was settled."""

    id: int
    kind: str
    link_id: int | None
    webcrm_id: str | None
    fortnox_id: str | None
    field: str
    base_value: Any
    webcrm_value: Any
    fortnox_value: Any
    winner: str
    resolved_value: Any
    rule: str
    created_at: datetime
    acknowledged: bool


@dataclass(frozen=True, kw_only=True)
class Failure:
    """One entry of the error inbox: a record that could not be synced."""

    id: int
    kind: str
    source: str
    source_id: str
    operation: str
    message: str
    code: int | None
    attempts: int
    first_seen: datetime
    last_seen: datetime
    status: str
    detail: dict[str, Any]


def require(value: str, allowed: frozenset[str], what: str) -> str:
    """Reject a value outside its closed set early, naming the allowed ones."""
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; expected one of {sorted(allowed)}")
    return value
