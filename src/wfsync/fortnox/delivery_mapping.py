"""Fortnox orders and invoices ⇄ canonical :class:`~wfsync.domain.Delivery`.

The only module that knows the Fortnox field names of documents and rows
(reference §7–8). Decisions:

* **Quantity.** An order row's quantity is ``OrderedQuantity``; we write
  ``DeliveredQuantity`` with the same value, because the invoice Fortnox makes
  from an order (``createinvoice``) bills the *delivered* quantity — an order
  row with nothing delivered would be invoiced at zero. An invoice row's
  quantity is ``DeliveredQuantity`` (there is no ordered quantity).
* **Text** is ``Remarks`` (printed on the document), not ``Comments`` (internal).
* **Discount** is a percentage on both sides; rows Fortnox holds with an
  ``AMOUNT`` discount are read as-is and written back as ``PERCENT`` only if
  the line is changed.
* **Invoice fields of an order** (number, date, booked) come from the invoice
  ``createinvoice`` made, passed in by the caller (the order only carries
  ``InvoiceReference``).
* **Writes** are built from an allow-list of writable fields; a header value is
  cleared with ``"API_BLANK"`` (Fortnox ignores ``""`` on PUT, §12.3). Rows are
  always sent complete and positional, without ``RowId``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from wfsync.domain.models import Delivery, Line
from wfsync.fortnox.client import API_BLANK
from wfsync.fortnox.models import DocumentRow, FortnoxInvoice, FortnoxOrder

__all__ = [
    "DOCUMENT_FIELDS",
    "DocumentKind",
    "delivery_from_invoice",
    "delivery_from_order",
    "document_fields",
    "external_reference",
    "line_from_row",
    "row_fields",
    "rows_field",
    "webcrm_id_from_reference",
    "write_blocked",
]

DocumentKind = Literal["order", "invoice"]

#: Canonical header fields each kind of document carries (the merge's field list).
DOCUMENT_FIELDS: dict[DocumentKind, tuple[str, ...]] = {
    "order": (
        "order_date",
        "delivery_date",
        "text",
        "order_number",
        "invoice_number",
        "invoice_date",
        "booked",
    ),
    "invoice": (
        "invoice_date",
        "delivery_date",
        "text",
        "order_number",
        "invoice_number",
        "booked",
    ),
}

#: Writable header fields: canonical name → Fortnox name, per kind.
_WRITABLE: dict[DocumentKind, dict[str, str]] = {
    "order": {"order_date": "OrderDate", "delivery_date": "DeliveryDate", "text": "Remarks"},
    "invoice": {"invoice_date": "InvoiceDate", "delivery_date": "DeliveryDate", "text": "Remarks"},
}
#: Dates Fortnox requires on a document: never blanked.
_NOT_CLEARABLE = frozenset({"order_date", "invoice_date"})
_DESCRIPTION_LIMIT = 255
_CENT = Decimal("0.01")
_REFERENCE = re.compile(r"^\s*webCRM\s+(\d+)\s*$", re.IGNORECASE)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def line_from_row(row: DocumentRow, kind: DocumentKind) -> Line:
    """The canonical line of one order or invoice row."""
    quantity = row.ordered_quantity if kind == "order" else row.delivered_quantity
    return Line(
        article_number=_text(row.article_number),
        description=_text(row.description),
        quantity=quantity if quantity is not None else Decimal(0),
        price=row.price if row.price is not None else Decimal(0),
        discount=row.discount if row.discount is not None else Decimal(0),
        unit=_text(row.unit),
        vat=row.vat,
    )


def delivery_from_order(order: FortnoxOrder, invoice: FortnoxInvoice | None = None) -> Delivery:
    """An order as a delivery; ``invoice`` is the one made from it, if any."""
    return Delivery(
        order_date=order.order_date,
        delivery_date=order.delivery_date,
        text=_text(order.remarks),
        order_number=_text(order.document_number),
        invoice_number=order.invoice_reference,
        invoice_date=invoice.invoice_date if invoice is not None else None,
        booked=invoice.booked if invoice is not None else False,
        completed=False,
        lines=tuple(line_from_row(row, "order") for row in order.rows),
    )


def delivery_from_invoice(invoice: FortnoxInvoice) -> Delivery:
    """An invoice as a delivery (its order number is the order it was made from, if any)."""
    return Delivery(
        order_date=None,
        delivery_date=invoice.delivery_date,
        text=_text(invoice.remarks),
        order_number=invoice.order_reference,
        invoice_number=_text(invoice.document_number),
        invoice_date=invoice.invoice_date,
        booked=invoice.booked,
        completed=True,
        lines=tuple(line_from_row(row, "invoice") for row in invoice.rows),
    )


def _money(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def row_fields(line: Line, kind: DocumentKind, *, clear: bool = False) -> dict[str, Any]:
    """One row for a POST/PUT.

    Rows are written by position, and a row sent to a position that already
    holds a row *updates* it (fields left out keep the old row's values). So with
    ``clear`` (the position exists) an empty text is sent as ``"API_BLANK"``;
    without it (a new row) it is left out and Fortnox fills it from the article.
    """
    quantity = _money(line.quantity)
    row: dict[str, Any] = {}
    texts = (
        ("ArticleNumber", _text(line.article_number)),
        ("Description", (_text(line.description) or "")[:_DESCRIPTION_LIMIT] or None),
        ("Unit", _text(line.unit)),
    )
    for wire, value in texts:
        if value is not None:
            row[wire] = value
        elif clear:
            row[wire] = API_BLANK
    if kind == "order":
        row["OrderedQuantity"] = quantity
    row["DeliveredQuantity"] = quantity
    row["Price"] = _money(line.price)
    row["Discount"] = _money(line.discount)
    row["DiscountType"] = "PERCENT"
    if line.vat is not None:
        row["VAT"] = line.vat
    return row


def rows_field(kind: DocumentKind) -> str:
    return "OrderRows" if kind == "order" else "InvoiceRows"


def document_fields(
    target: Delivery,
    names: Iterable[str],
    kind: DocumentKind,
    *,
    create: bool,
    lines: Sequence[Line] | None = None,
    existing_rows: int = 0,
) -> dict[str, Any]:
    """The body fields that make a Fortnox document hold ``target``'s ``names``.

    Fields Fortnox owns (numbers, booked) or that the kind does not carry are
    skipped. ``lines``, when given, becomes the complete row list (the document
    holds ``existing_rows`` rows now).
    """
    writable = _WRITABLE[kind]
    fields: dict[str, Any] = {}
    for name in names:
        wire = writable.get(name)
        if wire is None:
            continue
        value = getattr(target, name)
        if isinstance(value, str):
            value = value.strip() or None
        if value is None:
            if create or name in _NOT_CLEARABLE:
                continue
            fields[wire] = API_BLANK
        else:
            fields[wire] = value
    if lines is not None:
        fields[rows_field(kind)] = [
            row_fields(line, kind, clear=position < existing_rows)
            for position, line in enumerate(lines)
        ]
    return fields


def external_reference(webcrm_delivery_id: int | str) -> str:
    """``ExternalInvoiceReference1`` of a document made from a webCRM delivery."""
    return f"webCRM {webcrm_delivery_id}"


def webcrm_id_from_reference(reference: str | None) -> int | None:
    """The webCRM delivery id in an ``ExternalInvoiceReference1`` we wrote, else None."""
    found = _REFERENCE.match(reference or "")
    return int(found.group(1)) if found else None


def write_blocked(
    document: FortnoxOrder | FortnoxInvoice, *, rows: bool, invoice_booked: bool = False
) -> str | None:
    """Why a change cannot be written to ``document`` (None: it can), worded for the
    error inbox: what happened and what to do instead. ``rows``: the change
    includes rows; ``invoice_booked``: the invoice made from this order is booked."""
    number = document.document_number
    if isinstance(document, FortnoxInvoice):
        if document.booked:
            return (
                f"invoice {number} is booked in Fortnox, so the change made in webCRM was "
                "not sent; credit the invoice in Fortnox and make a new one"
            )
        if document.cancelled:
            return f"invoice {number} is cancelled in Fortnox; the webCRM change was not sent"
        if rows and document.order_reference is not None:
            return (
                f"the rows of invoice {number} come from order {document.order_reference} "
                "and cannot be changed through the API; change them in Fortnox"
            )
        return None
    if document.invoice_reference is not None:
        if invoice_booked:
            return (
                f"order {number} has been invoiced in Fortnox and invoice "
                f"{document.invoice_reference} is booked, so the change made in webCRM was "
                "not sent; credit the invoice in Fortnox and make a new one"
            )
        return (
            f"order {number} has been invoiced in Fortnox (invoice "
            f"{document.invoice_reference}) and is locked, so the change made in webCRM "
            f"was not sent; change invoice {document.invoice_reference} in Fortnox instead"
        )
    if document.cancelled:
        return f"order {number} is cancelled in Fortnox; the webCRM change was not sent"
    return None
