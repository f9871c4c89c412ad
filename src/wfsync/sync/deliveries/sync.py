"""Deliveries both ways: webCRM delivery ⇄ Fortnox order or invoice, with lines.

Every change, from either feed, ends in :meth:`DeliverySync.reconcile`: read
both sides, merge the header field by field (:func:`~wfsync.sync.merge.three_way`)
and the line list line by line (:mod:`wfsync.sync.lines`) against the per-side
snapshots, write only what differs, record the new snapshots. Unlinked records
are created on the other side by :mod:`wfsync.sync.deliveries.create`.

Rules (docs/deliveries.md has the long form):

* Order and invoice numbers and the booked flag belong to Fortnox; so does an
  order's invoice date (an invoice's date starts in webCRM).
* A booked or cancelled invoice, and an order that has been invoiced or
  cancelled, are never written. A webCRM edit that would change one goes to the
  error inbox with what to do instead; Fortnox's own changes (invoice number,
  date, booked) still flow to webCRM.
* An invoice made in Fortnox from a linked order belongs to the order's link.
* A delivery syncs only while its organisation is a synced customer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from wfsync.domain import Delivery
from wfsync.fortnox.delivery_mapping import (
    DOCUMENT_FIELDS,
    DocumentKind,
    delivery_from_invoice,
    delivery_from_order,
    document_fields,
    webcrm_id_from_reference,
    write_blocked,
)
from wfsync.fortnox.models import FortnoxInvoice
from wfsync.http.errors import NotFoundError
from wfsync.state import Link
from wfsync.sync.apply import Applier
from wfsync.sync.context import SyncContext
from wfsync.sync.customers import CustomerSync
from wfsync.sync.deliveries.create import DeliveryCreator
from wfsync.sync.deliveries.write import (
    COMPLETE_SIDE,
    INVOICE_NUMBER,
    KIND,
    LINE_IDS,
    PAUSED_CUSTOMER,
    DeliveryPair,
    DeliveryWriter,
    Document,
    PairWriter,
    document_key,
)
from wfsync.sync.lines import LineMerge, WebcrmLine, merge_lines
from wfsync.sync.links import hash_of
from wfsync.sync.merge import MergeResult, Ownership, three_way
from wfsync.sync.plan import Pause, Plan, Remember
from wfsync.webcrm.delivery_mapping import (
    delivery_from_webcrm,
    line_from_webcrm,
)

if TYPE_CHECKING:
    from wfsync.state.records import Failure
    from wfsync.sync.cursors import Cursors
    from wfsync.webcrm.models import Delivery as WebcrmDelivery
    from wfsync.webcrm.models import QuotationLine

__all__ = ["KIND", "DeliverySync", "Document", "document_key"]

log = logging.getLogger("wfsync.sync.deliveries")


def _header(record: Delivery) -> dict[str, Any]:
    values = record.values()
    values.pop("lines")
    return values


class DeliverySync(DeliveryWriter):
    kind = KIND
    #: Fortnox has two feeds (orders, invoices); webCRM's feed does not promise to
    #: see a text-only line edit, hence the hourly sweep of the lines.
    feeds: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "webcrm": ("deliveries",),
        "fortnox": ("orders", "invoices"),
    }
    sweeps: ClassVar[frozenset[str]] = frozenset({"fortnox"})

    def __init__(self, ctx: SyncContext, customers: CustomerSync | None = None) -> None:
        self.ctx = ctx
        self.sync = ctx.settings.sync
        self.custom = ctx.settings.webcrm.custom_fields
        self.slots = ctx.settings.webcrm.catalogue
        self.creator = DeliveryCreator(self, customers or CustomerSync(ctx))
        self.applier = Applier(ctx)
        #: webCRM deliveries whose lines this run has already read.
        self.seen: set[str] = set()

    # --- reading and mapping ------------------------------------------------------
    def from_webcrm(self, delivery: WebcrmDelivery, lines: Sequence[QuotationLine]) -> Delivery:
        return delivery_from_webcrm(delivery, lines, self.custom, self.slots)

    def webcrm_lines(self, lines: Sequence[QuotationLine]) -> list[WebcrmLine]:
        return [WebcrmLine(q.id, line_from_webcrm(q, self.slots), q.sort_order) for q in lines]

    async def read_fortnox(self, kind: str, number: str) -> tuple[Document, Delivery]:
        """The document and its canonical view (an order's invoice fields included)."""
        if kind == "order":
            order = await self.ctx.fortnox.orders.get(number)
            invoice = None
            if order.invoice_reference is not None:
                invoice = await self.ctx.fortnox.invoices.get(order.invoice_reference)
            return order, delivery_from_order(order, invoice)
        record = await self.ctx.fortnox.invoices.get(number)
        return record, delivery_from_invoice(record)

    async def customer_synced(self, organisation_id: int) -> bool | None:
        """Whether the organisation is a synced customer: None when it has no link yet."""
        link = self.ctx.store.get_link("customer", webcrm_id=str(organisation_id))
        if link is None:
            return None
        return link.state == "active"

    # --- feeds ----------------------------------------------------------------------
    async def feed(self, source: str, cursors: Cursors) -> None:
        if source == "fortnox":
            await self.fortnox_feed(cursors["orders"].since(), cursors["invoices"].since())
            return
        # The feed returns the newest stamp it processed, or its start when idle: a
        # start is not a processed record (after a settled window it lies just past
        # the position, and observing it would unsettle the window).
        cursor = cursors["deliveries"]
        since = cursor.since()
        newest = await self.webcrm_feed(since)
        if newest is not None and (since is None or newest > since):
            cursor.observe(newest)

    async def webcrm_feed(self, since: datetime | None) -> datetime | None:
        """Process deliveries changed in webCRM since ``since``; returns the newest
        ``UpdatedAt`` seen (the next cursor), or ``since`` if nothing came."""
        newest = since
        # Read whole before anything is processed: pages are offset pages ordered by
        # id, and processing takes minutes (paced Fortnox writes). A record edited
        # behind the pages already read, while a later one is read with a newer
        # stamp, would otherwise be skipped for good once the cursor moves past it.
        changed = [d async for d in self.ctx.webcrm.deliveries.changed_since(since)]
        for delivery in changed:
            await self.handle_webcrm(delivery)
            if delivery.updated_at and (newest is None or delivery.updated_at > newest):
                newest = delivery.updated_at
        return newest

    async def fortnox_feed(
        self, orders_since: datetime | None, invoices_since: datetime | None
    ) -> None:
        """Process orders, then invoices, changed in Fortnox since their cursors' times
        (orders first, so an invoice made from an order finds the order's link)."""
        listed = self.ctx.fortnox.orders.list(lastmodified=orders_since)
        orders = [o.document_number async for o in listed]
        for number in orders:
            await self.handle_fortnox("order", number)
        invoices = [
            i.document_number
            async for i in self.ctx.fortnox.invoices.list(lastmodified=invoices_since)
        ]
        for number in invoices:
            await self.handle_fortnox("invoice", number)

    async def sweep(self, source: str = "fortnox") -> None:
        """Hourly: look at the lines of every active link for edits the feed cannot see.

        webCRM bumps a delivery's ``UpdatedAt`` when a line edit moves its totals
        (``OrderValue`` is recomputed from the lines), so price, quantity, discount,
        added and removed lines arrive through the feed in the next cycle. The
        reference does not promise a bump for a text-only edit (memo, comment,
        order), so this pass reads *all* lines in one paged ``GET /QuotationLines``
        (⌈lines/page⌉ requests, independent of how many deliveries are linked —
        one per delivery would grow every quiet cycle) and reconciles a link
        whose lines differ from its snapshot. A text-only line edit therefore
        reaches Fortnox within the hour (docs/deliveries.md)."""
        links = [
            link
            for link in self.ctx.store.links(KIND, state="active")
            if link.webcrm_id is not None and link.webcrm_id not in self.seen
        ]
        if not links:
            return
        by_delivery: dict[int, list[QuotationLine]] = {}
        for line in await self.ctx.webcrm.quotation_lines.every():
            by_delivery.setdefault(line.delivery_id, []).append(line)
        for link in links:
            webcrm_id = link.webcrm_id or ""
            async with self.ctx.guard(KIND, "webcrm", webcrm_id, "sync"):
                lines = sorted(
                    by_delivery.get(int(webcrm_id), []),
                    key=lambda line: (line.sort_order, line.id),
                )
                snapshot = Delivery.model_validate(link.webcrm_snapshot or {})
                now = self.webcrm_lines(lines)
                same_ids = [w.id for w in now] == list(link.extra.get(LINE_IDS, []))
                if same_ids and hash_of(snapshot) == hash_of(
                    snapshot.model_copy(update={"lines": tuple(w.line for w in now)})
                ):
                    continue
                await self.reconcile(link, lines=lines)

    async def sync_record(self, source: str, record_id: str, *, force: bool = False) -> None:
        """One webCRM delivery (by id) or Fortnox document (``order-12``, ``invoice-7``)."""
        ctx = self.ctx
        if source == "fortnox":
            kind, _, number = record_id.partition("-")
            await self.handle_fortnox(kind, number)
            return
        delivery = None
        gone = False
        async with ctx.guard(KIND, source, record_id, "read"):
            try:
                delivery = await ctx.webcrm.deliveries.get(int(record_id))
            except NotFoundError:
                gone = True
        if gone:
            link = ctx.store.get_link(KIND, webcrm_id=record_id)
            if link is None or link.state != "active":
                ctx.store.resolve_failures(KIND, source, record_id)
                return
            async with ctx.guard(KIND, source, record_id, "sync"):
                await self.reconcile(link)
            return
        if delivery is not None:  # None: the read failed and is in the inbox
            await self.handle_webcrm(delivery, force=force)

    async def retry(self, failure: Failure) -> None:
        """An inbox entry is tried in full again, even if its hash looks synced."""
        await self.sync_record(failure.source, failure.source_id, force=True)

    # --- entry points from the feeds ------------------------------------------------
    async def handle_webcrm(self, delivery: WebcrmDelivery, *, force: bool = False) -> None:
        key = str(delivery.id)
        self.seen.add(key)
        ctx = self.ctx
        ctx.identify(KIND, "webcrm", key, delivery.description)
        async with ctx.guard(KIND, "webcrm", key, "sync"):
            lines = await ctx.webcrm.quotation_lines.for_delivery(delivery.id)
            link = ctx.store.get_link(KIND, webcrm_id=key)
            if link is None:
                if adopted := await self.creator.from_webcrm(delivery, lines):
                    await self.reconcile(adopted)
                return
            resuming = link.state == "paused"
            if resuming and (
                link.note != PAUSED_CUSTOMER
                or not await self.customer_synced(delivery.organisation_id)
            ):
                ctx.report.count(KIND, "paused")
                self.applier.settle(_settled(link), link)  # the pause says why
                return
            if (
                not resuming
                and not force
                and link.webcrm_hash == hash_of(self.from_webcrm(delivery, lines))
            ):
                ctx.report.count(KIND, "unchanged")
                return
            await self.reconcile(link, delivery=delivery, lines=lines, resuming=resuming)

    async def handle_fortnox(self, kind: str, number: str) -> None:
        ctx = self.ctx
        async with ctx.guard(KIND, "fortnox", document_key(kind, number), "sync"):
            try:
                document, view = await self.read_fortnox(kind, number)
            except NotFoundError:
                return
            if isinstance(document, FortnoxInvoice) and document.order_reference is not None:
                await self._invoice_of_order(document)
                return
            link = ctx.store.get_link(KIND, fortnox_id=number, fortnox_type=kind)
            if link is None:
                origin = webcrm_id_from_reference(document.external_invoice_reference1)
                if origin is not None:
                    # Made by us from a webCRM delivery, but the link was never recorded
                    # (a crash): the webCRM side adopts it instead of creating anew.
                    delivery = await ctx.webcrm.deliveries.get(origin)
                    await self.handle_webcrm(delivery)
                    return
                if document.cancelled:
                    ctx.report.count(KIND, "ignored")
                    return
                if adopted := await self.creator.from_fortnox(kind, document, view):
                    await self.reconcile(adopted)
                return
            if link.state == "paused":
                ctx.report.count(KIND, "paused")
                self.applier.settle(_settled(link), link)  # the pause says why
                return
            if link.fortnox_hash == hash_of(view):
                ctx.report.count(KIND, "unchanged")
                return
            await self.reconcile(link, document=(document, view))

    async def _invoice_of_order(self, invoice: FortnoxInvoice) -> None:
        """An invoice made from an order belongs to the order's delivery."""
        order_number = invoice.order_reference or ""
        link = self.ctx.store.get_link(KIND, fortnox_id=order_number, fortnox_type="order")
        if link is None:
            # The order was never synced: bringing it in brings the invoice fields too.
            await self.handle_fortnox("order", order_number)
            return
        if link.extra.get(INVOICE_NUMBER) != invoice.document_number:
            remember = Remember({INVOICE_NUMBER: invoice.document_number})
            link = await self.applier.apply(
                Plan(KIND, f"invoice {order_number}", (remember,)), link
            )
        if link.state != "paused":
            await self.reconcile(link)

    # --- the merge --------------------------------------------------------------------
    async def reconcile(
        self,
        link: Link,
        *,
        delivery: WebcrmDelivery | None = None,
        lines: Sequence[QuotationLine] | None = None,
        document: tuple[Document, Delivery] | None = None,
        resuming: bool = False,
    ) -> None:
        ctx = self.ctx
        assert link.webcrm_id is not None and link.fortnox_id is not None
        kind: DocumentKind = "invoice" if link.fortnox_type == "invoice" else "order"
        try:
            delivery = delivery or await ctx.webcrm.deliveries.get(int(link.webcrm_id))
            if lines is None:
                lines = await ctx.webcrm.quotation_lines.for_delivery(delivery.id)
        except NotFoundError:
            await self._pause(link, "the delivery no longer exists in webCRM")
            return
        try:
            fortnox_doc, fortnox_now = document or await self.read_fortnox(kind, link.fortnox_id)
        except NotFoundError:
            await self._pause(link, f"the {kind} no longer exists in Fortnox")
            return
        if await self.customer_synced(delivery.organisation_id) is False:
            await self._pause(link, PAUSED_CUSTOMER)
            return
        webcrm_now = self.from_webcrm(delivery, lines)
        header, line_merge = self.merge(link, kind, webcrm_now, fortnox_now, delivery, lines)
        pair = DeliveryPair(
            link=link,
            kind=kind,
            ident=f"delivery webCRM {link.webcrm_id} ⇄ Fortnox {kind} {link.fortnox_id}",
            delivery=delivery,
            webcrm_lines=lines,
            webcrm_now=webcrm_now,
            fortnox_now=fortnox_now,
            header=header,
            lines=line_merge,
            blocked=self.lock_reason(kind, fortnox_doc, header, line_merge),
        )
        plan = self.plan(link, pair, resuming=resuming)
        await self.applier.apply(plan, link, PairWriter(self, pair))

    def merge(
        self,
        link: Link,
        kind: DocumentKind,
        webcrm_now: Delivery,
        fortnox_now: Delivery,
        delivery: WebcrmDelivery,
        lines: Sequence[QuotationLine],
    ) -> tuple[MergeResult, LineMerge]:
        side, rule = self.ctx.conflict_winner(delivery.updated_at)
        w_snap = Delivery.model_validate(link.webcrm_snapshot) if link.webcrm_snapshot else None
        f_snap = Delivery.model_validate(link.fortnox_snapshot) if link.fortnox_snapshot else None
        header = three_way(
            DOCUMENT_FIELDS[kind],
            webcrm=_header(webcrm_now),
            fortnox=_header(fortnox_now),
            webcrm_snapshot=_header(w_snap) if w_snap else None,
            fortnox_snapshot=_header(f_snap) if f_snap else None,
            ownership=self.ownership(kind),
            winner=lambda _field: (side, rule),
        )
        ids = list(link.extra.get(LINE_IDS, []))
        aligned = w_snap is not None and f_snap is not None and len(ids) == len(w_snap.lines)
        line_merge = merge_lines(
            webcrm=self.webcrm_lines(lines),
            fortnox=list(fortnox_now.lines),
            webcrm_base=[WebcrmLine(i, x) for i, x in zip(ids, w_snap.lines, strict=True)]
            if aligned and w_snap
            else None,
            fortnox_base=list(f_snap.lines) if aligned and f_snap else None,
            winner=lambda _field: (side, rule),
            first_sync="fortnox" if link.extra.get(COMPLETE_SIDE) == "fortnox" else "webcrm",
        )
        return header, line_merge

    @staticmethod
    def ownership(kind: DocumentKind) -> dict[str, Ownership]:
        owned: dict[str, Ownership] = {
            "order_number": "fortnox",
            "invoice_number": "fortnox",
            "booked": "fortnox",
        }
        if kind == "order":
            owned["invoice_date"] = "fortnox"
        return owned

    def lock_reason(
        self, kind: DocumentKind, document: Document, header: MergeResult, lines: LineMerge
    ) -> str | None:
        """Why the webCRM edit cannot be sent to this document (None: it can)."""
        merged = Delivery(**header.merged)
        wants_header = bool(document_fields(merged, header.to_fortnox, kind, create=False))
        wants_rows = lines.fortnox_changed
        if not (wants_header or wants_rows):
            return None
        # The order's canonical record carries its invoice's booked flag.
        booked = kind == "order" and bool(header.merged.get("booked"))
        return write_blocked(document, rows=wants_rows, invoice_booked=booked)

    async def _pause(self, link: Link, reason: str) -> None:
        plan = Plan(
            KIND, f"delivery webCRM {link.webcrm_id}", (Pause(reason),), inbox=_settled(link).inbox
        )
        await self.applier.apply(plan, link)


def _settled(link: Link) -> Plan:
    """A plan of nothing whose settling resolves the pair's inbox entries (a Fortnox
    document's entry is keyed ``order-12``)."""
    key = document_key(link.fortnox_type or "order", link.fortnox_id or "")
    return Plan(KIND, f"delivery webCRM {link.webcrm_id}", inbox=(("fortnox", key),))
