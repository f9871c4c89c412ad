"""Unlinked deliveries: create the other side's copy once, and only once.

Creates are crash-safe the same way as customers': an *intent* is committed
before the vendor call, and the link and the end of the intent are committed
together after it. Each copy also carries a key back to its origin, so that a
run resuming an interrupted create finds what the crashed run made instead of
making a second one:

* a Fortnox order/invoice made from webCRM delivery 158 has
  ``ExternalInvoiceReference1 = "webCRM 158"`` (searched with
  ``?externalinvoicereference1=``, compared exactly because Fortnox searches by
  substring);
* a webCRM delivery made from Fortnox order 12 has
  ``DeliveryErpId = "fortnox-order-12"`` (found with ``/Queries``).

A delivery is only synced for an organisation that is a synced customer; if the
customer is not linked yet it is synced first, in the same run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wfsync.domain import Delivery
from wfsync.domain.normalise import same
from wfsync.fortnox.delivery_mapping import (
    DOCUMENT_FIELDS,
    DocumentKind,
    delivery_from_invoice,
    delivery_from_order,
    document_fields,
    external_reference,
)
from wfsync.fortnox.params import new_document
from wfsync.state import Link
from wfsync.sync.apply import Applier, carry_out
from wfsync.sync.context import RecordFailed
from wfsync.sync.customers import CustomerSync
from wfsync.sync.deliveries.write import COMPLETE_SIDE, KIND, DeliveryWriter, Document
from wfsync.sync.intents import create_with_intent, open_intents_for
from wfsync.sync.plan import Adopt, Create, Plan
from wfsync.webcrm.delivery_mapping import (
    ERP_ID_FIELD,
    delivery_fields,
    erp_id,
    fortnox_document_from_erp_id,
    quotation_line_fields,
)
from wfsync.webcrm.params import new_delivery

if TYPE_CHECKING:
    from wfsync.webcrm.models import Delivery as WebcrmDelivery
    from wfsync.webcrm.models import QuotationLine

__all__ = ["DeliveryCreator"]

log = logging.getLogger("wfsync.sync.deliveries")
SORT_STEP = 10


class DeliveryCreator:
    def __init__(self, deliveries: DeliveryWriter, customers: CustomerSync) -> None:
        """``deliveries``: the write half of deliveries (mapping and saving a pair), the
        one dependency besides the run's context. A link this creator adopts is
        returned for its caller to merge: nothing here calls back up. ``customers``
        syncs a delivery's customer first when it has no link yet (the run's own
        instance, so its match index of the other side is read once per run)."""
        self.deliveries = deliveries
        self.customers = customers
        self.ctx = deliveries.ctx
        self.applier = Applier(deliveries.ctx)

    # --- the customer comes first ---------------------------------------------------
    async def _fortnox_customer(self, organisation_id: int, ident: str) -> str | None:
        """The Fortnox customer number of the delivery's organisation, syncing the
        customer first if needed. None only in a dry run (the customer is planned)."""
        ctx, store = self.ctx, self.ctx.store
        link = store.get_link("customer", webcrm_id=str(organisation_id))
        if link is None:
            org = await ctx.webcrm.organisations.get(organisation_id)
            if (org.type or "").strip() not in ctx.settings.sync.customer_types:
                raise RecordFailed(
                    f"{ident} is not synced: its organisation {org.name or organisation_id} has "
                    f"Type {org.type or '(empty)'!r}, not one of the synced customer Types "
                    f"({', '.join(ctx.settings.sync.customer_types)}). Set the Type to sync it."
                )
            await self.customers.handle_webcrm(org)
            link = store.get_link("customer", webcrm_id=str(organisation_id))
            if link is None:
                if ctx.dry_run:
                    return None
                raise RecordFailed(
                    f"{ident} waits for its organisation {organisation_id}, which could not be "
                    "synced to Fortnox yet (see the organisation's entry in the error inbox)"
                )
        if link.state != "active" or link.fortnox_id is None:
            raise RecordFailed(
                f"{ident} is not synced: the link of its organisation is paused ({link.note})"
            )
        return link.fortnox_id

    async def _webcrm_organisation(self, customer_number: str | None, ident: str) -> int | None:
        ctx, store = self.ctx, self.ctx.store
        if not customer_number:
            raise RecordFailed(f"{ident} has no customer", retry="on_change")
        link = store.get_link("customer", fortnox_id=customer_number)
        if link is None:
            await self.customers.handle_fortnox(customer_number)
            link = store.get_link("customer", fortnox_id=customer_number)
            if link is None:
                if ctx.dry_run:
                    return None
                raise RecordFailed(
                    f"{ident} waits for its customer {customer_number}, which could not be "
                    "brought into webCRM yet (see the customer's entry in the error inbox)"
                )
        if link.state != "active" or link.webcrm_id is None:
            raise RecordFailed(
                f"{ident} is not synced: its customer's link is paused ({link.note})"
            )
        return int(link.webcrm_id)

    # --- webCRM delivery → Fortnox order or invoice ------------------------------------
    async def from_webcrm(
        self, delivery: WebcrmDelivery, lines: Sequence[QuotationLine]
    ) -> Link | None:
        """Copy a new webCRM delivery to Fortnox (its customer first), or adopt the
        copy an interrupted run made; a link returned is for the caller to merge."""
        key = str(delivery.id)
        ident = f"webCRM delivery {key} ({delivery.description or 'no description'})"
        marker = fortnox_document_from_erp_id(delivery.field(ERP_ID_FIELD))
        if marker is not None:
            origin, number = marker
            # The Fortnox document has every line; the webCRM copy may have been cut
            # short by the crash, so Fortnox's list is the one to keep.
            kind_: DocumentKind = "invoice" if origin == "invoice" else "order"
            plan = Plan(KIND, ident, (Adopt(key, number, fortnox_kind=kind_),))
            return await self._make(plan, _Making(self, key, ident, kind_, complete="fortnox"))
        customer_number = await self._fortnox_customer(delivery.organisation_id, ident)
        kind: DocumentKind = self.ctx.settings.sync.delivery_target
        record = self._dated(self.deliveries.from_webcrm(delivery, lines), kind, ident)
        making = _Making(self, key, ident, kind, complete="webcrm")
        making.webcrm, making.lines, making.record = delivery, lines, record
        making.partner = customer_number
        plan = Plan(KIND, ident, (Create("fortnox", f"as a Fortnox {kind}"),))
        return await self._make(plan, making)

    async def _make(self, plan: Plan, making: _Making) -> Link | None:
        """The applier carries the plan out (or lists it); an adopted pair is returned,
        to be merged in full (what the interrupted run did not finish)."""
        link = await self.applier.make(plan, making)
        return link if making.merge else None

    async def create_in_fortnox(self, making: _Making) -> Link:
        ctx, store, kind = self.ctx, self.ctx.store, making.kind
        key, ident = making.key, making.ident
        delivery, lines, record = making.webcrm, making.lines, making.record
        assert delivery is not None and record is not None and making.partner is not None
        customer_number = str(making.partner)
        reference = external_reference(key)
        if open_intents_for(ctx, KIND, "fortnox", key):
            # A create whose answer was lost may have landed: the marker finds it.
            found = await self._find_fortnox(kind, reference)
            if found is not None:
                return await self.adopt(Adopt(key, found, fortnox_kind=kind), making)
        payload = new_document(
            customer_number=customer_number,
            reference=reference,
            fields=document_fields(
                record, DOCUMENT_FIELDS[kind], kind, create=True, lines=record.lines
            ),
        )

        async def send() -> tuple[Document, Delivery]:
            if kind == "order":
                order = await ctx.fortnox.orders.create(payload)
                return order, delivery_from_order(order)
            invoice = await ctx.fortnox.invoices.create(payload)
            return invoice, delivery_from_invoice(invoice)

        (document, view), intent = await create_with_intent(
            ctx,
            entity=KIND,
            target="fortnox",
            source_id=key,
            payload={"kind": kind, "reference": reference},
            ident=ident,
            send=send,
        )
        number = document.document_number
        # Fortnox's numbers and defaults back to webCRM, with the key to the document.
        current = self.deliveries.from_webcrm(delivery, lines)
        names = [
            n for n in DOCUMENT_FIELDS[kind] if not same(n, current.values()[n], view.values()[n])
        ]
        changes = {
            **delivery_fields(view, names, self.deliveries.custom),
            ERP_ID_FIELD: erp_id(kind, number),
        }
        updated = await ctx.webcrm.deliveries.update(delivery.id, changes)
        with store.transaction():
            link = store.save_link(
                Link(kind=KIND, webcrm_id=key, fortnox_id=number, fortnox_type=kind)
            )
            self.deliveries.save(
                link,
                webcrm=self.deliveries.from_webcrm(updated, lines),
                fortnox=view,
                line_ids=[q.id for q in lines],
            )
            store.finish_intent(intent.id)
        ctx.report.count(KIND, "created_fortnox")
        log.info("created Fortnox %s %s for %s", kind, number, ident)
        return link

    def _dated(self, record: Delivery, kind: DocumentKind, ident: str) -> Delivery:
        """An invoice needs a date: the delivery's invoice date, else its order date."""
        if kind != "invoice" or record.invoice_date is not None:
            return record
        if record.order_date is None:
            raise RecordFailed(
                f"{ident} has neither an invoice date nor an order date, so no invoice was made; "
                f"fill in the invoice date ({self.deliveries.custom.invoice_date})",
                retry="on_change",
            )
        self.ctx.report.warnings.append(
            f"{ident} has no invoice date; the invoice was dated with its order date "
            f"{record.order_date.isoformat()}"
        )
        return record.model_copy(update={"invoice_date": record.order_date})

    async def _find_fortnox(self, kind: DocumentKind, reference: str) -> str | None:
        resource = self.ctx.fortnox.orders if kind == "order" else self.ctx.fortnox.invoices
        async for item in resource.list(externalinvoicereference1=reference):
            if (item.external_invoice_reference1 or "").strip() == reference and not item.cancelled:
                return item.document_number
        return None

    # --- Fortnox order or invoice → webCRM delivery ---------------------------------------
    async def from_fortnox(self, kind: str, document: Document, view: Delivery) -> Link | None:
        """Copy a new Fortnox order or invoice to webCRM (its customer first); a link
        returned is for the caller to merge."""
        doc_kind: DocumentKind = "invoice" if kind == "invoice" else "order"
        number = document.document_number
        key = f"{doc_kind}-{number}"
        ident = f"Fortnox {doc_kind} {number}"
        organisation_id = await self._webcrm_organisation(document.customer_number, ident)
        making = _Making(self, key, ident, doc_kind, complete="fortnox")
        making.number, making.view, making.partner = number, view, organisation_id
        return await self._make(
            Plan(KIND, ident, (Create("webcrm", "as a webCRM delivery"),)), making
        )

    async def create_in_webcrm(self, making: _Making) -> Link:
        ctx, store, key, ident = self.ctx, self.ctx.store, making.key, making.ident
        doc_kind, number, view = making.kind, making.number, making.view
        assert view is not None and making.partner is not None
        organisation_id = int(making.partner)
        erp = erp_id(doc_kind, number)
        if open_intents_for(ctx, KIND, "webcrm", key):
            # A create whose answer was lost may have landed: the ERP id finds it.
            found = [
                d
                for d in await ctx.webcrm.deliveries.find(ERP_ID_FIELD, erp)
                if d.field(ERP_ID_FIELD).strip().casefold() == erp.casefold()
            ]
            if found:
                return await self.adopt(
                    Adopt(str(found[0].id), number, fortnox_kind=doc_kind), making
                )
        custom = self.deliveries.custom
        dated = (
            view if view.order_date else view.model_copy(update={"order_date": view.invoice_date})
        )
        dto = new_delivery(
            organisation_id=organisation_id,
            description=ctx.settings.sync.fortnox_delivery_description,
            fields={
                ERP_ID_FIELD: erp,
                **delivery_fields(dated, ("order_date", *DOCUMENT_FIELDS[doc_kind]), custom),
            },
            completed=doc_kind == "invoice",
        )
        delivery_id, intent = await create_with_intent(
            ctx,
            entity=KIND,
            target="webcrm",
            source_id=key,
            payload={"erp_id": erp},
            ident=ident,
            send=lambda: ctx.webcrm.deliveries.create(dto, lookup=(ERP_ID_FIELD, erp)),
        )
        for position, line in enumerate(view.lines):
            await ctx.webcrm.quotation_lines.create(
                quotation_line_fields(
                    line,
                    self.deliveries.slots,
                    delivery_id=delivery_id,
                    organisation_id=organisation_id,
                    sort_order=SORT_STEP * (position + 1),
                )
            )
        delivery = await ctx.webcrm.deliveries.get(delivery_id)
        lines = await ctx.webcrm.quotation_lines.for_delivery(delivery_id)
        with store.transaction():
            link = store.save_link(
                Link(
                    kind=KIND, webcrm_id=str(delivery_id), fortnox_id=number, fortnox_type=doc_kind
                )
            )
            self.deliveries.save(
                link,
                webcrm=self.deliveries.from_webcrm(delivery, lines),
                fortnox=view,
                line_ids=[q.id for q in lines],
            )
            store.finish_intent(intent.id)
        ctx.report.count(KIND, "created_webcrm")
        log.info("created webCRM delivery %s for %s", delivery_id, ident)
        return link

    # --- adopting a copy an interrupted run made ------------------------------------------
    async def adopt(self, op: Adopt, making: _Making) -> Link:
        """Link a pair an interrupted run made; ``making.complete`` names the side whose
        line list is whole (a document is created with all its rows in one request, a
        webCRM delivery line by line). The pair is then merged in full."""
        store = self.ctx.store
        kind, number = making.kind, op.fortnox_id
        with store.transaction():
            link = store.save_link(
                Link(
                    kind=KIND,
                    webcrm_id=op.webcrm_id,
                    fortnox_id=number,
                    fortnox_type=kind,
                    extra={COMPLETE_SIDE: making.complete},
                )
            )
            for intent in store.open_intents(KIND):
                if intent.source_id in (op.webcrm_id, f"{kind}-{number}"):
                    store.finish_intent(intent.id)
        self.ctx.report.count(KIND, "linked")
        log.info("linked %s to Fortnox %s %s", making.ident, kind, number)
        making.merge = True
        return link


@dataclass
class _Making:
    """One unlinked delivery or document on its way to a link: the applier's
    :class:`~wfsync.sync.apply.Maker`."""

    creator: DeliveryCreator
    #: The record's id on the side it was read from (``order-12`` for Fortnox).
    key: str
    ident: str
    kind: DocumentKind
    #: The side whose line list is whole, should the pair be adopted.
    complete: str
    #: The customer's id on the side the copy is made in (Fortnox customer number,
    #: webCRM organisation id); None in a dry run whose customer is only planned.
    partner: str | int | None = None
    webcrm: WebcrmDelivery | None = None
    lines: Sequence[QuotationLine] = ()
    record: Delivery | None = None
    number: str = ""
    view: Delivery | None = None
    merge: bool = False

    async def predict(self, plan: Plan) -> list[str]:
        return []

    async def make(self, op: Create | Adopt) -> Link:
        return await carry_out(self.creator, op, self)
