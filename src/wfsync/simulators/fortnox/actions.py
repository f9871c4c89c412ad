"""Document actions: ``createinvoice``, ``cancel``, ``bookkeep``, ``credit``, ``externalprint``
(§7.1, §8.1), plus payment registration for the UI.

Each action checks the lifecycle first and answers 400 with a Swedish message
when the document is in the wrong state; each one stamps the documents it
touches and regenerates their row ids like any other write.
"""

from __future__ import annotations

import copy
from decimal import Decimal

from wfsync.simulators.fortnox.documents import (
    INVOICE,
    ORDER,
    DocumentKind,
    due_date,
    find_document,
    ocr_for,
)
from wfsync.simulators.fortnox.errors import ApiProblem
from wfsync.simulators.fortnox.rows import compute_totals, renumber
from wfsync.simulators.fortnox.schema import defaults
from wfsync.simulators.fortnox.store import Record, TenantStore
from wfsync.simulators.fortnox.values import stockholm_today

__all__ = [
    "bookkeep_invoice",
    "cancel_invoice",
    "cancel_order",
    "create_invoice_from_order",
    "credit_invoice",
    "mark_sent",
    "register_payment",
]

#: Header fields an invoice takes over from its order on ``createinvoice``.
_CARRIED = (
    "CustomerNumber",
    "CustomerName",
    "Address1",
    "Address2",
    "ZipCode",
    "City",
    "Country",
    "Phone1",
    "Phone2",
    "OrganisationNumber",
    "DeliveryName",
    "DeliveryAddress1",
    "DeliveryAddress2",
    "DeliveryZipCode",
    "DeliveryCity",
    "DeliveryCountry",
    "DeliveryDate",
    "YourReference",
    "OurReference",
    "YourOrderNumber",
    "ExternalInvoiceReference1",
    "ExternalInvoiceReference2",
    "Comments",
    "Currency",
    "CurrencyRate",
    "CurrencyUnit",
    "PriceList",
    "TermsOfPayment",
    "TermsOfDelivery",
    "WayOfDelivery",
    "Language",
    "VATIncluded",
    "NotCompleted",
    "Project",
    "CostCenter",
    "Freight",
    "AdministrationFee",
    "TaxReductionType",
    "Labels",
)
_ROW_CARRIED = (
    "ArticleNumber",
    "Description",
    "DeliveredQuantity",
    "Price",
    "Discount",
    "DiscountType",
    "Unit",
    "VAT",
    "VATCode",
    "AccountNumber",
    "CostCenter",
    "Project",
    "HouseWork",
    "HouseWorkType",
    "HouseWorkHoursToReport",
    "StockPointCode",
    "StockPointId",
)


def create_invoice_from_order(store: TenantStore, number: str) -> Record:
    """Copy header and rows into a new invoice; link both ways; lock the order."""
    order = find_document(store, ORDER, number)
    if order["Cancelled"]:
        raise ApiProblem.locked("Ordern är makulerad och kan inte faktureras.")
    if order["InvoiceReference"] != "0":
        raise ApiProblem.locked("Ordern är redan fakturerad.")
    invoice = _blank_invoice(store)
    for name in _CARRIED:
        invoice[name] = copy.deepcopy(order[name])
    invoice["Remarks"] = order["Remarks"] if order["CopyRemarks"] else ""
    invoice["OrderReference"] = number
    rows = [_copied_row(row) for row in order["OrderRows"]]
    invoice_number = _store_invoice(store, invoice, rows)
    order["InvoiceReference"] = invoice_number
    renumber(store, order["OrderRows"])
    store.touch(ORDER.segment, number, "order-updated-v1")
    return invoice


def cancel_order(store: TenantStore, number: str) -> Record:
    order = find_document(store, ORDER, number)
    if order["InvoiceReference"] != "0":
        raise ApiProblem.locked("Ordern är fakturerad och kan inte makuleras.")
    if order["Cancelled"]:
        raise ApiProblem.locked("Ordern är redan makulerad.")
    order["Cancelled"] = True
    renumber(store, order["OrderRows"])
    store.touch(ORDER.segment, number, "order-cancelled-v1")
    return order


