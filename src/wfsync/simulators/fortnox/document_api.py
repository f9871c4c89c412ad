"""HTTP routes and list behaviour of ``/3/orders`` and ``/3/invoices``.

List items are the recorded subsets (orders have no ``InvoiceReference``, so a
client must use ``filter=invoicecreated``; invoice lists render ``CurrencyRate``
as the string ``"1"``). ``createinvoice`` answers with the new invoice under
``Invoice`` (the OpenAPI's reading); ``credit`` with the original invoice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from wfsync.simulators.fortnox.actions import (
    bookkeep_invoice,
    cancel_invoice,
    cancel_order,
    create_invoice_from_order,
    credit_invoice,
    mark_sent,
)
from wfsync.simulators.fortnox.documents import (
    INVOICE,
    ORDER,
    DocumentKind,
    create_document,
    find_document,
    render_document,
    update_document,
)
from wfsync.simulators.fortnox.listing import ListSpec, contains, key_order, list_envelope
from wfsync.simulators.fortnox.routing import Call, Reply, Router
from wfsync.simulators.fortnox.store import Record, TenantStore
from wfsync.simulators.fortnox.values import decimal_text, jsonable

__all__ = ["add_document_routes"]

_ORDER_ITEM = (
    "Cancelled",
    "Currency",
    "CustomerName",
    "CustomerNumber",
    "DeliveryDate",
    "DocumentNumber",
    "ExternalInvoiceReference1",
    "ExternalInvoiceReference2",
    "OrderDate",
    "OrderType",
    "Project",
    "Sent",
    "Total",
)
_INVOICE_ITEM = (
    "Balance",
    "Booked",
    "Cancelled",
    "CostCenter",
    "Currency",
    "CurrencyRate",
    "CurrencyUnit",
    "CustomerName",
    "CustomerNumber",
    "DocumentNumber",
    "DueDate",
    "ExternalInvoiceReference1",
    "ExternalInvoiceReference2",
    "FinalPayDate",
    "InvoiceDate",
    "InvoiceType",
    "NoxFinans",
    "OCR",
    "Project",
    "Sent",
    "TermsOfPayment",
    "Total",
    "VoucherNumber",
    "VoucherSeries",
    "VoucherYear",
    "WayOfDelivery",
)


def _label(record: Record, needle: str) -> bool:
    return any(str(label["Id"]) == needle for label in record.get("Labels") or [])


def _rows_match(name: str) -> Callable[[Record, str], bool]:
    def search(record: Record, needle: str) -> bool:
        return any(
            needle.lower() in str(row.get(name) or "").lower() for row in record["InvoiceRows"]
        )

    return search


def _account_bound(lower: bool) -> Callable[[Record, str], bool]:
    def search(record: Record, needle: str) -> bool:
        if not (needle.isascii() and needle.isdigit()):
            return False
        bound = int(needle)
        accounts = [int(row["AccountNumber"]) for row in record["InvoiceRows"]]
        return any(a >= bound if lower else a <= bound for a in accounts)

    return search


def _pay_date_bound(lower: bool) -> Callable[[Record, str], bool]:
    def search(record: Record, needle: str) -> bool:
        paid = str(record.get("FinalPayDate") or "")
        return bool(paid) and (paid >= needle if lower else paid <= needle)

    return search


def _unpaid(record: Record, _today: date) -> bool:
    return bool(record["Booked"]) and not record["Cancelled"] and Decimal(record["Balance"]) != 0


_COMMON_SEARCH = {
    "costcenter": contains("CostCenter"),
    "customername": contains("CustomerName"),
    "customernumber": contains("CustomerNumber"),
    "documentnumber": contains("DocumentNumber"),
    "externalinvoicereference1": contains("ExternalInvoiceReference1"),
    "externalinvoicereference2": contains("ExternalInvoiceReference2"),
    "label": _label,
    "notcompleted": contains("NotCompleted"),
    "ourreference": contains("OurReference"),
    "project": contains("Project"),
    "sent": contains("Sent"),
    "yourreference": contains("YourReference"),
}
_COMMON_SORT = {
    "customername": lambda r: str(r["CustomerName"]).lower(),
    "customernumber": lambda r: key_order(r["CustomerNumber"]),
    "documentnumber": lambda r: key_order(r["DocumentNumber"]),
    "total": lambda r: Decimal(r["Total"]),
}
ORDER_SPEC = ListSpec(
    plural="Orders",
    topic="orders",
    key_field="DocumentNumber",
    search={**_COMMON_SEARCH, "ordertype": contains("OrderType")},
    filters={
        "cancelled": lambda r, _t: bool(r["Cancelled"]),
        "expired": lambda r, today: (
            not r["Cancelled"]
            and r["InvoiceReference"] == "0"
            and bool(r["DeliveryDate"])
            and r["DeliveryDate"] < today.isoformat()
        ),
        "invoicecreated": lambda r, _t: r["InvoiceReference"] != "0",
        "invoicenotcreated": lambda r, _t: r["InvoiceReference"] == "0",
    },
    sort={**_COMMON_SORT, "orderdate": lambda r: r["OrderDate"]},
    date_field="OrderDate",
)
INVOICE_SPEC = ListSpec(
    plural="Invoices",
    topic="invoices",
    key_field="DocumentNumber",
    search={
        **_COMMON_SEARCH,
        "accountnumberfrom": _account_bound(lower=True),
        "accountnumberto": _account_bound(lower=False),
        "articledescription": _rows_match("Description"),
        "articlenumber": _rows_match("ArticleNumber"),
        "credit": contains("Credit"),
        "currency": contains("Currency"),
        "fromfinalpaydate": _pay_date_bound(lower=True),
        "tofinalpaydate": _pay_date_bound(lower=False),
        "invoicetype": contains("InvoiceType"),
        "ocr": contains("OCR"),
        "yourordernumber": contains("YourOrderNumber"),
    },
    filters={
        "cancelled": lambda r, _t: bool(r["Cancelled"]),
        "fullypaid": lambda r, _t: (
            bool(r["Booked"]) and not r["Cancelled"] and Decimal(r["Balance"]) == 0
        ),
        "unpaid": _unpaid,
        "unpaidoverdue": lambda r, today: _unpaid(r, today) and r["DueDate"] < today.isoformat(),
        "unbooked": lambda r, _t: not r["Booked"] and not r["Cancelled"],
    },
    sort={
        **_COMMON_SORT,
        "invoicedate": lambda r: r["InvoiceDate"],
        "ocr": lambda r: r["OCR"],
    },
    date_field="InvoiceDate",
)


def _list_item(store: TenantStore, kind: DocumentKind, record: Record) -> dict[str, Any]:
    names = _ORDER_ITEM if kind is ORDER else _INVOICE_ITEM
    item: dict[str, Any] = {"@url": store.url(kind.segment, record["DocumentNumber"])}
    item.update(jsonable({name: record[name] for name in names}))
    if kind is INVOICE:
        item["CurrencyRate"] = decimal_text(Decimal(record["CurrencyRate"]))
    return item


def add_document_routes(router: Router) -> None:
    for kind, spec, scope in ((ORDER, ORDER_SPEC, "order"), (INVOICE, INVOICE_SPEC, "invoice")):
        _add_crud(router, kind, spec, scope)
    router.add(
        "PUT",
        "/orders/{number}/createinvoice",
        "order",
        _action(lambda store, number: (INVOICE, create_invoice_from_order(store, number))),
    )
    router.add(
        "PUT",
        "/orders/{number}/cancel",
        "order",
        _action(lambda store, number: (ORDER, cancel_order(store, number))),
    )
    router.add(
        "PUT",
        "/orders/{number}/externalprint",
        "order",
        _action(lambda store, number: (ORDER, mark_sent(store, ORDER, number))),
    )
    router.add(
        "PUT",
        "/invoices/{number}/bookkeep",
        "invoice",
        _action(lambda store, number: (INVOICE, bookkeep_invoice(store, number))),
    )
    router.add(
        "PUT",
        "/invoices/{number}/cancel",
        "invoice",
        _action(lambda store, number: (INVOICE, cancel_invoice(store, number))),
    )
    router.add(
        "PUT",
        "/invoices/{number}/credit",
        "invoice",
        _action(lambda store, number: (INVOICE, credit_invoice(store, number))),
    )
    router.add(
        "PUT",
        "/invoices/{number}/externalprint",
        "invoice",
        _action(lambda store, number: (INVOICE, mark_sent(store, INVOICE, number))),
    )


def _action(
    perform: Callable[[TenantStore, str], tuple[DocumentKind, Record]],
) -> Callable[..., Reply]:
    def handler(call: Call, number: str) -> Reply:
        kind, record = perform(call.store, number)
        return Reply(body={kind.root: render_document(call.store, kind, record)})

    return handler


def _add_crud(router: Router, kind: DocumentKind, spec: ListSpec, scope: str) -> None:
    def list_all(call: Call) -> Reply:
        return Reply(
            body=list_envelope(
                call.store,
                spec,
                kind.records(call.store),
                call.params,
                lambda record: _list_item(call.store, kind, record),
            )
        )

    def get(call: Call, number: str) -> Reply:
        record = find_document(call.store, kind, number)
        return Reply(body={kind.root: render_document(call.store, kind, record)})

    def post(call: Call) -> Reply:
        record = create_document(call.store, kind, call.payload(kind.root))
        return Reply(201, {kind.root: render_document(call.store, kind, record)}, kind.segment)

    def put(call: Call, number: str) -> Reply:
        record = update_document(call.store, kind, number, call.payload(kind.root))
        return Reply(body={kind.root: render_document(call.store, kind, record)})

    base = f"/{kind.segment}"
    router.add("GET", base, scope, list_all)
    router.add("POST", base, scope, post)
    router.add("GET", base + "/{number}", scope, get)
    router.add("PUT", base + "/{number}", scope, put)
