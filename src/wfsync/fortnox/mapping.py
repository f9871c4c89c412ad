"""Fortnox records ⇄ canonical :mod:`wfsync.domain` records.

The only module (besides the models) that knows Fortnox field names. Reading,
Fortnox's ``null`` and ``""`` both mean "no value" (§3.2) and become ``None``;
text is trimmed, never reformatted. Writing, a field is cleared with
``"API_BLANK"`` because Fortnox ignores ``""`` and ``null`` on PUT (§12.3);
on POST there is nothing to clear, so ``None`` is simply left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from wfsync.domain.models import Article, Customer, Delivery, Line
from wfsync.fortnox.client import API_BLANK
from wfsync.fortnox.models import (
    ArticleListItem,
    DocumentRow,
    FortnoxArticle,
    FortnoxCustomer,
    FortnoxInvoice,
    FortnoxOrder,
)

__all__ = [
    "CUSTOMER_FIELD_NAMES",
    "article_from_fortnox",
    "customer_fields",
    "customer_from_fortnox",
    "delivery_from_invoice",
    "delivery_from_order",
    "invoice_fields",
    "line_from_row",
    "order_fields",
    "row_fields",
]

#: Canonical customer field → Fortnox customer field (the spec's synced fields).
CUSTOMER_FIELD_NAMES: dict[str, str] = {
    "name": "Name",
    "kind": "Type",
    "customer_number": "CustomerNumber",
    "organisation_number": "OrganisationNumber",
    "vat_number": "VATNumber",
    "phone": "Phone1",
    "website": "WWW",
    "fax": "Fax",
    "invoice_address1": "Address1",
    "invoice_address2": "Address2",
    "invoice_postcode": "ZipCode",
    "invoice_city": "City",
    "invoice_country": "CountryCode",
    "visiting_address": "VisitingAddress",
    "visiting_postcode": "VisitingZipCode",
    "visiting_city": "VisitingCity",
    "visiting_country": "VisitingCountryCode",
    "terms_of_payment": "TermsOfPayment",
    "currency": "Currency",
    "active": "Active",
}

#: Fields Fortnox will not accept empty: never send API_BLANK for them.
_NOT_CLEARABLE = frozenset({"name", "kind", "active", "customer_number"})
_COUNTRY_FIELDS = frozenset({"invoice_country", "visiting_country"})


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _code(value: Any) -> str | None:
    text = _text(value)
    return text.upper() if text else None


def customer_from_fortnox(c: FortnoxCustomer) -> Customer:
    """The canonical customer for a full Fortnox customer record."""
    return Customer(
        name=_text(c.name),
        kind="private" if (c.type or "").upper() == "PRIVATE" else "company",
        customer_number=_text(c.customer_number),
        organisation_number=_text(c.organisation_number),
        vat_number=_text(c.vat_number),
        phone=_text(c.phone1),
        website=_text(c.www),
        fax=_text(c.fax),
        invoice_address1=_text(c.address1),
        invoice_address2=_text(c.address2),
        invoice_postcode=_text(c.zip_code),
        invoice_city=_text(c.city),
        invoice_country=_code(c.country_code),
        visiting_address=_text(c.visiting_address),
        visiting_postcode=_text(c.visiting_zip_code),
        visiting_city=_text(c.visiting_city),
        visiting_country=_code(c.visiting_country_code),
        terms_of_payment=_text(c.terms_of_payment),
        currency=_code(c.currency),
        active=c.active,
    )


def _wire_value(name: str, value: Any) -> Any:
    if name == "kind":
        return "PRIVATE" if value == "private" else "COMPANY"
    if name in _COUNTRY_FIELDS and isinstance(value, str):
        return value.upper()
    return value


def customer_fields(target: Customer, names: Iterable[str], *, create: bool) -> dict[str, Any]:
    """The Fortnox body fields that write ``names`` of ``target``.

    On update a ``None`` becomes ``"API_BLANK"`` (clear it; ``Name``, ``Type``
    and ``Active`` cannot be blank and are then left out), and the customer
    number is never sent (keys cannot change). On create ``None`` is omitted and
    the customer number is sent only when there is one (else Fortnox assigns it).
    """
    fields: dict[str, Any] = {}
    for name in names:
        try:
            wire = CUSTOMER_FIELD_NAMES[name]
        except KeyError:
            raise ValueError(f"not a synced customer field: {name!r}") from None
        if name == "customer_number" and not create:
            continue
        value = getattr(target, name)
        if isinstance(value, str):
            value = value.strip() or None
        if value is None:
            if create or name in _NOT_CLEARABLE:
                continue
            fields[wire] = API_BLANK
        else:
            fields[wire] = _wire_value(name, value)
    return fields


def article_from_fortnox(
    a: FortnoxArticle | ArticleListItem, list_price: Decimal | None
) -> Article:
    """The canonical article; ``list_price`` comes from the price list (SalesPrice is RO)."""
    active = a.active if a.active is not None else True
    return Article(
        article_number=a.article_number,
        name=_text(a.description),
        cost_price=a.purchase_price,
        list_price=list_price,
        unit=_text(a.unit),
        vat=a.vat,
        active=active,
    )


# --- orders and invoices ⇄ deliveries --------------------------------------------------------

_HUNDRED = Decimal(100)


def line_from_row(row: DocumentRow, *, invoice: bool) -> Line:
    """One order/invoice row as a canonical line.

    The quantity is ``OrderedQuantity`` on an order and ``DeliveredQuantity``
    on an invoice (invoices have no ordered quantity, §8.3). A discount given
    as an amount is converted to the canonical percent of the row value.
    """
    quantity = (row.delivered_quantity if invoice else row.ordered_quantity) or Decimal(0)
    price = row.price or Decimal(0)
    discount = row.discount or Decimal(0)
    if (row.discount_type or "PERCENT").upper() == "AMOUNT" and discount:
        gross = quantity * price
        discount = (discount / gross * _HUNDRED).quantize(Decimal("0.01")) if gross else Decimal(0)
    return Line(
        article_number=_text(row.article_number),
        description=_text(row.description),
        quantity=quantity,
        price=price,
        discount=discount,
        unit=_text(row.unit),
        vat=row.vat,
    )


def delivery_from_order(order: FortnoxOrder, invoice: FortnoxInvoice | None = None) -> Delivery:
    """The canonical delivery for an order; ``invoice`` is the one made from it, if read.

    The order carries only the invoice's number (``InvoiceReference``); the
    invoice date and booked flag need the invoice itself.
    """
    return Delivery(
        order_date=order.order_date,
        delivery_date=order.delivery_date,
        text=_text(order.remarks),
        order_number=order.document_number,
        invoice_number=order.invoice_reference,
        invoice_date=invoice.invoice_date if invoice is not None else None,
        booked=invoice.booked if invoice is not None else False,
        completed=False,
        lines=tuple(line_from_row(row, invoice=False) for row in order.rows),
    )


def delivery_from_invoice(invoice: FortnoxInvoice) -> Delivery:
    """The canonical delivery for an invoice (a Fortnox invoice means "completed")."""
    return Delivery(
        order_date=None,
        delivery_date=invoice.delivery_date,
        text=_text(invoice.remarks),
        order_number=invoice.order_reference,
        invoice_number=invoice.document_number,
        invoice_date=invoice.invoice_date,
        booked=invoice.booked,
        completed=True,
        lines=tuple(line_from_row(row, invoice=True) for row in invoice.rows),
    )


def row_fields(lines: Iterable[Line], *, invoice: bool) -> list[dict[str, Any]]:
    """The complete row list for a write (rows are replaced by position, §7.4).

    Order rows send the quantity as both ordered and delivered, so that an
    invoice created from the order bills it; invoice rows must carry
    ``DeliveredQuantity`` or they total zero (§8.3). No ``RowId`` is sent.
    """
    rows: list[dict[str, Any]] = []
    for line in lines:
        row: dict[str, Any] = {}
        if line.article_number:
            row["ArticleNumber"] = line.article_number
        row["Description"] = line.description or ""
        if not invoice:
            row["OrderedQuantity"] = line.quantity
        row["DeliveredQuantity"] = line.quantity
        row["Price"] = line.price
        row["Discount"] = line.discount
        row["DiscountType"] = "PERCENT"
        if line.unit:
            row["Unit"] = line.unit
        if line.vat is not None:
            row["VAT"] = line.vat
        rows.append(row)
    return rows


_ORDER_FIELDS = {
    "order_date": "OrderDate",
    "delivery_date": "DeliveryDate",
    "text": "Remarks",
}
_INVOICE_FIELDS = {"invoice_date": "InvoiceDate", "text": "Remarks"}
#: Dates a document cannot be without: never cleared.
_REQUIRED_DATES = frozenset({"order_date", "invoice_date"})


def _document_fields(
    target: Delivery,
    names: Iterable[str],
    writable: dict[str, str],
    *,
    create: bool,
    invoice: bool,
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in names:
        if name == "lines":
            fields["InvoiceRows" if invoice else "OrderRows"] = row_fields(
                target.lines, invoice=invoice
            )
            continue
        wire = writable.get(name)
        if wire is None:
            continue  # Fortnox-owned (numbers, booked) or not part of this document
        value = getattr(target, name)
        if isinstance(value, str):
            value = value.strip() or None
        if value is None:
            if not create and name not in _REQUIRED_DATES:
                fields[wire] = API_BLANK
            continue
        fields[wire] = value
    return fields


def order_fields(target: Delivery, names: Iterable[str], *, create: bool) -> dict[str, Any]:
    """Order body fields for the given canonical delivery fields.

    Written: ``order_date``, ``delivery_date``, ``text`` (→ ``Remarks``, the
    printed order text) and ``lines`` (the complete row set). Order and invoice
    numbers, invoice date and booked come from Fortnox only and are skipped.
    Add ``CustomerNumber`` yourself on create.
    """
    return _document_fields(target, names, _ORDER_FIELDS, create=create, invoice=False)


def invoice_fields(target: Delivery, names: Iterable[str], *, create: bool) -> dict[str, Any]:
    """Invoice body fields: ``invoice_date``, ``text`` (→ ``Remarks``) and ``lines``.

    Never send ``lines`` for an invoice whose rows are locked
    (:attr:`FortnoxInvoice.rows_locked`, e.g. made from an order).
    """
    return _document_fields(target, names, _INVOICE_FIELDS, create=create, invoice=True)