def bookkeep_invoice(store: TenantStore, number: str) -> Record:
    invoice = find_document(store, INVOICE, number)
    if invoice["Cancelled"]:
        raise ApiProblem.locked("Fakturan är makulerad och kan inte bokföras.")
    if invoice["Booked"]:
        raise ApiProblem.locked("Fakturan är redan bokförd.")
    invoice["Booked"] = True
    invoice["VoucherSeries"] = "B"
    invoice["VoucherNumber"] = store.next_voucher()
    invoice["VoucherYear"] = int(invoice["InvoiceDate"][:4])
    invoice["Balance"] = invoice["Total"]
    renumber(store, invoice["InvoiceRows"])
    store.touch(INVOICE.segment, number, "invoice-bookkeep-v1")
    return invoice


def cancel_invoice(store: TenantStore, number: str) -> Record:
    invoice = find_document(store, INVOICE, number)
    if invoice["Booked"]:
        raise ApiProblem.locked("Fakturan är bokförd och kan inte makuleras; kreditera den.")
    if invoice["Cancelled"]:
        raise ApiProblem.locked("Fakturan är redan makulerad.")
    invoice["Cancelled"] = True
    invoice["Balance"] = Decimal(0)
    renumber(store, invoice["InvoiceRows"])
    store.touch(INVOICE.segment, number, "invoice-cancelled-v1")
    return invoice


def credit_invoice(store: TenantStore, number: str) -> Record:
    """A credit invoice with negated rows; returns the *original*, now referencing it."""
    original = find_document(store, INVOICE, number)
    if original["Cancelled"]:
        raise ApiProblem.locked("Fakturan är makulerad och kan inte krediteras.")
    if not original["Booked"]:
        raise ApiProblem.locked("Fakturan är inte bokförd; makulera den i stället.")
    if original["CreditInvoiceReference"] != "0":
        raise ApiProblem.locked("Fakturan är redan krediterad.")
    credit = _blank_invoice(store)
    for name in (*_CARRIED, "Remarks", "InvoiceType"):
        credit[name] = copy.deepcopy(original[name])
    credit["Credit"] = "true"
    credit["InvoiceReference"] = number
    rows = []
    for row in original["InvoiceRows"]:
        negated = _copied_row(row)
        negated["DeliveredQuantity"] = -Decimal(row["DeliveredQuantity"])
        rows.append(negated)
    original["CreditInvoiceReference"] = _store_invoice(store, credit, rows)
    renumber(store, original["InvoiceRows"])
    store.touch(INVOICE.segment, number, "invoice-updated-v1")
    return original


def mark_sent(store: TenantStore, kind: DocumentKind, number: str) -> Record:
    """``externalprint``: mark as sent without printing (allowed on locked documents)."""
    record = find_document(store, kind, number)
    if record["Cancelled"]:
        raise ApiProblem.locked("Dokumentet är makulerat.")
    record["Sent"] = True
    renumber(store, record[kind.rows_field])
    store.touch(kind.segment, number, f"{kind.event_prefix}-updated-v1")
    return record


def register_payment(store: TenantStore, number: str) -> Record:
    """The customer paid in full (UI only: payments are outside the sync's API use)."""
    invoice = find_document(store, INVOICE, number)
    if not invoice["Booked"] or invoice["Cancelled"]:
        raise ApiProblem.locked("Endast bokförda fakturor kan betalas.")
    invoice["Balance"] = Decimal(0)
    invoice["FinalPayDate"] = stockholm_today(store.clock.now()).isoformat()
    store.touch(INVOICE.segment, number, "invoicepayment-bookkeep-v1")
    return invoice


def _blank_invoice(store: TenantStore) -> Record:
    invoice = defaults(INVOICE.fields)
    for derived in ("@url", "@urlTaxReductionList"):
        del invoice[derived]
    today = stockholm_today(store.clock.now()).isoformat()
    invoice["InvoiceDate"] = today
    invoice["OutboundDate"] = today
    return invoice


def _copied_row(row: Record) -> Record:
    copied = defaults(INVOICE.rows.fields)
    for name in _ROW_CARRIED:
        copied[name] = copy.deepcopy(row[name])
    return copied


def _store_invoice(store: TenantStore, invoice: Record, rows: list[Record]) -> str:
    number = store.claim_number(INVOICE.segment, None)
    while number in store.invoices:
        number = store.claim_number(INVOICE.segment, None)
    invoice["DocumentNumber"] = number
    invoice["DueDate"] = due_date(invoice)
    invoice["OCR"] = ocr_for(number)
    renumber(store, rows)
    invoice["InvoiceRows"] = rows
    compute_totals(store, INVOICE.rows, invoice, rows)
    invoice["Balance"] = invoice["Total"]
    store.invoices[number] = invoice
    store.touch(INVOICE.segment, number, "invoice-created-v1")
    return number
