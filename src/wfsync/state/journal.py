"""What happened: run history, recorded conflicts and the error inbox.

These are the parts of the state store that people look at (``wfsync status``,
``wfsync conflicts``, the dashboard). The engine writes them; an admin
acknowledges conflicts and skips or reopens failures.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from wfsync.state.console import history_row, source_ids
from wfsync.state.models import ConflictRow, FailureRow, RunRow
from wfsync.state.records import (
    RUN_STATUSES,
    SIDES,
    Conflict,
    Failure,
    InboxStateError,
    RunRecord,
    require,
)
from wfsync.state.unitofwork import UnitOfWork, get_row

__all__ = ["Journal"]

_FINISHED = RUN_STATUSES - {"running"}


class Journal(UnitOfWork):
    """Runs, conflicts and failures (mixed into :class:`~wfsync.state.StateStore`)."""

    # ---- runs -------------------------------------------------------------

    def start_run(self, direction: str) -> RunRecord:
        with self._write() as session:
            row = RunRow(
                direction=direction,
                started_at=self._clock.now(),
                status="running",
                counts={},
                worker=self.worker,
            )
            session.add(row)
            session.flush()
            return _run(row)

    def finish_run(
        self, run_id: int, status: str, counts: dict[str, int], error: str | None = None
    ) -> RunRecord:
        require(status, _FINISHED, "run status")
        with self._write() as session:
            row = get_row(session, RunRow, run_id)
            row.status = status
            row.counts = dict(counts)
            row.error = error
            row.finished_at = self._clock.now()
            session.flush()
            return _run(row)

    def last_runs(self, limit: int = 20) -> list[RunRecord]:
        """Newest first."""
        stmt = sa.select(RunRow).order_by(RunRow.started_at.desc(), RunRow.id.desc())
        with self._read() as session:
            return [_run(row) for row in session.scalars(stmt.limit(limit))]

    def last_run(self, direction: str, *, status: str | None = None) -> RunRecord | None:
        """The newest run in ``direction`` (optionally only those with ``status``)."""
        stmt = sa.select(RunRow).where(RunRow.direction == direction)
        if status is not None:
            stmt = stmt.where(RunRow.status == status)
        stmt = stmt.order_by(RunRow.started_at.desc(), RunRow.id.desc()).limit(1)
        with self._read() as session:
            row = session.scalar(stmt)
            return _run(row) if row is not None else None

    def mark_interrupted_runs(self) -> int:
        """Close runs left "running" by a process that died; returns how many.

        Call only while holding the writer lease (:mod:`wfsync.state.lease`):
        every run is started under it, so then no run can really still be going.
        """
        stmt = (
            sa.update(RunRow)
            .where(RunRow.status == "running")
            .values(
                status="interrupted",
                finished_at=self._clock.now(),
                error="the process ended before the run finished",
            )
        )
        with self._write() as session:
            return cast(sa.CursorResult[Any], session.execute(stmt)).rowcount

    def prune_runs(self, before: datetime) -> int:
        """Forget finished runs that started before ``before``; returns how many.

        Every event of ``wfsync run`` records a run, so without this the table
        grows by thousands of rows a day. The newest run of each direction is
        always kept (``status`` shows it however old it is)."""
        newest = sa.select(sa.func.max(RunRow.id)).group_by(RunRow.direction)
        stmt = sa.delete(RunRow).where(
            RunRow.started_at < before,
            RunRow.status != "running",
            RunRow.id.not_in(newest.scalar_subquery()),
        )
        with self._write() as session:
            return cast(sa.CursorResult[Any], session.execute(stmt)).rowcount

    # ---- conflicts --------------------------------------------------------

    def record_conflict(
        self,
        *,
        kind: str,
        field: str,
        webcrm_value: Any,
        fortnox_value: Any,
        winner: str,
        resolved_value: Any,
        rule: str,
        base_value: Any = None,
        link_id: int | None = None,
        webcrm_id: str | None = None,
        fortnox_id: str | None = None,
    ) -> Conflict:
        """Record a same-field edit on both sides and how ``rule`` settled it."""
        require(winner, SIDES, "conflict winner")
        with self._write() as session:
            row = ConflictRow(
                kind=kind,
                link_id=link_id,
                webcrm_id=webcrm_id,
                fortnox_id=fortnox_id,
                field=field,
                base_value=base_value,
                webcrm_value=webcrm_value,
                fortnox_value=fortnox_value,
                winner=winner,
                resolved_value=resolved_value,
                rule=rule,
                created_at=self._clock.now(),
                acknowledged=False,
            )
            session.add(row)
            session.add(
                history_row(
                    kind,
                    "conflict",
                    f"{field}: webCRM {webcrm_value!r} vs Fortnox {fortnox_value!r}; "
                    f"kept {winner}'s {resolved_value!r} ({rule})",
                    row.created_at,
                    webcrm_id=webcrm_id,
                    fortnox_id=fortnox_id,
                )
            )
            session.flush()
            session.refresh(row)  # values read back as stored JSON (Decimal -> str)
            return _conflict(row)

    def conflicts(
        self, *, include_acknowledged: bool = False, link_id: int | None = None
    ) -> list[Conflict]:
        """Newest first; with ``link_id``, only that link's."""
        stmt = sa.select(ConflictRow).order_by(ConflictRow.created_at.desc(), ConflictRow.id.desc())
        if link_id is not None:
            stmt = stmt.where(ConflictRow.link_id == link_id)
        if not include_acknowledged:
            stmt = stmt.where(ConflictRow.acknowledged.is_(False))
        with self._read() as session:
            return [_conflict(row) for row in session.scalars(stmt)]

    def acknowledge_conflict(self, conflict_id: int) -> None:
        with self._write() as session:
            get_row(session, ConflictRow, conflict_id).acknowledged = True

    # ---- error inbox ------------------------------------------------------

    def record_failure(
        self,
        kind: str,
        source: str,
        source_id: str,
        operation: str,
        message: str,
        code: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> Failure:
        """Put a record in the error inbox, or count one more attempt if it is there.

        A failure an admin skipped stays skipped: its attempts and message are
        updated, but it does not come back as open.
        """
        require(source, SIDES, "failure source")
        now = self._clock.now()
        key = (
            (FailureRow.kind == kind)
            & (FailureRow.source == source)
            & (FailureRow.source_id == source_id)
            & (FailureRow.operation == operation)
        )
        current = (
            sa.select(FailureRow)
            .where(key, FailureRow.status.in_(("open", "skipped")))
            .order_by((FailureRow.status == "open").desc(), FailureRow.id.desc())
            .limit(1)
        )
        with self._write() as session:
            row = session.scalar(current)
            if row is None:
                try:
                    with session.begin_nested():
                        row = FailureRow(
                            kind=kind,
                            source=source,
                            source_id=source_id,
                            operation=operation,
                            message=message,
                            code=code,
                            attempts=1,
                            first_seen=now,
                            last_seen=now,
                            status="open",
                            detail=dict(detail or {}),
                        )
                        session.add(row)
                        session.add(
                            history_row(
                                kind,
                                "failed",
                                f"{operation} failed: {message}",
                                now,
                                **source_ids(source, source_id),
                            )
                        )
                        session.flush()
                    return _failure(row)
                except IntegrityError:  # another process opened it just now
                    row = session.scalars(current).one()
            row.attempts += 1
            row.message = message
            row.code = code
            row.detail = dict(detail or {})
            row.last_seen = now
            session.flush()
            return _failure(row)

    def resolve_failures(self, kind: str, source: str, source_id: str) -> int:
        """The record synced: close its open failures. Returns how many."""
        stmt = (
            sa.update(FailureRow)
            .where(
                FailureRow.kind == kind,
                FailureRow.source == source,
                FailureRow.source_id == source_id,
                FailureRow.status == "open",
            )
            .values(status="resolved", last_seen=self._clock.now())
        )
        with self._write() as session:
            count = cast(sa.CursorResult[Any], session.execute(stmt)).rowcount
            if count:
                ids = source_ids(source, source_id)
                session.add(history_row(kind, "resolved", "synced again", self._clock.now(), **ids))
            return count

    def wake_failure(self, failure_id: int, why: str) -> None:
        """An open entry that waits for an edit may be settled by a change elsewhere
        (the other system's duplicate was merged): forget the content it waits on,
        so its next cycle tries it again. Its message stays until that try."""
        with self._write() as session:
            row = get_row(session, FailureRow, failure_id)
            if row.status != "open":
                return
            detail = dict(row.detail or {})
            detail["fingerprint"] = None
            detail["woken_by"] = why
            row.detail = detail

    def failures(self, status: str | None = "open") -> list[Failure]:
        """Inbox rows with ``status`` (all when None), most recently seen first."""
        stmt = sa.select(FailureRow).order_by(FailureRow.last_seen.desc(), FailureRow.id.desc())
        if status is not None:
            stmt = stmt.where(FailureRow.status == status)
        with self._read() as session:
            return [_failure(row) for row in session.scalars(stmt)]

    def skip_failure(self, failure_id: int) -> Failure:
        """An admin gave up on this record *as it is now*: the engine stops retrying it.

        Only an open entry can be skipped. The skip holds while the record keeps
        the content it had when it failed (``detail.fingerprint``); once someone
        edits it, it is synced again (see :meth:`skipped_fingerprints`).
        """
        with self._write() as session:
            row = get_row(session, FailureRow, failure_id)
            if row.status != "open":
                raise InboxStateError(
                    f"error-inbox entry {failure_id} is {row.status}, not open: only an open "
                    "entry can be skipped (`wfsync status` lists them)"
                )
            row.status = "skipped"
            row.last_seen = self._clock.now()
            session.flush()
            return _failure(row)

    def unskip_failure(self, failure_id: int) -> Failure:
        """Undo a skip: the entry is open again and the next cycle retries the record."""
        with self._write() as session:
            row = get_row(session, FailureRow, failure_id)
            if row.status != "skipped":
                raise InboxStateError(
                    f"error-inbox entry {failure_id} is {row.status}, not skipped: nothing to undo"
                )
            row.status = "open"
            row.last_seen = self._clock.now()
            session.flush()
            return _failure(row)

    def reopen_failure(self, failure_id: int) -> None:
        """Undo a skip if there is one (``wfsync retry``); anything else stays as it is."""
        with self._write() as session:
            row = get_row(session, FailureRow, failure_id)
            if row.status == "skipped":
                row.status = "open"

    def skipped_fingerprints(self) -> dict[tuple[str, str, str], tuple[int, str | None]]:
        """Every skipped record: (kind, source, id) → (entry id, content hash at the skip).

        Loaded once per run (one query, not one per record). A ``None`` hash means
        the failure carried none: the skip then holds until ``wfsync unskip``.
        """
        stmt = sa.select(FailureRow).where(FailureRow.status == "skipped")
        with self._read() as session:
            return {
                (row.kind, row.source, row.source_id): (
                    row.id,
                    (row.detail or {}).get("fingerprint"),
                )
                for row in session.scalars(stmt)
            }

    def is_skipped(self, kind: str, source: str, source_id: str) -> bool:
        stmt = sa.select(
            sa.exists().where(
                FailureRow.kind == kind,
                FailureRow.source == source,
                FailureRow.source_id == source_id,
                FailureRow.status == "skipped",
            )
        )
        with self._read() as session:
            return bool(session.scalar(stmt))


def _run(row: RunRow) -> RunRecord:
    return RunRecord(
        id=row.id,
        direction=row.direction,
        started_at=row.started_at,
        finished_at=row.finished_at,
        status=row.status,
        counts={str(k): int(v) for k, v in row.counts.items()},
        error=row.error,
        worker=row.worker,
    )


def _conflict(row: ConflictRow) -> Conflict:
    return Conflict(
        id=row.id,
        kind=row.kind,
        link_id=row.link_id,
        webcrm_id=row.webcrm_id,
        fortnox_id=row.fortnox_id,
        field=row.field,
        base_value=row.base_value,
        webcrm_value=row.webcrm_value,
        fortnox_value=row.fortnox_value,
        winner=row.winner,
        resolved_value=row.resolved_value,
        rule=row.rule,
        created_at=row.created_at,
        acknowledged=row.acknowledged,
    )


def _failure(row: FailureRow) -> Failure:
    return Failure(
        id=row.id,
        kind=row.kind,
        source=row.source,
        source_id=row.source_id,
        operation=row.operation,
        message=row.message,
        code=row.code,
        attempts=row.attempts,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        status=row.status,
        detail=dict(row.detail),
    )
