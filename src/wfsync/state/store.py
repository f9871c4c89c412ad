"""The state store: what wfsync remembers between cycles.

:class:`StateStore` is the one object the sync engine, CLI and dashboard use.
It holds links (which webCRM record is which Fortnox record, and how each side
looked after the last sync), intents (creates in flight, for crash safety),
cursors, and — through :class:`~wfsync.state.journal.Journal` — run history,
conflicts and the error inbox. See docs/state.md for the tables and the
transaction rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wfsync.clock import Clock, SystemClock
from wfsync.state.console import ConsoleJournal, describe_link_change, history_row
from wfsync.state.db import create_state_engine, upgrade_to_head
from wfsync.state.journal import Journal
from wfsync.state.models import CursorRow, IntentRow, LinkRow
from wfsync.state.records import (
    FORTNOX_TYPES,
    LINK_KINDS,
    LINK_STATES,
    SIDES,
    AmbiguousLinkError,
    Intent,
    Link,
    LinkClashError,
    StateError,
    require,
)
from wfsync.state.unitofwork import get_row

__all__ = ["LinkHead", "StateStore"]


class LinkHead(NamedTuple):
    """What a feed needs to know of a link to pass over an unchanged record."""

    state: str
    webcrm_hash: str | None
    fortnox_hash: str | None


class StateStore(Journal, ConsoleJournal):
    """Links, intents, cursors, runs, conflicts and failures in one database."""

    @classmethod
    def open(
        cls, url: str, *, clock: Clock | None = None, pool_size: int | None = None
    ) -> StateStore:
        """Connect to ``url`` and bring its schema up to date (creating it if new)."""
        engine = create_state_engine(url, pool_size=pool_size)
        try:
            upgrade_to_head(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, clock=clock or SystemClock())

    def __enter__(self) -> StateStore:
        return self

    # ---- links ------------------------------------------------------------

    def get_link(
        self,
        kind: str,
        *,
        webcrm_id: str | None = None,
        fortnox_id: str | None = None,
        fortnox_type: str | None = None,
    ) -> Link | None:
        """The link holding this webCRM id and/or Fortnox id, or None.

        Fortnox numbers orders and invoices separately, so for deliveries pass
        ``fortnox_type`` when looking up by Fortnox number; without it, a number
        linked both as an order and as an invoice raises :class:`AmbiguousLinkError`.
        """
        if webcrm_id is None and fortnox_id is None:
            raise ValueError("get_link needs webcrm_id or fortnox_id")
        stmt = sa.select(LinkRow).where(LinkRow.kind == kind)
        if webcrm_id is not None:
            stmt = stmt.where(LinkRow.webcrm_id == webcrm_id)
        if fortnox_id is not None:
            stmt = stmt.where(LinkRow.fortnox_id == fortnox_id)
            if fortnox_type is not None:
                stmt = stmt.where(LinkRow.fortnox_type == fortnox_type)
        with self._read() as session:
            rows = session.scalars(stmt.order_by(LinkRow.id).limit(2)).all()
            if len(rows) > 1:
                raise AmbiguousLinkError(
                    f"Fortnox {kind} {fortnox_id} is linked as both "
                    f"{rows[0].fortnox_type} and {rows[1].fortnox_type}; pass fortnox_type"
                )
            return _link(rows[0]) if rows else None

    def links_by_ids(self, kind: str, side: str, ids: Iterable[str]) -> dict[str, Link]:
        """The links of ``kind`` holding these ``side`` ids (``"webcrm"`` | ``"fortnox"``),
        by that id, in one query per 500 ids: what a feed page needs, loaded at once
        instead of one lookup per record. For deliveries by Fortnox number the key
        is ambiguous (orders and invoices): use :meth:`get_link` there."""
        require(side, SIDES, "link side")
        column = LinkRow.webcrm_id if side == "webcrm" else LinkRow.fortnox_id
        wanted = sorted(set(ids))
        found: dict[str, Link] = {}
        with self._read() as session:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                stmt = sa.select(LinkRow).where(LinkRow.kind == kind, column.in_(chunk))
                for row in session.scalars(stmt):
                    link = _link(row)
                    key = link.webcrm_id if side == "webcrm" else link.fortnox_id
                    found[key or ""] = link
        return found

    def link_heads(self, kind: str, side: str, ids: Iterable[str]) -> dict[str, LinkHead]:
        """State and hashes of the links holding these ``side`` ids, by that id: all a
        feed needs to pass over an unchanged record, without decoding snapshots.
        One query per 500 ids."""
        require(side, SIDES, "link side")
        column = LinkRow.webcrm_id if side == "webcrm" else LinkRow.fortnox_id
        wanted = sorted(set(ids))
        found: dict[str, LinkHead] = {}
        columns = (column, LinkRow.state, LinkRow.webcrm_hash, LinkRow.fortnox_hash)
        with self._read() as session:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                stmt = sa.select(*columns).where(LinkRow.kind == kind, column.in_(chunk))
                for key, state, webcrm_hash, fortnox_hash in session.execute(stmt):
                    found[key or ""] = LinkHead(state, webcrm_hash, fortnox_hash)
        return found

    def links(self, kind: str, *, state: str | None = None) -> list[Link]:
        """All links of ``kind`` (optionally only those in ``state``), oldest first."""
        stmt = sa.select(LinkRow).where(LinkRow.kind == kind).order_by(LinkRow.id)
        if state is not None:
            stmt = stmt.where(LinkRow.state == state)
        with self._read() as session:
            return [_link(row) for row in session.scalars(stmt)]

    def save_link(self, link: Link) -> Link:
        """Insert (``id`` None) or update a link; returns the stored link.

        The argument is not modified. A vendor id already linked elsewhere raises
        :class:`LinkClashError`; an open transaction stays usable after that.
        """
        require(link.kind, LINK_KINDS, "link kind")
        require(link.state, LINK_STATES, "link state")
        if link.fortnox_type is not None:
            require(link.fortnox_type, FORTNOX_TYPES, "Fortnox document type")
        now = self._clock.now()
        with self._write() as session:
            try:
                with session.begin_nested():
                    if link.id is None:
                        row = LinkRow(created_at=now)
                        session.add(row)
                        before = None
                    else:
                        row = get_row(session, LinkRow, link.id)
                        before = (row.webcrm_snapshot, row.fortnox_snapshot, row.state)
                    _fill(row, link, now)
                    session.flush()
                    _log_link(session, link, before, now)
            except IntegrityError as exc:
                raise LinkClashError(_clash_message(session, link)) from exc
            session.refresh(row)  # hand back what is stored (JSON-normalised values)
            return _link(row)

    def delete_link(self, link_id: int) -> None:
        """Forget a pair. Conflicts recorded for it keep their ids, lose the link."""
        with self._write() as session:
            session.delete(get_row(session, LinkRow, link_id))

    # ---- intents ----------------------------------------------------------

    def begin_intent(
        self, kind: str, target: str, source_id: str, payload: dict[str, Any]
    ) -> Intent:
        """Record that we are about to create ``source_id``'s copy in ``target``.

        Call before the vendor create; it commits at once, so it refuses to run
        inside :meth:`transaction` (a rollback there would lose the intent).
        If an open intent exists for the same record it is returned unchanged:
        an earlier attempt may have reached the vendor, so look there first.
        """
        require(kind, LINK_KINDS, "intent kind")
        require(target, SIDES, "intent target")
        if self._joined() is not None:
            raise StateError(
                "begin_intent must be called outside store.transaction(): the intent has "
                "to be committed before the create is sent"
            )
        existing = sa.select(IntentRow).where(
            IntentRow.kind == kind, IntentRow.target == target, IntentRow.source_id == source_id
        )
        with self._write() as session:
            row = session.scalar(existing)
            if row is not None:
                return _intent(row)
            try:
                with session.begin_nested():
                    row = IntentRow(
                        kind=kind,
                        target=target,
                        source_id=source_id,
                        payload=dict(payload),
                        created_at=self._clock.now(),
                    )
                    session.add(row)
                    session.flush()
            except IntegrityError:  # another process recorded it first
                return _intent(session.scalars(existing).one())
            session.refresh(row)
            return _intent(row)

    def open_intents(self, kind: str | None = None) -> list[Intent]:
        """Creates that were started but never finished, oldest first."""
        stmt = sa.select(IntentRow).order_by(IntentRow.id)
        if kind is not None:
            stmt = stmt.where(IntentRow.kind == kind)
        with self._read() as session:
            return [_intent(row) for row in session.scalars(stmt)]

    def finish_intent(self, intent_id: int) -> None:
        """The create is linked: call in the same transaction that saves the link."""
        with self._write() as session:
            session.delete(get_row(session, IntentRow, intent_id))

    # ---- cursors ----------------------------------------------------------

    def get_cursor(self, source: str, entity: str, *, version: int | None = None) -> str | None:
        """The stored cursor, or None if there is none.

        With ``version``, a cursor stored in another format version also reads
        as None, so a changed cursor format starts over instead of misreading.
        """
        with self._read() as session:
            row = session.get(CursorRow, (source, entity))
            if row is None or (version is not None and row.version != version):
                return None
            return row.value

    def get_cursor_version(self, source: str, entity: str) -> int | None:
        with self._read() as session:
            row = session.get(CursorRow, (source, entity))
            return row.version if row is not None else None

    def set_cursor(self, source: str, entity: str, value: str, *, version: int = 1) -> None:
        values = {"value": value, "version": version, "updated_at": self._clock.now()}
        with self._write() as session:
            stmt = _insert(self.backend, CursorRow).values(source=source, entity=entity, **values)
            session.execute(
                stmt.on_conflict_do_update(index_elements=["source", "entity"], set_=values)
            )


def _insert(backend: str, model: type[CursorRow]) -> postgresql.Insert | sqlite.Insert:
    """INSERT with ON CONFLICT support; both backends spell the upsert the same way."""
    return postgresql.insert(model) if backend == "postgresql" else sqlite.insert(model)


def _fill(row: LinkRow, link: Link, now: datetime) -> None:
    row.kind = link.kind
    row.webcrm_id = link.webcrm_id
    row.fortnox_id = link.fortnox_id
    row.fortnox_type = link.fortnox_type
    row.webcrm_snapshot = link.webcrm_snapshot
    row.fortnox_snapshot = link.fortnox_snapshot
    row.webcrm_hash = link.webcrm_hash
    row.fortnox_hash = link.fortnox_hash
    row.state = link.state
    row.note = link.note
    row.extra = dict(link.extra)
    row.last_synced_at = link.last_synced_at
    row.updated_at = now


def _log_link(
    session: Session,
    link: Link,
    before: tuple[dict[str, Any] | None, dict[str, Any] | None, str] | None,
    now: datetime,
) -> None:
    """The console's per-record history: linked, synced fields, paused/resumed."""
    ids = {"webcrm_id": link.webcrm_id, "fortnox_id": link.fortnox_id}
    if before is None:
        session.add(history_row(link.kind, "linked", "linked the two records", now, **ids))
        return
    old_webcrm, old_fortnox, old_state = before
    if old_state != link.state:
        what = f"paused: {link.note}" if link.state == "paused" else "resumed"
        session.add(history_row(link.kind, link.state, what, now, **ids))
    changes = [
        describe_link_change(old_webcrm, link.webcrm_snapshot, "webCRM"),
        describe_link_change(old_fortnox, link.fortnox_snapshot, "Fortnox"),
    ]
    detail = "; ".join(c for c in changes if c)
    if detail:
        session.add(history_row(link.kind, "synced", detail, now, **ids))


