"""What the operator's console shares with the runner through the state store.

The console (`wfsync serve`) is usually another process than `wfsync run`, so
everything they must agree on lives in the database:

* **values**: small named facts — the console password hash, the runner's
  heartbeat, paused directions, alerts already sent;
* **requests**: an admin's "retry now" or "apply the other value", done by
  whichever process may write (the runner between cycles, or the console
  itself when no runner is up);
* **history**: what wfsync did to each record, kept at least a month, for the
  console's per-record log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa

from wfsync.state.models import ConsoleRequestRow, ConsoleValueRow, HistoryRow, TokenRow
from wfsync.state.records import require
from wfsync.state.unitofwork import UnitOfWork, get_row

__all__ = ["REQUEST_ACTIONS", "ConsoleJournal", "ConsoleRequest", "HistoryEntry"]

#: retry: one inbox entry now; override: a conflict's losing value, written next cycle.
REQUEST_ACTIONS: Final = frozenset({"retry", "override"})
REQUEST_STATUSES: Final = frozenset({"pending", "done", "failed", "superseded"})


@dataclass(frozen=True, kw_only=True)
class ConsoleRequest:
    id: int
    action: str
    target_id: int | None
    status: str
    result: str | None
    created_at: datetime
    done_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class HistoryEntry:
    id: int
    kind: str
    webcrm_id: str | None
    fortnox_id: str | None
    action: str
    detail: str
    at: datetime


class ConsoleJournal(UnitOfWork):
    """Values, requests and record history (mixed into :class:`~wfsync.state.StateStore`)."""

    # ---- values ---------------------------------------------------------------

    def get_value(self, key: str) -> Any:
        with self._read() as session:
            row = session.get(ConsoleValueRow, key)
            return row.value if row is not None else None

    def value_updated_at(self, key: str) -> datetime | None:
        with self._read() as session:
            row = session.get(ConsoleValueRow, key)
            return row.updated_at if row is not None else None

    def set_value(self, key: str, value: Any) -> None:
        with self._write() as session:
            row = session.get(ConsoleValueRow, key)
            if row is None:
                session.add(ConsoleValueRow(key=key, value=value, updated_at=self._clock.now()))
            else:
                row.value = value
                row.updated_at = self._clock.now()

    def delete_value(self, key: str) -> bool:
        with self._write() as session:
            row = session.get(ConsoleValueRow, key)
            if row is None:
                return False
            session.delete(row)
            return True

    def values(self, prefix: str) -> dict[str, Any]:
        """Every value whose key starts with ``prefix``."""
        stmt = sa.select(ConsoleValueRow).where(ConsoleValueRow.key.startswith(prefix))
        with self._read() as session:
            return {row.key: row.value for row in session.scalars(stmt)}

    def token_times(self, name: str = "fortnox") -> tuple[datetime, datetime | None] | None:
        """When the stored tokens were last renewed and when the refresh token expires
        (never the tokens themselves: the console shows age and expiry only)."""
        with self._read() as session:
            row = session.get(TokenRow, name)
            return (row.updated_at, row.refresh_expires_at) if row is not None else None

    # ---- requests -------------------------------------------------------------

    def add_request(self, action: str, target_id: int | None) -> ConsoleRequest:
        """Queue an admin's request; a pending duplicate is returned instead of a second one."""
        require(action, REQUEST_ACTIONS, "console request")
        same = sa.select(ConsoleRequestRow).where(
            ConsoleRequestRow.action == action,
            ConsoleRequestRow.target_id == target_id,
            ConsoleRequestRow.status == "pending",
        )
        with self._write() as session:
            row = session.scalar(same)
            if row is None:
                row = ConsoleRequestRow(
                    action=action,
                    target_id=target_id,
                    status="pending",
                    created_at=self._clock.now(),
                )
                session.add(row)
                session.flush()
            return _request(row)

    def pending_requests(self, action: str | None = None) -> list[ConsoleRequest]:
        """Oldest first."""
        stmt = sa.select(ConsoleRequestRow).where(ConsoleRequestRow.status == "pending")
        if action is not None:
            stmt = stmt.where(ConsoleRequestRow.action == action)
        with self._read() as session:
            return [_request(row) for row in session.scalars(stmt.order_by(ConsoleRequestRow.id))]

    def finish_request(self, request_id: int, status: str, result: str | None = None) -> None:
        require(status, REQUEST_STATUSES - {"pending"}, "request status")
        with self._write() as session:
            row = get_row(session, ConsoleRequestRow, request_id)
            row.status = status
            row.result = result
            row.done_at = self._clock.now()

    def requests_for(self, action: str, target_id: int) -> list[ConsoleRequest]:
        """Every request about one target, newest first."""
        stmt = (
            sa.select(ConsoleRequestRow)
            .where(ConsoleRequestRow.action == action, ConsoleRequestRow.target_id == target_id)
            .order_by(ConsoleRequestRow.id.desc())
        )
        with self._read() as session:
            return [_request(row) for row in session.scalars(stmt)]

    # ---- history --------------------------------------------------------------

    def add_history(
        self,
        kind: str,
        action: str,
        detail: str,
        *,
        webcrm_id: str | None = None,
        fortnox_id: str | None = None,
    ) -> None:
        with self._write() as session:
            session.add(
                HistoryRow(
                    kind=kind,
                    webcrm_id=webcrm_id,
                    fortnox_id=fortnox_id,
                    action=action,
                    detail=detail,
                    at=self._clock.now(),
                )
            )

    def history(
        self, kind: str, *, webcrm_id: str | None = None, fortnox_id: str | None = None
    ) -> list[HistoryEntry]:
        """Entries naming either id of the record, newest first."""
        which = []
        if webcrm_id is not None:
            which.append(HistoryRow.webcrm_id == webcrm_id)
        if fortnox_id is not None:
            which.append(HistoryRow.fortnox_id == fortnox_id)
        if not which:
            return []
        stmt = (
            sa.select(HistoryRow)
            .where(HistoryRow.kind == kind, sa.or_(*which))
            .order_by(HistoryRow.at.desc(), HistoryRow.id.desc())
        )
        with self._read() as session:
            return [_history(row) for row in session.scalars(stmt)]

    def prune_history(self, before: datetime) -> int:
        """Forget entries older than ``before``; returns how many."""
        stmt = sa.delete(HistoryRow).where(HistoryRow.at < before)
        with self._write() as session:
            return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def _request(row: ConsoleRequestRow) -> ConsoleRequest:
    return ConsoleRequest(
        id=row.id,
        action=row.action,
        target_id=row.target_id,
        status=row.status,
        result=row.result,
        created_at=row.created_at,
        done_at=row.done_at,
    )


