"""Everything one sync run needs, passed around as one object."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from wfsync.clock import Clock
from wfsync.config import Settings
from wfsync.http.errors import ApiError, WfsyncError
from wfsync.state.records import LinkClashError
from wfsync.sync.merge import Side
from wfsync.sync.report import PlannedOp, RunReport

if TYPE_CHECKING:
    from wfsync.fortnox import FortnoxClient
    from wfsync.fortnox.models import FortnoxCustomer
    from wfsync.state import StateStore
    from wfsync.webcrm import WebcrmClient

__all__ = ["RecordFailed", "SyncContext"]

log = logging.getLogger("wfsync.sync")


class RecordFailed(WfsyncError):
    """This record cannot be synced now; the message is for the error inbox."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        retry: str = "always",
        waits_on: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        #: "always": retried every cycle; "on_change": only after the record changes.
        self.retry = retry
        #: Records of the same kind on the other side ("fortnox:123") whose change
        #: may settle an "on_change" failure: the record is re-checked when one of
        #: them is synced, not only when it changes itself.
        self.waits_on = waits_on


@dataclass
class SyncContext:
    settings: Settings
    store: StateStore
    fortnox: FortnoxClient
    webcrm: WebcrmClient
    clock: Clock
    dry_run: bool = False
    report: RunReport = field(default_factory=RunReport)
    #: `wfsync retry`: records waiting for an edit are tried anyway (not admin-skipped ones).
    force: bool = False
    #: Start of the change window of the Fortnox feed being processed (for "newest").
    fortnox_window_start: datetime | None = None

    _parked: dict[tuple[str, str, str], str | None] | None = None
    _skipped: dict[tuple[str, str, str], tuple[int, str | None]] | None = None
    #: Records this run has already tried (kind, source, id): the inbox retry at
    #: the end of the cycle leaves them alone, so a failing record costs one
    #: attempt per cycle, not two.
    handled: set[tuple[str, str, str]] = field(default_factory=set)
    #: Waiting inbox entries by a record they wait on: (kind, source, id) → entry ids.
    _waiters: dict[tuple[str, str, str], list[tuple[int, tuple[str, str, str]]]] | None = None
    #: What each record tried in this run is called, so an inbox entry names it
    #: even when the failure is a vendor error on a record that has no link yet.
    names: dict[tuple[str, str, str], str] = field(default_factory=dict)
    #: Dry run: the pairs already planned (kind, link) — shared by both directions of
    #: one ``sync --once --dry-run``, where the real run would find the second
    #: direction's view of a pair already written by the first.
    planned: set[tuple[str, str]] = field(default_factory=set)
    #: Within one ``sync --once``: Fortnox's answer to each customer update, by
    #: number, and when it came; the Fortnox direction uses those its webCRM
    #: direction made (``None``: not collected).
    fortnox_answers: dict[str, tuple[FortnoxCustomer, datetime]] | None = None

    def parked(self, entity: str, source: str, source_id: str, fingerprint: str) -> bool:
        """Whether this record waits for a human: skipped by the admin, or failed in a
        way only a change can fix (ambiguous match, number taken) and unchanged since.

        A skip holds for the content the record had when it was skipped: once
        someone edits the record it is synced again, and if it still fails its
        entry is back in the inbox, open.
        """
        key = (entity, source, source_id)
        self.handled.add(key)
        if self._parked is None:
            self._parked = {}
            for failure in self.store.failures(status="open"):
                detail = failure.detail or {}
                if detail.get("retry") == "on_change":
                    self._parked[failure.kind, failure.source, failure.source_id] = detail.get(
                        "fingerprint"
                    )
        if self._skipped is None:
            self._skipped = self.store.skipped_fingerprints()
        skipped = self._skipped.get(key)
        if skipped is not None:
            entry, at = skipped
            if at is None or at == fingerprint:
                return True
            log.info("%s %s %s changed since it was skipped: syncing it again", *key)
            if not self.dry_run:
                self.store.unskip_failure(entry)
            del self._skipped[key]
        waiting = self._parked.get(key, "") == fingerprint
        return waiting and not self.force

    def identify(self, entity: str, source: str, source_id: str, name: str | None) -> None:
        """Remember a record's name for its inbox entry, should it fail."""
        if name:
            self.names[entity, source, source_id] = name

    def passed(self, entity: str, source: str, source_id: str) -> None:
        """A record needed nothing (unchanged): what :meth:`guard` does on success."""
        self.handled.add((entity, source, source_id))
        self._wake_waiters(entity, source, source_id)

    def _wake_waiters(self, entity: str, source: str, source_id: str) -> None:
        """A record was synced: entries that wait on it get another try."""
        if self.dry_run:
            return
        if self._waiters is None:
            self._waiters = {}
            for failure in self.store.failures(status="open"):
                detail = failure.detail or {}
                if detail.get("retry") != "on_change":
                    continue
                for ref in detail.get("waits_on") or ():
                    other, _, other_id = str(ref).partition(":")
                    self._waiters.setdefault((failure.kind, other, other_id), []).append(
                        (failure.id, (failure.kind, failure.source, failure.source_id))
                    )
        for entry, waiter in self._waiters.pop((entity, source, source_id), ()):
            self.store.wake_failure(entry, f"{source} {source_id} was synced")
            if self._parked is not None:
                self._parked[waiter] = None
            log.info("%s %s %s: re-checked, %s %s changed", *waiter, source, source_id)

    def finish_intents(self, entity: str, target: str, source_id: str) -> None:
        """A record was linked: any create we had started for it is settled."""
        for intent in self.store.open_intents(entity):
            if intent.target == target and intent.source_id == source_id:
                self.store.finish_intent(intent.id)

    def conflict_winner(self, webcrm_updated_at: datetime | None) -> tuple[Side, str]:
        """Who wins a same-field conflict, and by which rule.

        ``newest`` compares webCRM's own UpdatedAt with the earliest moment the
        Fortnox edit can have happened (the start of the Fortnox change window
        that has not been processed yet). Fortnox records carry no timestamp, so
        when the order cannot be proven the accounting system wins.
        """

        rule = self.settings.sync.conflict_winner
        if rule in ("fortnox", "webcrm"):
            return rule, f"conflict_winner = {rule}"
        window = self.fortnox_window_start
        if webcrm_updated_at is not None and window is not None and webcrm_updated_at < window:
            return "fortnox", "newest (the Fortnox edit is later)"
        return "fortnox", "newest (order unknown: Fortnox wins ties)"

    @asynccontextmanager
    async def guard(
        self,
        entity: str,
        source: str,
        source_id: str,
        operation: str,
        *,
        fingerprint: str | None = None,
    ) -> AsyncIterator[None]:
        """Turn a per-record failure into an error-inbox entry; let run-fatal ones out."""
        self.handled.add((entity, source, source_id))
        try:
            yield
            self._wake_waiters(entity, source, source_id)
        except RecordFailed as exc:
            detail: dict[str, Any] = {"retry": exc.retry, "fingerprint": fingerprint}
            if exc.waits_on:
                detail["waits_on"] = list(exc.waits_on)
            self.record_failure(entity, source, source_id, operation, exc.message, exc.code, detail)
        except LinkClashError as exc:
            # Two links for one vendor record: a state conflict of this record only.
            self.record_failure(
                entity, source, source_id, operation, str(exc), None, {"fingerprint": fingerprint}
            )
        except ApiError as exc:
            if exc.fatal_for_run:
                raise
            detail = {
                "retry": "always",
                "fingerprint": fingerprint,
                "status": exc.status,
                "error": type(exc).__name__,
                # The vendor's raw answer, for the console's Runs page (issue #14).
                "response": exc.body if not isinstance(exc.body, str) else exc.body[:2000],
            }
            self.record_failure(entity, source, source_id, operation, str(exc), exc.code, detail)

    def record_failure(
        self,
        entity: str,
        source: str,
        source_id: str,
        operation: str,
        message: str,
        code: int | None,
        detail: dict[str, Any],
    ) -> None:
        """Put one record in the error inbox (in a dry run: plan it as a failure)."""
        if self.dry_run:
            # Planned as a failure (shown once, in the plan), not counted as one that happened.
            self.report.plan(PlannedOp(entity, "fail", source, f"{source} {source_id}", message))
            return
        name = self.names.get((entity, source, source_id))
        if name and "name" not in detail:
            detail = {**detail, "name": name}
        self.report.count(entity, "failed")
        log.warning("%s %s %s %s failed: %s", entity, source, source_id, operation, message)
        self.store.record_failure(entity, source, source_id, operation, message, code, detail)