def _clash_message(session: Session, link: Link) -> str:
    """Say which id is taken and by which link."""
    others = sa.select(LinkRow).where(LinkRow.kind == link.kind)
    if link.id is not None:
        others = others.where(LinkRow.id != link.id)
    if link.webcrm_id is not None:
        taken = session.scalar(others.where(LinkRow.webcrm_id == link.webcrm_id))
        if taken is not None:
            return f"webCRM {link.kind} {link.webcrm_id} is already linked (link {taken.id})"
    label = f"{link.fortnox_type} " if link.fortnox_type else ""
    return f"Fortnox {link.kind} {label}{link.fortnox_id} is already linked to another record"


def _link(row: LinkRow) -> Link:
    return Link(
        id=row.id,
        kind=row.kind,
        webcrm_id=row.webcrm_id,
        fortnox_id=row.fortnox_id,
        fortnox_type=row.fortnox_type,
        webcrm_snapshot=row.webcrm_snapshot,
        fortnox_snapshot=row.fortnox_snapshot,
        webcrm_hash=row.webcrm_hash,
        fortnox_hash=row.fortnox_hash,
        state=row.state,
        note=row.note,
        extra=dict(row.extra),
        last_synced_at=row.last_synced_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _intent(row: IntentRow) -> Intent:
    return Intent(
        id=row.id,
        kind=row.kind,
        target=row.target,
        source_id=row.source_id,
        payload=dict(row.payload),
        created_at=row.created_at,
    )