def _history(row: HistoryRow) -> HistoryEntry:
    return HistoryEntry(
        id=row.id,
        kind=row.kind,
        webcrm_id=row.webcrm_id,
        fortnox_id=row.fortnox_id,
        action=row.action,
        detail=row.detail,
        at=row.at,
    )


def history_row(
    kind: str,
    action: str,
    detail: str,
    at: datetime,
    *,
    webcrm_id: str | None = None,
    fortnox_id: str | None = None,
) -> HistoryRow:
    """A history entry to add in the caller's session (so it commits with the change)."""
    return HistoryRow(
        kind=kind, webcrm_id=webcrm_id, fortnox_id=fortnox_id, action=action, detail=detail, at=at
    )


def source_ids(source: str, source_id: str) -> dict[str, str | None]:
    """``webcrm_id``/``fortnox_id`` keywords for a record named by its source system."""
    if source == "webcrm":
        return {"webcrm_id": source_id, "fortnox_id": None}
    return {"webcrm_id": None, "fortnox_id": source_id}


def describe_link_change(
    old: dict[str, Any] | None, new: dict[str, Any] | None, label: str
) -> str | None:
    """Which fields of one side's snapshot a save changed, in words (None: none)."""
    if new is None or old == new:
        return None
    before = old or {}
    changed = sorted(k for k in new if before.get(k) != new.get(k))
    if not changed:
        return None
    shown = ", ".join(f"{k} → {new.get(k)!r}" for k in changed[:8])
    more = f" (+{len(changed) - 8} more)" if len(changed) > 8 else ""
    return f"{label}: {shown}{more}"
