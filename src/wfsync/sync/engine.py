"""The sync engine: feeds in, reconciled links out.

One :class:`SyncEngine` owns the two clients and the state store for a run.
``sync_webcrm`` and ``sync_fortnox`` are the two directions of the spec's
cadence (webCRM changes at :00/:06…, Fortnox changes at :03/:09…); each is one
loop over the entity registry (:mod:`wfsync.sync.entity`): every entity reads
its change feeds of that system from the stored cursors and reconciles each
changed record, the error inbox is retried, the sweeps run when due, and only
then do the cursors advance — so a crash re-reads rather than skips.

Cursors: webCRM's come from the server's own ``UpdatedAt`` values (its clock is
not ours) with a small overlap; Fortnox's are our clock at the start of the poll
(its records carry no timestamp), re-read with an overlap and converted to
Stockholm local time by the client. Records seen again are skipped by content
hash, so overlap costs reads, never writes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import httpx

from wfsync.clock import Clock, SystemClock
from wfsync.config import Settings
from wfsync.fortnox import FortnoxClient
from wfsync.http.errors import ApiError, ConfigError, NotFoundError, WfsyncError
from wfsync.state import SqlTokenStore, StateStore
from wfsync.state.lease import DEFAULT_WAIT, WriterLease, describe_holder
from wfsync.state.ratewindow import window_store
from wfsync.sync.context import SyncContext
from wfsync.sync.cursors import FeedCursor, commit_all
from wfsync.sync.entity import EntitySync, registry, target_of
from wfsync.sync.importer import Importer, Progress
from wfsync.sync.report import RunReport
from wfsync.webcrm import WebcrmClient
from wfsync.webcrm.custom_fields import check_custom_fields

if TYPE_CHECKING:
    from wfsync.fortnox.models import FortnoxCustomer

__all__ = ["NotImportedError", "Progress", "SyncEngine"]

log = logging.getLogger("wfsync.sync")

CUSTOM_FIELDS_RECHECK = timedelta(hours=24)
#: When a direction's hourly sweeps last ran (our clock, ISO; format version 2 —
#: version 1 was a cycle counter, read as "never"). Fortnox's keeps its first name.
SWEEP_CURSORS = {"fortnox": ("fortnox", "price_sweep"), "webcrm": ("webcrm", "sweep")}
SWEEP_CURSOR_VERSION = 2
#: What :meth:`SyncEngine.sync_record` can sync: (source, entity).
RECORD_ENTITIES = frozenset(
    {
        ("fortnox", "customer"),
        ("fortnox", "article"),
        ("fortnox", "order"),
        ("fortnox", "invoice"),
        ("webcrm", "customer"),
        ("webcrm", "delivery"),
    }
)


class NotImportedError(WfsyncError):
    fatal_for_run = True

    def __init__(self) -> None:
        super().__init__(
            "no initial import has been run against this state store: run `wfsync import` "
            "first (it links existing records and sets where the change feeds start)"
        )


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class SyncEngine:
    def __init__(
        self,
        settings: Settings,
        store: StateStore,
        fortnox: FortnoxClient,
        webcrm: WebcrmClient,
        clock: Clock,
        *,
        holder: str | None = None,
        lease_wait: float = DEFAULT_WAIT,
    ) -> None:
        self.settings = settings
        self.store = store
        self.fortnox = fortnox
        self.webcrm = webcrm
        self.clock = clock
        #: Every run that writes holds the single-writer lease (wfsync.state.lease).
        self.lease = WriterLease(store, holder or describe_holder(), clock=clock)
        self.lease_wait = lease_wait
        #: Pairs planned by a dry run of both directions (see sync_once).
        self._planned: set[tuple[str, str]] | None = None
        #: Fortnox's answers to this ``sync_once``'s customer writes (see sync_once).
        self._answers: dict[str, tuple[FortnoxCustomer, datetime]] | None = None

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        store: StateStore | None = None,
        fortnox_transport: httpx.AsyncBaseTransport | None = None,
        webcrm_transport: httpx.AsyncBaseTransport | None = None,
        holder: str | None = None,
        lease_wait: float | None = None,
    ) -> AsyncIterator[SyncEngine]:
        clock = clock or SystemClock()
        own_store = store is None
        store = store or StateStore.open(settings.state.url, clock=clock)
        # The rate budgets live in the state store, so a command run right after
        # another (or beside the console) paces against what the vendor already counted.
        fortnox = FortnoxClient(
            settings.fortnox,
            SqlTokenStore(store),
            clock=clock,
            transport=fortnox_transport,
            window=window_store(store, "fortnox"),
        )
        webcrm = WebcrmClient(
            settings.webcrm,
            clock=clock,
            transport=webcrm_transport,
            window=window_store(store, "webcrm"),
        )
        try:
            async with fortnox, webcrm:
                wait = settings.state.lease_wait_seconds if lease_wait is None else lease_wait
                yield cls(settings, store, fortnox, webcrm, clock, holder=holder, lease_wait=wait)
        finally:
            if own_store:
                store.close()

    def context(self, *, dry_run: bool = False) -> SyncContext:
        ctx = SyncContext(
            settings=self.settings,
            store=self.store,
            fortnox=self.fortnox,
            webcrm=self.webcrm,
            clock=self.clock,
            dry_run=dry_run,
        )
        if dry_run and self._planned is not None:
            ctx.planned = self._planned
        ctx.fortnox_answers = self._answers
        return ctx

    async def verify_custom_fields(self, *, remember: bool = True) -> None:
        """Before writing, make sure every configured custom-field slot exists in webCRM.

        Checked against ``/FieldsMetadata`` at most once a day (the answer is also
        kept by the client, which then refuses writes to a missing slot). The
        reference does not promise that the metadata covers custom fields at all:
        an entity whose metadata names no custom slot is taken as "not described"
        and left unverified (logged), rather than blocking every write.
        """
        last = _parse(self.store.get_cursor("webcrm", "custom_fields_checked"))
        if last is not None and self.clock.now() - last < CUSTOM_FIELDS_RECHECK:
            return
        try:
            await check_custom_fields(self.webcrm, self.settings.webcrm.custom_fields)
        except ApiError as exc:
            if exc.fatal_for_run:
                raise
            log.warning("cannot read webCRM field metadata (%s); custom fields unverified", exc)
            return
        registry = self.webcrm.custom_fields
        missing = []
        for logical, slot in self.settings.webcrm.custom_fields.model_dump().items():
            entity = "Organisation" if slot.startswith("Organisation") else "Delivery"
            if not registry.slots(entity):
                continue
            if registry.exists(slot) is False:
                missing.append(f"{logical} → {slot}")
        if missing:
            raise ConfigError(
                "[webcrm.custom_fields]: not found in webCRM's field metadata: "
                + ", ".join(missing)
                + " (create them in webCRM or point the keys at existing slots; `wfsync check`)"
            )
        if remember:
            self.store.set_cursor("webcrm", "custom_fields_checked", self.clock.now().isoformat())

    @property
    def imported(self) -> bool:
        return self.store.get_cursor("webcrm", "organisations") is not None

    # --- one direction per call --------------------------------------------------
    async def sync_webcrm(self, *, dry_run: bool = False) -> RunReport:
        """Process everything changed in webCRM since the last webCRM cycle."""
        return await self._direction("webcrm", dry_run=dry_run)

    async def sync_fortnox(self, *, dry_run: bool = False) -> RunReport:
        """Process everything changed in Fortnox since the last Fortnox cycle."""
        return await self._direction("fortnox", dry_run=dry_run)

    async def _direction(self, source: str, *, dry_run: bool) -> RunReport:
        """One direction: every entity's feeds of ``source`` in registry order, the
        error inbox, the sweeps when due; then the cursors move, all together (none
        of them when a feed failed)."""
        if not self.imported:
            raise NotImportedError
        await self.verify_custom_fields(remember=not dry_run)
        ctx = self.context(dry_run=dry_run)
        # A Fortnox edit found now happened after the last Fortnox poll began.
        ctx.fortnox_window_start = _parse(self.store.get_cursor("fortnox", "customers"))
        async with self._run(source, ctx):
            entities = registry(ctx)
            cursors = {
                name: FeedCursor.open(self.store, source, name, self.clock)
                for entity in entities.values()
                for name in entity.feeds.get(source, ())
            }
            # One entity's feed failing (its list endpoint down after retries) does not
            # keep the others' feeds or the error inbox from their turn; the direction
            # then fails with that error and its cursors stay put (re-read next time).
            failed: WfsyncError | None = None
            for entity in entities.values():
                if source not in entity.feeds:
                    continue
                try:
                    await entity.feed(source, cursors)
                except WfsyncError as exc:
                    if exc.fatal_for_run:
                        raise
                    log.error("%s: the %s feed failed: %s", source, entity.kind, exc)
                    failed = failed or exc
            await self._retry(ctx, source, entities)
            if failed is not None:
                raise failed
            sweeping = [entity for entity in entities.values() if source in entity.sweeps]
            if sweeping and self._sweep_due(source):
                for entity in sweeping:
                    await entity.sweep(source)
                if not dry_run:
                    self._swept(source)
            if not dry_run:
                commit_all(self.store, list(cursors.values()))
        return ctx.report

    async def sync_once(self, *, dry_run: bool = False) -> list[RunReport]:
        """Both directions, webCRM first (the spec's order within one 6-minute period).

        A direction that cannot complete (a malformed feed page, an API down
        after retries) does not stop the other one; its error is raised after
        the other direction has run, unless it is fatal for everything (auth,
        config, the writer lease).
        """
        reports: list[RunReport] = []
        failed: WfsyncError | None = None
        # A dry run of both: a pair planned in the first direction is not planned
        # again in the second (the real run would find it written by then).
        self._planned = set() if dry_run else None
        # The Fortnox poll, seconds after the webCRM direction wrote, lists the
        # customers it wrote: Fortnox's answers to those writes are read moments
        # old, and the next poll lists them again (docs/sync.md, "Our own writes").
        self._answers = {}
        try:
            for direction in (self.sync_webcrm, self.sync_fortnox):
                try:
                    reports.append(await direction(dry_run=dry_run))
                except WfsyncError as exc:
                    if exc.fatal_for_run or failed is not None:
                        raise
                    log.error("%s", exc)
                    failed = exc
        finally:
            self._planned = None
            self._answers = None
        if failed is not None:
            raise failed
        return reports

    async def sync_record(self, source: str, entity: str, record_id: str) -> RunReport:
        """A targeted sync of one record that an event says may have changed.

        ``source`` is the system that reported it (``fortnox`` | ``webcrm``),
        ``entity`` one of ``customer``, ``article``, ``order``, ``invoice``,
        ``delivery``. The record is read back through the API (events are hints,
        never data) and handed to the same per-record handler a poll uses, so
        snapshots make duplicates and our own writes coming back write nothing.
        A customer that no longer exists pauses its link with the reason (a
        delete is never carried to the other side). Cursors are not touched:
        the polls keep doing all their work.
        """
        if not self.imported:
            raise NotImportedError
        if (source, entity) not in RECORD_ENTITIES:
            raise ValueError(f"no targeted sync for {source} {entity}")
        ctx = self.context()
        ctx.fortnox_window_start = _parse(self.store.get_cursor("fortnox", "customers"))
        kind, key = target_of(entity, record_id)
        async with self._run("event", ctx):
            await registry(ctx)[kind].sync_record(source, key)
        return ctx.report

    def _sweep_period(self) -> timedelta:
        """How often the sweeps run: ``price_check_every`` cycles of the cadence
        (10 × 6 minutes = hourly with the defaults), measured on the clock."""
        sync = self.settings.sync
        return timedelta(minutes=sync.price_check_every * sync.webcrm_interval_minutes)

    def _sweep_due(self, source: str) -> bool:
        """Due when the last sweep (a stored time) is a period ago — less half a cycle,
        so a cycle that starts a moment early does not push the sweep a whole cycle."""
        last = _parse(self.store.get_cursor(*SWEEP_CURSORS[source], version=SWEEP_CURSOR_VERSION))
        if last is None:
            return True
        slack = timedelta(minutes=self.settings.sync.webcrm_interval_minutes) / 2
        return self.clock.now() - last >= self._sweep_period() - slack

    def _swept(self, source: str) -> None:
        now = self.clock.now().isoformat()
        self.store.set_cursor(*SWEEP_CURSORS[source], now, version=SWEEP_CURSOR_VERSION)

    # --- start-up import -------------------------------------------------------------
    async def import_all(
        self, *, dry_run: bool = False, progress: Progress | None = None
    ) -> RunReport:
        """`wfsync import`: link/create all active Fortnox customers and all articles in
        webCRM and set the starting point of every change feed."""
        await self.verify_custom_fields(remember=not dry_run)
        ctx = self.context(dry_run=dry_run)
        async with self._run("import", ctx):
            await Importer(ctx, progress).run()
        return ctx.report

    # --- the error inbox ----------------------------------------------------------
    async def retry_failures(
        self, *, force: bool = True, only: set[int] | None = None
    ) -> RunReport:
        """`wfsync retry`: try every open error-inbox entry now — with ``force`` also
        those that wait for an edit (an admin's "try again anyway"). ``only``: just
        these inbox ids (the console's "retry now")."""
        ctx = self.context()
        ctx.force = force
        async with self._run("retry", ctx):
            entities = registry(ctx)
            await self._retry(ctx, "webcrm", entities, only)
            await self._retry(ctx, "fortnox", entities, only)
        return ctx.report

    async def _retry(
        self,
        ctx: SyncContext,
        source: str,
        entities: Mapping[str, EntitySync],
        only: set[int] | None = None,
    ) -> None:
        for failure in self.store.failures(status="open"):
            if failure.source != source or ctx.dry_run:
                continue
            if (failure.kind, failure.source, failure.source_id) in ctx.handled:
                continue  # the feed tried it in this cycle already
            if only is not None and failure.id not in only:
                continue
            ctx.report.count(failure.kind, "retried")
            try:
                await entities[failure.kind].retry(failure)
            except NotFoundError:
                self.store.resolve_failures(failure.kind, failure.source, failure.source_id)

    # --- run bookkeeping ------------------------------------------------------------
    @asynccontextmanager
    async def _run(self, direction: str, ctx: SyncContext) -> AsyncIterator[None]:
        if ctx.dry_run:
            yield
            return
        async with self.lease.hold(self.lease_wait), self._journal(direction, ctx):
            yield

    @asynccontextmanager
    async def _journal(self, direction: str, ctx: SyncContext) -> AsyncIterator[None]:
        self.fortnox.http.start_run()
        self.webcrm.http.start_run()
        run = self.store.start_run(direction)
        try:
            yield
        except BaseException as exc:
            status = (
                "interrupted" if isinstance(exc, KeyboardInterrupt | GeneratorExit) else "failed"
            )
            self.store.finish_run(run.id, status, ctx.report.as_dict(), error=str(exc) or repr(exc))
            raise
        # A completed run keeps its warnings (e.g. an invoice dated from its order
        # date) where `wfsync status` shows them.
        warnings = "\n".join(ctx.report.warnings) or None
        self.store.finish_run(run.id, "ok", ctx.report.as_dict(), error=warnings)
        log.info("%s cycle done: %s", direction, ctx.report.as_dict())
