"""Tolerant parsing of Fortnox JSON quirks (§3.2) into the client's models."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from wfsync.fortnox.models import (
    ArticleListItem,
    FortnoxInvoice,
    FortnoxOrder,
    MetaInformation,
)


def test_invoice_quirks() -> None:
    invoice = FortnoxInvoice.model_validate(
        {
            "DocumentNumber": 7,
            "CustomerNumber": "1",
            "Credit": "false",
            "Booked": True,
            "OrderReference": "0",
            "InvoiceReference": "0",
            "CreditInvoiceReference": "12",
            "InvoiceDate": "2023-01-30",
            "DueDate": "2023-03-01",
            "FinalPayDate": None,
            "VoucherNumber": 3,
            "Total": 1250,
            "InvoiceRows": [
                {
                    "RowId": 5,
                    "ArticleNumber": "101",
                    "DeliveredQuantity": "1.13",
                    "Price": 10.5,
                    "Discount": 0,
                    "VAT": 25,
                    "Total": "-0",
                }
            ],
        }
    )
    assert invoice.document_number == "7"
    assert invoice.credit is False and invoice.booked is True
    assert invoice.order_reference is None and invoice.invoice_reference is None
    assert invoice.credit_invoice_reference == "12"
    assert invoice.invoice_date == date(2023, 1, 30) and invoice.final_pay_date is None
    assert invoice.voucher_number == "3"
    assert invoice.total == Decimal(1250)
    row = invoice.rows[0]
    assert row.delivered_quantity == Decimal("1.13")
    assert row.price == Decimal("10.5")
    assert row.total == Decimal("-0")
    assert invoice.locked and invoice.rows_locked


def test_order_lock_follows_the_invoice_reference() -> None:
    open_order = FortnoxOrder.model_validate({"DocumentNumber": "1", "InvoiceReference": "0"})
    invoiced = FortnoxOrder.model_validate({"DocumentNumber": "2", "InvoiceReference": "5"})
    cancelled = FortnoxOrder.model_validate({"DocumentNumber": "3", "Cancelled": True})
    assert not open_order.locked
    assert invoiced.locked and invoiced.invoice_reference == "5"
    assert cancelled.locked
    rows = FortnoxOrder.model_validate(
        {"DocumentNumber": "1", "OrderRows": [{"OrderedQuantity": "2", "DeliveredQuantity": ""}]}
    ).rows
    assert rows[0].ordered_quantity == Decimal(2) and rows[0].delivered_quantity is None


def test_list_item_numbers_as_strings_or_numbers() -> None:
    a = ArticleListItem.model_validate({"ArticleNumber": "1", "PurchasePrice": "12.50", "VAT": 25})
    b = ArticleListItem.model_validate({"ArticleNumber": "2", "PurchasePrice": 12.5, "VAT": None})
    assert a.purchase_price == b.purchase_price == Decimal("12.5")
    assert a.vat == Decimal(25) and b.vat is None


def test_garbage_numbers_are_rejected() -> None:
    with pytest.raises(ValidationError):
        ArticleListItem.model_validate({"ArticleNumber": "1", "PurchasePrice": "abc"})
    with pytest.raises(ValidationError):
        FortnoxInvoice.model_validate({"DocumentNumber": "1", "Credit": "maybe"})


def test_models_accept_snake_case_and_dump_fortnox_names() -> None:
    invoice = FortnoxInvoice(document_number="9", booked=True)
    dumped = invoice.model_dump(by_alias=True, exclude_none=True)
    assert dumped["DocumentNumber"] == "9" and dumped["Booked"] is True


def test_empty_list_meta() -> None:
    meta = MetaInformation.model_validate(
        {"@TotalResources": 0, "@TotalPages": 0, "@CurrentPage": 1}
    )
    assert (meta.total_resources, meta.total_pages, meta.current_page) == (0, 0, 1)
