"""Writing a merged delivery to both sides, and recording what was written.

Split from :mod:`wfsync.sync.deliveries` (reading and merging) to keep each
module readable; :class:`DeliveryWriter` is mixed into ``DeliverySync``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from wfsync.domain import Delivery, Line
from wfsync.fortnox.delivery_mapping import (
    DocumentKind,
    delivery_from_invoice,
    delivery_from_order,
    document_fields,
)
from wfsync.fortnox.models import FortnoxInvoice, FortnoxOrder
from wfsync.http.errors import NotFoundError
from wfsync.state import Link
from wfsync.sync.context import SyncContext
from wfsync.sync.lines import LineMerge, sort_orders
from wfsync.sync.links import record_conflicts, store_snapshots
from wfsync.sync.merge import FieldConflict, MergeResult
from wfsync.webcrm.delivery_mapping import (
    delivery_fields,
    line_from_webcrm,
    quotation_line_fields,
)
from wfsync.webcrm.params import with_line_position

if TYPE_CHECKING:
    from wfsync.config import CatalogueSlots, CustomFields
    from wfsync.webcrm.models import Delivery as WebcrmDelivery
    from wfsync.webcrm.models import QuotationLine

__all__ = [
    "COMPLETE_SIDE",
    "INVOICE_NUMBER",
    "KIND",
    "LINE_IDS",
    "PAUSED_CUSTOMER",
    "DeliveryWriter",
    "Document",
    "document_key",
]

log = logging.getLogger("wfsync.sync.deliveries")
KIND = "delivery"
#: webCRM line ids aligned with the snapshots' line lists (``link.extra``).
LINE_IDS = "webcrm_line_ids"
#: Number of the invoice Fortnox made from a linked order (``link.extra``).
INVOICE_NUMBER = "invoice_number"
#: Which side surely holds the complete line list of a pair adopted without snapshots.
COMPLETE_SIDE = "complete_lines"
PAUSED_CUSTOMER = "the organisation is no longer a synced customer (its Type)"

Document = FortnoxOrder | FortnoxInvoice


def document_key(kind: str, number: str) -> str:
    """Error-inbox id of a Fortnox document (orders and invoices are numbered apart)."""
    return f"{kind}-{number}"


class DeliveryWriter:
    """The write half of ``DeliverySync`` (see there for the attributes it uses)."""

    ctx: SyncContext
    custom: CustomFields
    slots: CatalogueSlots

    def from_webcrm(
        self, delivery: WebcrmDelivery, lines: Sequence[QuotationLine]
    ) -> Delivery:  # pragma: no cover - implemented by DeliverySync
        raise NotImplementedError

    async def reconcile(self, link: Link) -> None:  # pragma: no cover - DeliverySync
        """Merge a linked pair (the creator calls it after adopting a pair)."""
        raise NotImplementedError

    # --- writing the merge ---------------------------------------------------------------
    async def _apply(
        self,
        link: Link,
        kind: DocumentKind,
        delivery: WebcrmDelivery,
        lines: Sequence[QuotationLine],
        fortnox_now: Delivery,
        header: MergeResult,
        line_merge: LineMerge,
    ) -> None:
        ctx = self.ctx
        merged = Delivery(**header.merged)
        written_fortnox = fortnox_now
        payload = document_fields(
            merged,
            header.to_fortnox,
            kind,
            create=False,
            lines=line_merge.fortnox_rows if line_merge.fortnox_changed else None,
            existing_rows=len(fortnox_now.lines),
        )
        if payload:
            number = link.fortnox_id or ""
            if kind == "order":
                written_fortnox = delivery_from_order(
                    await ctx.fortnox.orders.update(number, payload)
                )
            else:
                written_fortnox = delivery_from_invoice(
                    await ctx.fortnox.invoices.update(number, payload)
                )
            ctx.report.count(KIND, "updated_fortnox")
        if header.to_webcrm:
            delivery = await self.write_header(delivery, merged, header.to_webcrm)
        line_ids, contents = await self._write_lines(delivery, lines, line_merge)
        written_webcrm = self.from_webcrm(delivery, []).model_copy(update={"lines": contents})
        if header.to_webcrm or line_merge.webcrm_changed:
            ctx.report.count(KIND, "updated_webcrm")
        with ctx.store.transaction():
            self.record_conflicts(link, [*header.conflicts, *line_merge.conflicts])
            self.save(link, webcrm=written_webcrm, fortnox=written_fortnox, line_ids=line_ids)
        if header.quiet and not line_merge.fortnox_changed and not line_merge.webcrm_changed:
            ctx.report.count(KIND, "unchanged")

    async def _apply_blocked(
        self,
        link: Link,
        delivery: WebcrmDelivery,
        webcrm_now: Delivery,
        fortnox_now: Delivery,
        header: MergeResult,
    ) -> None:
        """A locked document: nothing goes to Fortnox, Fortnox's changes reach webCRM.

        webCRM's snapshot keeps its old values except for what we wrote, so the
        unsent edit stays visible as a change (and in the error inbox) until it is
        undone in webCRM or made in Fortnox.
        """
        merged = Delivery(**header.merged)
        if header.to_webcrm:
            await self.write_header(delivery, merged, header.to_webcrm)
            self.ctx.report.count(KIND, "updated_webcrm")
        w_old = (
            Delivery.model_validate(link.webcrm_snapshot) if link.webcrm_snapshot else webcrm_now
        )
        f_old = Delivery.model_validate(link.fortnox_snapshot) if link.fortnox_snapshot else None
        w_snap = w_old.model_copy(update={name: merged.values()[name] for name in header.to_webcrm})
        f_lines = f_old.lines if f_old is not None else fortnox_now.lines
        f_snap = fortnox_now.model_copy(update={"lines": f_lines})
        with self.ctx.store.transaction():
            self.record_conflicts(link, header.conflicts)
            line_ids = link.extra.get(LINE_IDS, [])
            # Still blocked: the inbox entry stays open (its attempts count up).
            self.save(link, webcrm=w_snap, fortnox=f_snap, line_ids=line_ids, resolve=False)

    async def write_header(
        self, delivery: WebcrmDelivery, merged: Delivery, names: Sequence[str] | dict[str, Any]
    ) -> WebcrmDelivery:
        changes = {
            prop: value
            for prop, value in delivery_fields(merged, names, self.custom).items()
            if delivery.field(prop) != ("" if value is None else str(value))
        }
        if not changes:
            return delivery
        return await self.ctx.webcrm.deliveries.update(delivery.id, changes)

    async def _write_lines(
        self, delivery: WebcrmDelivery, lines: Sequence[QuotationLine], merge: LineMerge
    ) -> tuple[list[int], tuple[Line, ...]]:
        """Delete, update and create webCRM lines; returns the ids and contents as stored."""
        api = self.ctx.webcrm.quotation_lines
        current = {q.id: q.sort_order for q in lines}
        orders = sort_orders(
            [current.get(item.webcrm_id) if item.webcrm_id else None for item in merge.lines]
        )
        wrote = False
        for line_id in merge.webcrm_deleted:
            with contextlib.suppress(NotFoundError):
                await api.delete(line_id)
            wrote = True
        ids: list[int] = []
        for item, sort_order in zip(merge.lines, orders, strict=True):
            fields = quotation_line_fields(
                item.line,
                self.slots,
                delivery_id=delivery.id,
                organisation_id=delivery.organisation_id,
                sort_order=sort_order,
            )
            if item.webcrm_id is None:
                ids.append(await api.create(fields))
                wrote = True
                continue
            ids.append(item.webcrm_id)
            changes = fields if item.write_webcrm else {}
            if current.get(item.webcrm_id) != sort_order:
                changes = with_line_position(changes, sort_order)
            if changes:
                await api.update(item.webcrm_id, changes)
                wrote = True
        if not wrote:
            return ids, tuple(item.webcrm_value for item in merge.lines)
        stored = {q.id: q for q in await api.for_delivery(delivery.id)}
        contents = tuple(
            line_from_webcrm(stored[i], self.slots) if i in stored else item.line
            for i, item in zip(ids, merge.lines, strict=True)
        )
        return ids, contents

    # --- bookkeeping ---------------------------------------------------------------------
    def record_conflicts(self, link: Link, conflicts: Sequence[FieldConflict]) -> None:
        self.ctx.report.count(KIND, "conflicts", len(conflicts))
        record_conflicts(self.ctx.store, link, conflicts)

    def save(
        self,
        link: Link,
        *,
        webcrm: Delivery,
        fortnox: Delivery,
        line_ids: Sequence[int],
        resolve: bool = True,
    ) -> Link:
        """Record both snapshots (aligned line lists) and, unless the record is still
        blocked, close its failures."""
        store = self.ctx.store
        link.extra = {**link.extra, LINE_IDS: list(line_ids)}
        link = store_snapshots(
            store, link, webcrm=webcrm, fortnox=fortnox, now=self.ctx.clock.now()
        )
        if not resolve:
            return link
        store.resolve_failures(KIND, "webcrm", link.webcrm_id or "")
        store.resolve_failures(
            KIND, "fortnox", document_key(link.fortnox_type or "order", link.fortnox_id or "")
        )
        return link
