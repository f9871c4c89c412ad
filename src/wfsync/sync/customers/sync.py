"""Customers both ways: webCRM organisation ⇄ Fortnox customer.

Every change, from either feed, ends in :meth:`CustomerSync.reconcile`: read
both sides, merge field by field against the per-side snapshots, write only
what differs, record the new snapshots. Unlinked records are matched before
anything is created (:mod:`wfsync.sync.customers.create`).

Decisions (docs/sync.md has the long form):

* An organisation whose Type is not in ``customer_types`` is not synced. If it
  was linked, the link is *paused* (kept, shown in status, nothing written
  either way) and resumes when the Type is set back.
* Nothing is ever deleted on the other side. A record that disappears (404)
  pauses its link.
* Fortnox ``Active = false`` maps to a webCRM status in ``inactive_statuses``
  (if configured) and back; an inactive Fortnox customer that was never linked
  is not brought into webCRM.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, cast

from wfsync.domain import CUSTOMER_FIELDS, Customer
from wfsync.domain.normalise import clean, same
from wfsync.fortnox.mapping import customer_fields, customer_from_fortnox
from wfsync.http.errors import ApiError, NotFoundError
from wfsync.state import Failure, Link
from wfsync.state.store import LinkHead
from wfsync.sync.apply import Applier
from wfsync.sync.context import RecordFailed, SyncContext
from wfsync.sync.customers.create import CustomerCreator, NewLink
from wfsync.sync.customers.unmoved import UnmovedCustomers
from wfsync.sync.links import hash_of, store_snapshots, written_part
from wfsync.sync.merge import MergeResult, Ownership, Side, three_way
from wfsync.sync.plan import Create, Op, Pause, Plan, Remove, Resume, Update, unwritten_bases
from wfsync.webcrm.mapping import organisation_fields
from wfsync.webcrm.params import organisation_update

if TYPE_CHECKING:
    from wfsync.fortnox.models import FortnoxCustomer
    from wfsync.sync.cursors import Cursors, FeedCursor
    from wfsync.webcrm.models import Organisation

__all__ = ["KIND", "CustomerSync"]

log = logging.getLogger("wfsync.sync.customers")
KIND = "customer"
PAUSED_TYPE = "Type is no longer a synced customer Type"
#: How far Fortnox's clock may be behind ours for a write's answer to stand in for
#: the poll's read (see CustomerSync._just_written; the feed itself allows the overlap).
HANDOFF_SKEW = timedelta(minutes=1)


def label(name: str | None, system: str, ident: str) -> str:
    return f"{name or '(no name)'} ({system} {ident})"


@dataclass
class _PendingWrite:
    plan: Plan
    link: Link
    writer: _PairWriter
    changes: dict[str, Any]

    @property
    def org(self) -> Organisation:
        return self.writer.org


class CustomerSync:
    kind = KIND
    #: Both systems have a customer feed; every customer edit shows in one of them,
    #: so there is nothing to sweep.
    feeds: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "webcrm": ("organisations",),
        "fortnox": ("customers",),
    }
    sweeps: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self.sync = ctx.settings.sync
        self.custom = ctx.settings.webcrm.custom_fields
        self.creator = CustomerCreator(ctx)
        self.applier = Applier(ctx)
        #: Organisations read in this cycle (one ``/Queries … IN (…)`` per 100 ids), by id:
        #: a record already read is not read again before it is merged.
        self.orgs: dict[int, Organisation] = {}
        #: With ``batch_writes``, webCRM updates wait here for :meth:`flush`, which
        #: sends them with the batch ``PATCH`` (250 a request) and then records them.
        self.batch_writes = False
        self._pending: list[_PendingWrite] = []
        #: Links of the records of the page being processed, loaded in one query
        #: (:meth:`preload_links`); each is used once, then looked up again.
        self._links: dict[tuple[str, str], Link | None] = {}
        #: State and hashes of a feed page's links (one query, no snapshots decoded):
        #: an unchanged record is passed over without loading its link.
        self._heads: dict[tuple[str, str], LinkHead] = {}
        #: During the webCRM feed: which Fortnox customers can be merged against their
        #: snapshot instead of a read (:mod:`wfsync.sync.customers.unmoved`).
        self.unmoved: UnmovedCustomers | None = None

    # --- the feeds ----------------------------------------------------------------
    async def feed(self, source: str, cursors: Cursors) -> None:
        if source == "webcrm":
            await self._webcrm_feed(cursors["organisations"])
        else:
            await self._fortnox_feed(cursors["customers"])

    async def sweep(self, source: str) -> None:
        """Nothing: see :attr:`sweeps`."""

    async def _webcrm_feed(self, cursor: FeedCursor) -> None:
        # The feed is read whole before anything is processed (offset pages by id: an
        # edit behind the pages already read, while processing takes minutes, would be
        # skipped for good once a newer stamp moves the cursor), then processed a page
        # at a time with each page's links loaded in one query.
        feed = self.ctx.webcrm.organisations.changed_since(cursor.since())
        changed = [org async for org in feed]
        size = self.ctx.settings.webcrm.page_size
        self.unmoved = UnmovedCustomers(self.ctx, KIND)
        try:
            for start in range(0, len(changed), size):
                await self.webcrm_page(changed[start : start + size], cursor)
        finally:
            self.unmoved = None

    async def webcrm_page(self, page: list[Organisation], cursor: FeedCursor | None) -> None:
        """One page of changed organisations, its links loaded in one query."""
        self.preload_links("webcrm", [str(org.id) for org in page])
        for org in page:
            await self.handle_webcrm(org)
            if cursor is not None:
                cursor.observe(org.updated_at)  # parsed on each access: once
        self.forget_links()

    async def _fortnox_feed(self, cursor: FeedCursor) -> None:
        """Read the changed customers, then their organisations in one query per 100,
        merge each, and send the webCRM updates in one batch PATCH per 250."""
        listed = self.ctx.fortnox.customers.list(lastmodified=cursor.since())
        numbers = [c.customer_number async for c in listed]
        records = [
            r
            for n in numbers
            if (r := self._just_written(n, cursor) or await self.read_fortnox(n)) is not None
        ]
        await self.prefetch(records)
        self.batch_writes = True
        try:
            for record in records:
                await self.handle_fortnox(record.customer_number, record)
            await self.flush()
        finally:
            self.batch_writes = False
            self.forget_links()

    def _just_written(self, number: str, cursor: FeedCursor) -> FortnoxCustomer | None:
        """Fortnox's answer to our write of ``number`` moments ago in this command, if
        the next poll is sure to list the customer again (and read it then).

        The list cannot tell our write from a person's edit made after it; but an
        edit in the seconds since the answer is in the next poll's window too (it
        begins one overlap before this poll), so it crosses then, as any edit made
        during a run does. Without this, every write costs one more read now.
        The write must be :data:`HANDOFF_SKEW` inside that window: Fortnox stamps
        an edit on its own clock, which may be behind ours.
        """
        answers = self.ctx.fortnox_answers
        entry = answers.pop(number, None) if answers else None
        if entry is None:
            return None
        record, at = entry
        if at < cursor.poll_start - cursor.spec.overlap + HANDOFF_SKEW:
            return None  # written too long before this poll: the next may not list it
        link = self.ctx.store.get_link(KIND, fortnox_id=number)
        if link is None or link.fortnox_hash != hash_of(self.from_fortnox(record)):
            # The answer carries a person's edit made before our write landed: merge it
            # from a fresh read, not from an answer up to a minute old.
            return None
        return record

    def preload_links(self, side: str, ids: Iterable[str]) -> None:
        """Load what a feed page needs of its records' links at once (one query per 500)."""
        for key, head in self.ctx.store.link_heads(KIND, side, ids).items():
            self._heads[side, key] = head

    def forget_links(self) -> None:
        """Drop what was preloaded and not used (end of a page)."""
        self._links.clear()
        self._heads.clear()

    def _unchanged(self, side: str, key: str, fingerprint: str) -> bool:
        """The preloaded link is active and already holds this content."""
        head = self._heads.pop((side, key), None)
        if head is None or head.state != "active":
            return False
        return (head.webcrm_hash if side == "webcrm" else head.fortnox_hash) == fingerprint

    def link(self, side: str, key: str) -> Link | None:
        """The link holding ``side`` id ``key``: preloaded (once), else one lookup."""
        if (side, key) in self._links:
            return self._links.pop((side, key))
        if side == "webcrm":
            return self.ctx.store.get_link(KIND, webcrm_id=key)
        return self.ctx.store.get_link(KIND, fortnox_id=key)

    # --- mapping -----------------------------------------------------------
    def from_webcrm(self, org: Organisation) -> Customer:
        return self.creator.from_webcrm(org)

    def from_fortnox(self, record: FortnoxCustomer) -> Customer:
        return customer_from_fortnox(record)

    def synced_type(self, org: Organisation) -> bool:
        return self.creator.synced_type(org)

    @property
    def ownership(self) -> dict[str, Ownership]:
        # After a link exists the number can only be Fortnox's: it is Fortnox's key.
        return {"customer_number": "fortnox"}

    # --- entry points (sync/entity.py's protocol, and the feeds) -----------------
    async def sync_record(self, source: str, record_id: str, *, force: bool = False) -> None:
        """One customer or organisation, read back through the API (``force``: merged
        in full even if its content looks synced — an inbox retry)."""
        ctx = self.ctx
        record: FortnoxCustomer | Organisation | None = None
        gone = False
        # A read that fails is this record's inbox entry, never the whole cycle's end.
        async with ctx.guard(KIND, source, record_id, "read"):
            try:
                if source == "fortnox":
                    record = await ctx.fortnox.customers.get(record_id)
                else:
                    record = await ctx.webcrm.organisations.get(int(record_id))
            except NotFoundError:
                gone = True
        if record is not None:
            if source == "fortnox":
                await self.handle_fortnox(record_id, cast("FortnoxCustomer", record), force=force)
            else:
                await self.handle_webcrm(cast("Organisation", record), force=force)
        elif gone:
            link = ctx.store.get_link(KIND, **{f"{source}_id": record_id})
            if link is None or link.state != "active":
                ctx.report.count(KIND, "ignored")
                ctx.store.resolve_failures(KIND, source, record_id)
                return
            async with ctx.guard(KIND, source, record_id, "sync"):
                await self.reconcile(link)  # pauses: gone on this side

    async def retry(self, failure: Failure) -> None:
        """An inbox entry is merged in full again, even if its hash looks synced (what
        failed may be a part the hash does not cover, such as a resume)."""
        await self.sync_record(failure.source, failure.source_id, force=True)

    async def handle_webcrm(self, org: Organisation, *, force: bool = False) -> None:
        key = str(org.id)
        customer = self.from_webcrm(org)
        fingerprint = hash_of(customer)
        if self.ctx.parked(KIND, "webcrm", key, fingerprint):
            self.ctx.report.count(KIND, "waiting")
            return
        if not force and self.synced_type(org) and self._unchanged("webcrm", key, fingerprint):
            # The common case of a big feed: linked, active, already synced as it is.
            self.ctx.report.count(KIND, "unchanged")
            self.ctx.passed(KIND, "webcrm", key)
            return
        self.ctx.identify(KIND, "webcrm", key, customer.name)
        async with self.ctx.guard(KIND, "webcrm", key, "sync", fingerprint=fingerprint):
            link = self.link("webcrm", key)
            if link is None:
                if not self.synced_type(org):
                    self.ctx.report.count(KIND, "ignored")
                    self.applier.settle(Plan(KIND, key, inbox=(("webcrm", key),)))
                    return
                await self._merge_new(await self.creator.to_fortnox(org, customer))
                return
            if not self.synced_type(org):
                await self._pause(link, f"{PAUSED_TYPE} ({org.type or 'empty'})")
                return
            resuming = link.state == "paused"
            if resuming and not (link.note or "").startswith(PAUSED_TYPE):
                self.ctx.report.count(KIND, "paused")
                self.applier.settle(Plan(KIND, key), link)  # the pause says why
                return
            if not resuming and not force and link.webcrm_hash == fingerprint:
                self.ctx.report.count(KIND, "unchanged")
                return
            await self.reconcile(link, org=org, resuming=resuming)

    async def read_fortnox(self, number: str) -> FortnoxCustomer | None:
        """One changed Fortnox customer (the list lacks most fields); None if unreadable
        (the failure is in the inbox)."""
        record: FortnoxCustomer | None = None
        async with self.ctx.guard(KIND, "fortnox", number, "read"):
            record = await self.ctx.fortnox.customers.get(number)
        return record

    async def handle_fortnox(
        self, number: str, record: FortnoxCustomer | None = None, *, force: bool = False
    ) -> None:
        if record is None:
            async with self.ctx.guard(KIND, "fortnox", number, "read"):
                record = await self.ctx.fortnox.customers.get(number)
            if record is None:
                return
        customer = self.from_fortnox(record)
        self.ctx.identify(KIND, "fortnox", number, customer.name)
        fingerprint = hash_of(customer)
        if self.ctx.parked(KIND, "fortnox", number, fingerprint):
            self.ctx.report.count(KIND, "waiting")
            return
        async with self.ctx.guard(KIND, "fortnox", number, "sync", fingerprint=fingerprint):
            link = self.link("fortnox", number)
            if link is None:
                if not customer.active:
                    self.ctx.report.count(KIND, "ignored")
                    return
                await self._merge_new(await self.creator.to_webcrm(record, customer))
                return
            if link.state == "paused":
                self.ctx.report.count(KIND, "paused")
                self.applier.settle(Plan(KIND, number), link)  # the pause says why
                return
            if not force and link.fortnox_hash == fingerprint:
                self.ctx.report.count(KIND, "unchanged")
                return
            await self.reconcile(link, fortnox_record=record)

    # --- the merge: a plan, carried out by the applier ------------------------------------
    async def _merge_new(self, new: NewLink | None) -> None:
        """A link just made is merged in full at once (the creator says when)."""
        if new is not None:
            await self.reconcile(new.link, org=new.org, fortnox_record=new.record)

    async def reconcile(
        self,
        link: Link,
        *,
        org: Organisation | None = None,
        fortnox_record: FortnoxCustomer | None = None,
        resuming: bool = False,
    ) -> None:
        """Read what is not read yet, merge, and carry the plan out (or list it)."""
        ctx = self.ctx
        assert link.webcrm_id is not None and link.fortnox_id is not None
        try:
            org = org or self.orgs.pop(int(link.webcrm_id), None)
            org = org or await ctx.webcrm.organisations.get(int(link.webcrm_id))
        except NotFoundError:
            await self._pause(link, "the organisation no longer exists in webCRM")
            return
        fortnox: Customer | None = None
        if fortnox_record is None and self.unmoved is not None:
            fortnox = await self.unmoved.snapshot(link)  # unchanged since synced: no read
        if fortnox is None:
            try:
                fortnox_record = fortnox_record or await ctx.fortnox.customers.get(link.fortnox_id)
            except NotFoundError:
                await self._pause(link, "the customer no longer exists in Fortnox")
                return
            fortnox = self.from_fortnox(fortnox_record)
        if not self.synced_type(org):
            await self._pause(link, f"{PAUSED_TYPE} ({org.type or 'empty'})")
            return
        writer = _PairWriter(self, link, org, fortnox)
        writer.plan = self.plan(link, writer, resuming=resuming)
        await self.applier.apply(writer.plan, link, writer)

    def plan(self, link: Link, writer: _PairWriter, *, resuming: bool = False) -> Plan:
        """The three-way merge of the pair as a plan (pure: reads and writes nothing)."""
        ctx = self.ctx
        webcrm_now, fortnox_now = writer.written_webcrm, writer.written_fortnox
        self._require_valid(link, webcrm_now, fortnox_now)
        side, rule = ctx.conflict_winner(writer.org.updated_at)
        webcrm, fortnox = webcrm_now.values(), fortnox_now.values()
        bases = unwritten_bases(
            {"webcrm": link.webcrm_snapshot, "fortnox": link.fortnox_snapshot},
            {"webcrm": webcrm, "fortnox": fortnox},
            link.extra,
            same,
        )
        result = three_way(
            CUSTOMER_FIELDS,
            webcrm=webcrm,
            fortnox=fortnox,
            webcrm_snapshot=bases["webcrm"],
            fortnox_snapshot=bases["fortnox"],
            ownership=self.ownership,
            winner=lambda _field: (side, rule),
        )
        writer.result = result
        ident = label(webcrm_now.name or fortnox_now.name, "webCRM", link.webcrm_id or "")
        warnings: tuple[str, ...] = ()
        if self.sync.customer_number_owner == "webcrm" and "customer_number" in result.to_webcrm:
            warnings = (
                f"{ident}: customer number changed in webCRM to "
                f"{webcrm_now.customer_number!r}; Fortnox numbers cannot change, restored "
                f"{fortnox_now.customer_number!r}",
            )
        ops: list[Op] = [Resume()] if resuming else []
        targets: tuple[tuple[Side, dict[str, Any]], ...] = (
            ("fortnox", result.to_fortnox),
            ("webcrm", result.to_webcrm),
        )
        for target, names in targets:
            if names:
                values = {name: result.merged.get(name) for name in names}
                ops.append(Update(target, tuple(names), values=values))
        return Plan(KIND, ident, tuple(ops), tuple(result.conflicts), warnings)

    async def prefetch(self, fortnox_records: Iterable[FortnoxCustomer]) -> None:
        """Read, in one ``/Queries … IN (…)`` per 100 ids, the organisations linked to the
        Fortnox customers that changed (those whose hash differs from the link's), so
        each is read once in the cycle, not once per record."""
        records = list(fortnox_records)
        numbers = [record.customer_number for record in records]
        links = self.ctx.store.links_by_ids(KIND, "fortnox", numbers)
        self._links.update({("fortnox", n): links.get(n) for n in numbers})
        wanted: list[int] = []
        for record in records:
            link = links.get(record.customer_number)
            if (
                link is not None
                and link.state == "active"
                and link.webcrm_id is not None
                and link.fortnox_hash != hash_of(self.from_fortnox(record))
                and int(link.webcrm_id) not in self.orgs
            ):
                wanted.append(int(link.webcrm_id))
        if wanted:
            self.orgs.update(await self.ctx.webcrm.organisations.get_many(wanted))

    async def flush(self) -> None:
        """Send the queued webCRM updates with the batch ``PATCH`` (one request per 250),
        then record each one that webCRM accepted; one it refused goes to the inbox.
        The PATCH carries full records (read this cycle) like a PUT, so sending one
        again after a lost answer changes nothing: no duplicate can come of it."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        ctx = self.ctx
        # The organisations were read before the cycle's Fortnox writes (paced, so
        # seconds to minutes ago). The PATCH replaces whole records: one a person
        # edited since would lose that edit. One IN query per 100 shows which moved.
        fresh = await ctx.webcrm.organisations.get_many([p.org.id for p in pending])
        moved = [p for p in pending if not _same_version(fresh.get(p.org.id), p.org)]
        pending = [p for p in pending if p not in moved]
        for item in moved:
            async with ctx.guard(KIND, "fortnox", item.link.fortnox_id or "", "sync"):
                raise RecordFailed(_changed_meanwhile(item.org))
        if not pending:
            return
        dtos = [organisation_update(p.org.dto(), p.changes, p.org.id) for p in pending]
        try:
            answers: list[Any] = await ctx.webcrm.organisations.upsert_many(
                dtos, changes=[p.changes for p in pending]
            )
        except ApiError as exc:
            if exc.fatal_for_run:
                raise
            log.warning("batch update refused (%s); updating one by one", exc)
            answers = [None] * len(pending)
        for item, dto, answer in zip(pending, dtos, answers, strict=True):
            link = item.link
            async with ctx.guard(KIND, "fortnox", link.fortnox_id or "", "sync"):
                if isinstance(answer, ApiError):
                    raise answer
                if answer is None:
                    written = await self.write_over(item.org, item.changes)
                else:
                    written = type(item.org).from_dto(dto)
                ctx.report.count(KIND, "updated_webcrm")
                item.writer.written_webcrm = self.from_webcrm(written)
                self.applier.record(item.plan, link, item.writer)

    def defer(self, write: _PendingWrite) -> None:
        """Queue a webCRM update for the batch :meth:`flush` sends."""
        self._pending.append(write)

    async def write_over(self, org: Organisation, changes: dict[str, Any]) -> Organisation:
        """Write ``changes`` over the organisation as it was merged, only if nobody has
        edited it since it was read: a PUT replaces the whole record, so writing over
        a newer edit would lose it, and the snapshot would then hide the loss."""
        api = self.ctx.webcrm.organisations
        fresh = await api.get(org.id)
        if not _same_version(fresh, org):
            raise RecordFailed(_changed_meanwhile(org))
        return await api.replace(fresh, changes)

    def webcrm_changes(
        self, org: Organisation, merged: Customer, names: dict[str, Any]
    ) -> dict[str, Any]:
        """DTO properties that really differ from what webCRM holds (no empty writes)."""
        wanted = organisation_fields(
            merged, names, self.custom, self.sync, current_type=org.type, current_status=org.status
        )
        return {
            prop: value
            for prop, value in wanted.items()
            if (org.field(prop) or "") != (value if value is not None else "")
        }

    @staticmethod
    def _require_valid(link: Link, webcrm_now: Customer, fortnox_now: Customer) -> None:
        """A read that lacks a value every customer has is not the truth: never merge it.

        webCRM replaces the whole record on a write, so merging an organisation
        read without its name would blank the name in webCRM, and the snapshot
        would make the loss permanent. Such a record waits in the inbox (re-read
        every cycle) until a read is whole again.
        """
        for system, ident, record in (
            ("webCRM", f"organisation {link.webcrm_id}", webcrm_now),
            ("Fortnox", f"customer {link.fortnox_id}", fortnox_now),
        ):
            if not clean(record.name):
                raise RecordFailed(
                    f"{system} {ident} was read without a name (the field came back empty); "
                    "nothing was written either way — it is read again next cycle (give it "
                    f"a name in {system} if it really has none)"
                )

    async def _pause(self, link: Link, reason: str) -> None:
        plan = Plan(KIND, f"webCRM {link.webcrm_id}", (Pause(reason),))
        await self.applier.apply(plan, link)

    def now(self) -> datetime:
        return self.ctx.clock.now()


def _same_version(fresh: Organisation | None, read: Organisation) -> bool:
    """The organisation is still as it was read (same ``UpdatedAt``)."""
    return fresh is not None and fresh.updated_at == read.updated_at


def _changed_meanwhile(org: Organisation) -> str:
    return (
        f"webCRM organisation {org.id} was edited while it was being synced; nothing was "
        "written to it, and it is merged again from a fresh read next cycle"
    )


class _PairWriter:
    """Carries one customer plan out: the Fortnox PUT, the webCRM write (over the
    organisation as it was merged, or queued for the batch), and the snapshots."""

    def __init__(
        self, customers: CustomerSync, link: Link, org: Organisation, fortnox: Customer
    ) -> None:
        self.customers = customers
        self.link = link
        self.org = org
        self.written_webcrm = customers.from_webcrm(org)
        self.written_fortnox = fortnox
        self.fortnox_id = link.fortnox_id or ""
        self.result = MergeResult(merged={})
        self.plan = Plan(KIND, "")

    @property
    def merged(self) -> Customer:
        return Customer(**self.result.merged)

    async def predict(self, plan: Plan) -> list[str]:
        if not self.result.to_fortnox:
            return []
        creator = self.customers.creator
        problems = await creator.fortnox_problems(self.merged, self.result.to_fortnox)
        return [f"Fortnox would refuse it: {'; '.join(problems)}"] if problems else []

    async def write(self, op: Update | Create | Remove) -> bool:
        customers, ctx = self.customers, self.customers.ctx
        if op.side == "fortnox":
            payload = customer_fields(self.merged, self.result.to_fortnox, create=False)
            if payload:
                updated = await ctx.fortnox.customers.update(self.fortnox_id, payload)
                if ctx.fortnox_answers is not None:
                    ctx.fortnox_answers[self.fortnox_id] = (updated, ctx.clock.now())
                self.written_fortnox = written_part(
                    customers.from_fortnox(updated), self.written_fortnox, self.result.to_fortnox
                )
                ctx.report.count(KIND, "updated_fortnox")
            return True
        changes = customers.webcrm_changes(self.org, self.merged, self.result.to_webcrm)
        if changes and customers.batch_writes and ctx.webcrm.organisations.rows_complete:
            customers.defer(_PendingWrite(self.plan, self.link, self, changes))
            return False  # flush() sends it with the batch and records it
        if changes:
            updated_org = await customers.write_over(self.org, changes)
            self.written_webcrm = customers.from_webcrm(updated_org)
            ctx.report.count(KIND, "updated_webcrm")
        return True

    def record(self, link: Link) -> None:
        ctx = self.customers.ctx
        store_snapshots(
            ctx.store,
            link,
            webcrm=self.written_webcrm,
            fortnox=self.written_fortnox,
            now=ctx.clock.now(),
        )
