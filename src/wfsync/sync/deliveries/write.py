"""Writing a merged delivery to both sides, and recording what was written.

Split from :mod:`wfsync.sync.deliveries.sync` (reading and merging) to keep each
module readable; :class:`DeliveryWriter` is mixed into ``DeliverySync``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
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
from wfsync.sync.links import record_conflicts, store_snapshots, written_part
from wfsync.sync.merge import FieldConflict, MergeResult
from wfsync.sync.plan import Create, Fail, Op, Plan, Remove, Resume, Update
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
    "DeliveryPair",
    "DeliveryWriter",
    "Document",
    "PairWriter",
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

    # --- writing the merge ---------------------------------------------------------------
    def plan(self, link: Link, pair: DeliveryPair, *, resuming: bool = False) -> Plan:
        """The merged pair as a plan: a locked document sends nothing to Fortnox (and
        fails, waiting for an edit); otherwise each side that differs is updated."""
        header, lines = pair.header, pair.lines
        ops: list[Op] = [Resume()] if resuming else []
        if pair.blocked:
            if header.to_webcrm:
                ops.append(Update("webcrm", tuple(header.to_webcrm)))
            ops.append(Fail("fortnox", pair.blocked, retry="on_change"))
            return Plan(KIND, pair.ident, tuple(ops), tuple(header.conflicts))
        if header.to_fortnox or lines.fortnox_changed:
            rows = "rows" if lines.fortnox_changed else ""
            ops.append(Update("fortnox", tuple(header.to_fortnox), rows))
        if header.to_webcrm or lines.webcrm_changed or self._lines_to_tidy(pair):
            ops.append(
                Update("webcrm", tuple(header.to_webcrm), "lines" if lines.webcrm_changed else "")
            )
        return Plan(KIND, pair.ident, tuple(ops), (*header.conflicts, *lines.conflicts))

    @staticmethod
    def _lines_to_tidy(pair: DeliveryPair) -> bool:
        """webCRM lines to create, delete or move (even when no content changed)."""
        current = {q.id: q.sort_order for q in pair.webcrm_lines}
        items = pair.lines.lines
        orders = sort_orders([current.get(i.webcrm_id) if i.webcrm_id else None for i in items])
        if pair.lines.webcrm_deleted or any(i.webcrm_id is None for i in items):
            return True
        return any(
            i.webcrm_id is not None and current.get(i.webcrm_id) != order
            for i, order in zip(items, orders, strict=True)
        )

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

    async def write_lines(
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


@dataclass
class DeliveryPair:
    """A linked delivery pair as read and merged (what its plan and writer need)."""

    link: Link
    kind: DocumentKind
    ident: str
    delivery: WebcrmDelivery
    webcrm_lines: Sequence[QuotationLine]
    webcrm_now: Delivery
    fortnox_now: Delivery
    header: MergeResult
    lines: LineMerge
    blocked: str | None


class PairWriter:
    """Carries a delivery plan out: the Fortnox document's update (header and rows),
    webCRM's header and lines, then both snapshots with the lines aligned."""

    def __init__(self, deliveries: DeliveryWriter, pair: DeliveryPair) -> None:
        self.deliveries = deliveries
        self.pair = pair
        self.merged = Delivery(**pair.header.merged)
        self.written_fortnox = pair.fortnox_now
        self.delivery = pair.delivery
        self.line_ids: list[int] | None = None
        self.contents: tuple[Line, ...] = ()

    async def predict(self, plan: Plan) -> list[str]:
        return []  # Fortnox's document rules are checked when the pair is merged

    async def write(self, op: Update | Create | Remove) -> bool:
        pair, ctx = self.pair, self.deliveries.ctx
        if op.side == "fortnox":
            payload = document_fields(
                self.merged,
                pair.header.to_fortnox,
                pair.kind,
                create=False,
                lines=pair.lines.fortnox_rows if pair.lines.fortnox_changed else None,
                existing_rows=len(pair.fortnox_now.lines),
            )
            if payload:
                number = pair.link.fortnox_id or ""
                if pair.kind == "order":
                    order = await ctx.fortnox.orders.update(number, payload)
                    answer = delivery_from_order(order)
                else:
                    invoice = await ctx.fortnox.invoices.update(number, payload)
                    answer = delivery_from_invoice(invoice)
                rows = ("lines",) if pair.lines.fortnox_changed else ()
                self.written_fortnox = written_part(
                    answer, pair.fortnox_now, (*pair.header.to_fortnox, *rows)
                )
                ctx.report.count(KIND, "updated_fortnox")
            return True
        if pair.header.to_webcrm:
            self.delivery = await self.deliveries.write_header(
                self.delivery, self.merged, pair.header.to_webcrm
            )
        if pair.blocked:
            ctx.report.count(KIND, "updated_webcrm")
            return True
        ids, self.contents = await self.deliveries.write_lines(
            self.delivery, pair.webcrm_lines, pair.lines
        )
        self.line_ids = ids
        if pair.header.to_webcrm or pair.lines.webcrm_changed:
            ctx.report.count(KIND, "updated_webcrm")
        return True

    def record(self, link: Link) -> None:
        pair = self.pair
        if pair.blocked:
            # webCRM's snapshot keeps its old values except for what we wrote, so the
            # unsent edit stays visible as a change (and in the inbox) until it is
            # undone in webCRM or made in Fortnox.
            w_old = (
                Delivery.model_validate(link.webcrm_snapshot)
                if link.webcrm_snapshot
                else pair.webcrm_now
            )
            f_old = (
                Delivery.model_validate(link.fortnox_snapshot) if link.fortnox_snapshot else None
            )
            wrote = {name: self.merged.values()[name] for name in pair.header.to_webcrm}
            f_lines = f_old.lines if f_old is not None else pair.fortnox_now.lines
            self.deliveries.save(
                link,
                webcrm=w_old.model_copy(update=wrote),
                fortnox=pair.fortnox_now.model_copy(update={"lines": f_lines}),
                line_ids=link.extra.get(LINE_IDS, []),
                resolve=False,  # still blocked: the inbox entry stays open
            )
            return
        if self.line_ids is None:  # webCRM was not written: its lines are as merged
            self.line_ids = [item.webcrm_id for item in pair.lines.lines if item.webcrm_id]
            self.contents = tuple(item.webcrm_value for item in pair.lines.lines)
        # The update re-reads the delivery before its PUT: of its answer only the
        # header fields we wrote count as synced (the lines are as written or merged).
        answer = self.deliveries.from_webcrm(self.delivery, []).model_copy(
            update={"lines": self.contents}
        )
        written_webcrm = written_part(answer, pair.webcrm_now, (*pair.header.to_webcrm, "lines"))
        self.deliveries.save(
            link, webcrm=written_webcrm, fortnox=self.written_fortnox, line_ids=self.line_ids
        )
