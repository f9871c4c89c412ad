"""Orders (``/3/orders``) and invoices (``/3/invoices``): create, update, read (§7, §8).

The two share almost everything — header filled from the customer unless sent,
rows with inherited defaults, totals — and differ in their dates, references and
locks. Locks are enforced before anything changes: an invoiced or cancelled
order, a booked or cancelled invoice, and the rows of an invoice created from an
order (the verbatim Fortnox message of §8.4, even for identical rows).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from wfsync.simulators.fortnox.countries import is_country_name
from wfsync.simulators.fortnox.document_fields import INVOICE_FIELDS, ORDER_FIELDS
from wfsync.simulators.fortnox.errors import ApiProblem, Code
from wfsync.simulators.fortnox.rows import (
    INVOICE_ROWS,
    ORDER_ROWS,
    RowRules,
    compute_totals,
    merge_rows,
    render_rows,
    renumber,
)
from wfsync.simulators.fortnox.schema import Field, apply_changes, defaults, parse_changes
from wfsync.simulators.fortnox.store import Record, TenantStore
from wfsync.simulators.fortnox.values import jsonable, luhn_digit, stockholm_today

__all__ = [
    "INVOICE",
    "ORDER",
    "ROWS_LINKED_MESSAGE",
    "DocumentKind",
    "create_document",
    "find_document",
    "render_document",
    "update_document",
]

ROWS_LINKED_MESSAGE = (
    "En eller flera rader har koppling till en order, det går därför inte att uppdatera "
    "raderna via API."
)
_DEFAULT_TERMS = "30"
_FROM_CUSTOMER = {
    "CustomerName": "Name",
    "Address1": "Address1",
    "Address2": "Address2",
    "ZipCode": "ZipCode",
    "City": "City",
    "Country": "Country",
    "Phone1": "Phone1",
    "Phone2": "Phone2",
    "OrganisationNumber": "OrganisationNumber",
    "DeliveryName": "DeliveryName",
    "DeliveryAddress1": "DeliveryAddress1",
    "DeliveryAddress2": "DeliveryAddress2",
    "DeliveryZipCode": "DeliveryZipCode",
    "DeliveryCity": "DeliveryCity",
    "DeliveryCountry": "DeliveryCountry",
    "Currency": "Currency",
    "PriceList": "PriceList",
    "TermsOfDelivery": "TermsOfDelivery",
    "WayOfDelivery": "WayOfDelivery",
    "YourReference": "YourReference",
    "OurReference": "OurReference",
}


@dataclass(frozen=True)
class DocumentKind:
    root: str
    plural: str
    segment: str
    store_attr: str
    rows_field: str
    date_field: str
    fields: dict[str, Field]
    rows: RowRules
    not_found_code: int
    not_found_message: str
    event_prefix: str

    def records(self, store: TenantStore) -> dict[str, Record]:
        records: dict[str, Record] = getattr(store, self.store_attr)
        return records


ORDER = DocumentKind(
    "Order",
    "Orders",
    "orders",
    "orders",
    "OrderRows",
    "OrderDate",
    ORDER_FIELDS,
    ORDER_ROWS,
    Code.ORDER_NOT_FOUND,
    "Kan inte hitta ordern.",
    "order",
)
INVOICE = DocumentKind(
    "Invoice",
    "Invoices",
    "invoices",
    "invoices",
    "InvoiceRows",
    "InvoiceDate",
    INVOICE_FIELDS,
    INVOICE_ROWS,
    Code.INVOICE_NOT_FOUND,
    "Kan inte hitta fakturan.",
    "invoice",
)


def find_document(store: TenantStore, kind: DocumentKind, number: str) -> Record:
    record = kind.records(store).get(number)
    if record is None:
        raise ApiProblem.not_found(kind.not_found_code, kind.not_found_message)
    return record


def create_document(store: TenantStore, kind: DocumentKind, payload: dict[str, Any]) -> Record:
    """A new order or invoice: header from the customer unless sent, then rows, totals."""
    changes = parse_changes(kind.fields, payload, creating=True)
    sent_rows = changes.pop(kind.rows_field, None)
    customer = _customer(store, changes.get("CustomerNumber"))
    explicit = changes.pop("DocumentNumber", "") or None
    if explicit is not None and (
        not explicit.isascii() or not explicit.isdigit() or explicit in kind.records(store)
    ):
        raise ApiProblem.invalid(Code.NUMBER_TAKEN, f"Dokumentnummer {explicit} används redan.")
    record = defaults(kind.fields)
    for derived in ("@url", "@urlTaxReductionList"):
        del record[derived]
    _copy_customer(record, customer)
    apply_changes(record, changes)
    today = stockholm_today(store.clock.now()).isoformat()
    record[kind.date_field] = record[kind.date_field] or today
    record["OutboundDate"] = record["OutboundDate"] or record[kind.date_field]
    _validate(store, record, changes)
    _apply_currency_rate(store, record, changes, creating=True)
    rows = merge_rows(store, kind.rows, record, [], sent_rows) if sent_rows is not None else []
    number = store.claim_number(kind.segment, explicit)
    while explicit is None and number in kind.records(store):
        number = store.claim_number(kind.segment, None)
    record["DocumentNumber"] = number
    if kind is INVOICE:
        if "DueDate" not in changes:
            record["DueDate"] = due_date(record)
        if not record["OCR"]:
            record["OCR"] = ocr_for(number)
    renumber(store, rows)
    record[kind.rows_field] = rows
    compute_totals(store, kind.rows, record, rows)
    _settle_balance(kind, record)
    kind.records(store)[number] = record
    store.touch(kind.segment, number, f"{kind.event_prefix}-created-v1")
    return record


def update_document(
    store: TenantStore, kind: DocumentKind, number: str, payload: dict[str, Any]
) -> Record:
    """Partial header update plus the §7.4 row rules; refused on locked documents."""
    record = find_document(store, kind, number)
    assert_editable(kind, record)
    changes = parse_changes(kind.fields, payload, creating=False)
    changes.pop("DocumentNumber", None)
    sent_rows = changes.pop(kind.rows_field, None)
    if sent_rows is not None and kind is INVOICE and record["OrderReference"] != "0":
        raise ApiProblem.invalid(Code.ROWS_LINKED_TO_ORDER, ROWS_LINKED_MESSAGE)
    candidate = copy.deepcopy(record)
    if changes.get("CustomerNumber") and changes["CustomerNumber"] != record["CustomerNumber"]:
        _copy_customer(candidate, _customer(store, changes["CustomerNumber"]))
    apply_changes(candidate, changes)
    _validate(store, candidate, changes)
    _apply_currency_rate(store, candidate, changes, creating=False)
    rows: list[Record] = candidate[kind.rows_field]
    if sent_rows is not None:
        rows = merge_rows(store, kind.rows, candidate, rows, sent_rows)
    if (
        kind is INVOICE
        and "DueDate" not in changes
        and ("InvoiceDate" in changes or "TermsOfPayment" in changes)
    ):
        candidate["DueDate"] = due_date(candidate)
    renumber(store, rows)
    candidate[kind.rows_field] = rows
    compute_totals(store, kind.rows, candidate, rows)
    _settle_balance(kind, candidate)
    record.clear()
    record.update(candidate)
    store.touch(kind.segment, number, f"{kind.event_prefix}-updated-v1")
    return record


def assert_editable(kind: DocumentKind, record: Record) -> None:
    """The lifecycle locks of §7.5 and §8.4 (messages chosen by the simulator)."""
    if kind is ORDER:
        if record["InvoiceReference"] != "0":
            raise ApiProblem.locked("Ordern är fakturerad och kan inte ändras.")
        if record["Cancelled"]:
            raise ApiProblem.locked("Ordern är makulerad och kan inte ändras.")
    else:
        if record["Booked"]:
            raise ApiProblem.locked("Fakturan är bokförd och kan inte ändras.")
        if record["Cancelled"]:
            raise ApiProblem.locked("Fakturan är makulerad och kan inte ändras.")


def render_document(store: TenantStore, kind: DocumentKind, record: Record) -> dict[str, Any]:
    number = record["DocumentNumber"]
    body: dict[str, Any] = {
        "@url": store.url(kind.segment, number),
        "@urlTaxReductionList": (
            f"{store.base_url}/3/taxreductions?filter={kind.segment}&referencenumber={number}"
        ),
    }
    header = {name: value for name, value in record.items() if name != kind.rows_field}
    body.update(jsonable(header))
    body[kind.rows_field] = render_rows(record[kind.rows_field])
    return body


def due_date(record: Record) -> str:
    """InvoiceDate + the number of days in a numeric terms code (non-numeric: 0)."""
    terms = str(record.get("TermsOfPayment") or "")
    days = int(terms) if terms.isascii() and terms.isdigit() else 0
    return (date.fromisoformat(record["InvoiceDate"]) + timedelta(days=days)).isoformat()


def ocr_for(number: str) -> str:
    """Document number + length digit + Luhn digit: 1 → 133, 18 → 1842 (§8.5)."""
    digits = "".join(ch for ch in number if ch.isdigit()) or "0"
    body = digits + str((len(digits) + 2) % 10)
    return body + str(luhn_digit(body))


def _customer(store: TenantStore, number: Any) -> Record:
    if not number:
        raise ApiProblem.invalid(Code.REQUIRED_FIELD, "Kundnummer måste anges.")
    customer = store.customers.get(str(number))
    if customer is None:
        raise ApiProblem.invalid(Code.CUSTOMER_NOT_FOUND, "Kan inte hitta kunden.")
    return customer


def _copy_customer(record: Record, customer: Record) -> None:
    for field_name, source in _FROM_CUSTOMER.items():
        value = customer.get(source)
        record[field_name] = "" if value is None else value
    record["TermsOfPayment"] = customer.get("TermsOfPayment") or _DEFAULT_TERMS
    record["Remarks"] = customer.get("InvoiceRemark") or ""
    email = record["EmailInformation"]
    email["EmailAddressTo"] = customer.get("EmailInvoice") or customer.get("Email") or ""


def _validate(store: TenantStore, record: Record, changes: dict[str, Any]) -> None:
    references = {
        "Currency": (store.currencies, "valuta"),
        "PriceList": (store.pricelists, "prislista"),
        "TermsOfPayment": (store.terms_of_payments, "betalningsvillkor"),
        "TermsOfDelivery": (store.terms_of_delivery, "leveransvillkor"),
        "WayOfDelivery": (store.ways_of_delivery, "leveranssätt"),
    }
    for name, (register, what) in references.items():
        value = record.get(name)
        if name in changes and value and value not in register:
            raise ApiProblem.reference_missing(what)
    for name in ("Country", "DeliveryCountry"):
        if changes.get(name) and not is_country_name(changes[name]):
            raise ApiProblem.reference_missing("land")
    for name in ("Project", "CostCenter"):
        if changes.get(name):
            raise ApiProblem.reference_missing("projekt" if name == "Project" else "kostnadsställe")


def _apply_currency_rate(
    store: TenantStore, record: Record, changes: dict[str, Any], *, creating: bool
) -> None:
    """A document in a foreign currency takes the register's rate unless one was sent."""
    if "CurrencyRate" in changes:
        return
    if not creating and "Currency" not in changes and "CustomerNumber" not in changes:
        return
    currency = store.currencies.get(record["Currency"])
    if record["Currency"] == "SEK" or currency is None:
        record["CurrencyRate"] = Decimal(1)
        return
    record["CurrencyRate"] = Decimal(currency.get("SellRate") or 1)
    record["CurrencyUnit"] = Decimal(currency.get("Unit") or 1)


def _settle_balance(kind: DocumentKind, record: Record) -> None:
    if kind is INVOICE and not record["Booked"]:
        record["Balance"] = record["Total"]
