"""Both vendors' delivery mappings: what is read, what is written, what is left alone."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from wfsync.config import CatalogueSlots, CustomFields
from wfsync.domain.models import Delivery, Line
from wfsync.fortnox.delivery_mapping import (
    delivery_from_invoice,
    delivery_from_order,
    document_fields,
    external_reference,
    row_fields,
    webcrm_id_from_reference,
    write_blocked,
)
from wfsync.fortnox.models import FortnoxInvoice, FortnoxOrder
from wfsync.webcrm.delivery_mapping import (
    delivery_fields,
    delivery_from_webcrm,
    erp_id,
    fortnox_document_from_erp_id,
    quotation_line_fields,
)
from wfsync.webcrm.models import Delivery as WebcrmDelivery
from wfsync.webcrm.models import QuotationLine

LINE = Line(article_number="A1", description=None, quantity=Decimal("2.5"), price=Decimal("10"))


def test_order_rows_deliver_what_is_ordered_and_invoice_rows_have_no_ordered_quantity() -> None:
    order_row = row_fields(LINE, "order")
    assert order_row["OrderedQuantity"] == order_row["DeliveredQuantity"] == Decimal("2.50")
    invoice_row = row_fields(LINE, "invoice")
    assert "OrderedQuantity" not in invoice_row and invoice_row["DeliveredQuantity"] == Decimal(
        "2.5"
    )


def test_empty_row_text_is_left_to_the_article_on_new_rows_and_cleared_on_existing_ones() -> None:
    assert "Description" not in row_fields(LINE, "order")
    assert row_fields(LINE, "order", clear=True)["Description"] == "API_BLANK"


def test_header_update_clears_with_api_blank_but_never_blanks_a_document_date() -> None:
    empty = Delivery()
    update = document_fields(empty, ["text", "delivery_date", "order_date"], "order", create=False)
    assert update == {"Remarks": "API_BLANK", "DeliveryDate": "API_BLANK"}
    assert document_fields(empty, ["text"], "order", create=True) == {}


def test_fortnox_owned_and_foreign_fields_are_never_written() -> None:
    record = Delivery(
        order_number="7", invoice_number="9", booked=True, order_date=date(2026, 1, 2)
    )
    names = ["order_number", "invoice_number", "booked", "order_date"]
    assert document_fields(record, names, "invoice", create=False) == {}
    assert document_fields(record, names, "order", create=False) == {"OrderDate": date(2026, 1, 2)}


def test_rows_are_sent_complete_when_given() -> None:
    fields = document_fields(Delivery(), [], "invoice", create=False, lines=[LINE, LINE])
    assert len(fields["InvoiceRows"]) == 2


def test_order_with_its_invoice_reads_invoice_fields() -> None:
    order = FortnoxOrder.model_validate(
        {
            "DocumentNumber": "5",
            "OrderDate": "2026-01-02",
            "Remarks": " Hej ",
            "InvoiceReference": "12",
            "OrderRows": [
                {
                    "ArticleNumber": "A1",
                    "OrderedQuantity": "3",
                    "DeliveredQuantity": "0",
                    "Price": 4,
                }
            ],
        }
    )
    invoice = FortnoxInvoice.model_validate(
        {"DocumentNumber": "12", "InvoiceDate": "2026-01-05", "Booked": True}
    )
    view = delivery_from_order(order, invoice)
    assert (view.order_number, view.invoice_number, view.invoice_date, view.booked, view.text) == (
        "5",
        "12",
        date(2026, 1, 5),
        True,
        "Hej",
    )
    assert view.lines[0].quantity == 3  # ordered, not delivered


def test_invoice_reads_delivered_quantity_and_its_order() -> None:
    invoice = FortnoxInvoice.model_validate(
        {
            "DocumentNumber": "3",
            "OrderReference": "0",
            "InvoiceRows": [{"ArticleNumber": "A1", "DeliveredQuantity": "2", "Price": 1}],
        }
    )
    view = delivery_from_invoice(invoice)
    assert view.order_number is None and view.lines[0].quantity == 2 and view.completed


def test_external_reference_round_trip_is_exact() -> None:
    assert webcrm_id_from_reference(external_reference(158)) == 158
    assert webcrm_id_from_reference("webCRM 1585 extra") is None
    assert webcrm_id_from_reference(None) is None


def test_booked_and_invoiced_documents_say_what_to_do() -> None:
    booked = FortnoxInvoice.model_validate({"DocumentNumber": "8", "Booked": True})
    assert "credit the invoice" in (write_blocked(booked, rows=False) or "")
    from_order = FortnoxInvoice.model_validate({"DocumentNumber": "8", "OrderReference": "2"})
    assert write_blocked(from_order, rows=False) is None
    assert "order 2" in (write_blocked(from_order, rows=True) or "")
    invoiced = FortnoxOrder.model_validate({"DocumentNumber": "2", "InvoiceReference": "8"})
    assert "change invoice 8" in (write_blocked(invoiced, rows=False) or "")


CUSTOM = CustomFields()
SLOTS = CatalogueSlots()


def test_webcrm_delivery_reads_custom_fields_and_midnight_utc_dates() -> None:
    dto = WebcrmDelivery.model_validate(
        {
            "DeliveryId": 1,
            "DeliveryOrderDate": "2018-06-12T02:00:00+02:00",
            "DeliveryStatus": "Completed",
            "DeliveryCustom1": "77",
            "DeliveryCustom2": "2018-07-01",
            "DeliveryCustom3": "",
            "DeliveryCustom4": "2018-06-30",
            "DeliveryCustom5": "Yes",
            "DeliveryMemo": "Text",
        }
    )
    line = QuotationLine.model_validate(
        {
            "QuotationLineId": 3,
            "QuotationLineData1": "A1",
            "QuotationLineData3": "-",
            "QuotationLineMemo": "Hammare",
            "QuotationLineQuantity": 10.0,
            "QuotationLinePrice": 4.1,
            "QuotationLineDiscount": 10.0,
            "QuotationLineVatPercentage": 25.0,
        }
    )
    view = delivery_from_webcrm(dto, [line], CUSTOM, SLOTS)
    assert view.order_date == date(2018, 6, 12)
    assert (view.order_number, view.invoice_number, view.booked, view.completed) == (
        "77",
        None,
        True,
        True,
    )
    assert view.delivery_date == date(2018, 7, 1) and view.invoice_date == date(2018, 6, 30)
    assert view.lines == (
        Line(
            article_number="A1",
            description="Hammare",
            quantity=Decimal(10),
            price=Decimal("4.1"),
            discount=Decimal(10),
            unit=None,
            vat=Decimal(25),
        ),
    )


def test_webcrm_writes_dates_checkbox_and_status() -> None:
    record = Delivery(order_date=date(2026, 5, 2), invoice_date=None, booked=False, completed=True)
    dto = delivery_fields(record, ["order_date", "invoice_date", "booked", "completed"], CUSTOM)
    assert dto == {
        "DeliveryOrderDate": "2026-05-02T00:00:00Z",
        "DeliveryCustom4": "",
        "DeliveryCustom5": "No",
        "DeliveryStatus": "Completed",
    }


def test_quotation_line_fields_use_the_catalogue_slots() -> None:
    fields = quotation_line_fields(
        Line(article_number="A1", unit="st", description="X", quantity=Decimal(2)),
        CatalogueSlots(article_number=4, unit=5),
        delivery_id=9,
        organisation_id=3,
        sort_order=20,
    )
    assert fields["QuotationLineData4"] == "A1" and fields["QuotationLineData5"] == "st"
    assert fields["QuotationLineOpportunityId"] == 9 and fields["QuotationLineSortOrder"] == 20


def test_erp_id_round_trip() -> None:
    assert fortnox_document_from_erp_id(erp_id("invoice", "7")) == ("invoice", "7")
    assert fortnox_document_from_erp_id("") is None


def test_invoiced_order_whose_invoice_is_booked_advises_a_credit() -> None:
    order = FortnoxOrder.model_validate({"DocumentNumber": "4", "InvoiceReference": "9"})
    advice = write_blocked(order, rows=False, invoice_booked=True) or ""
    assert "invoice 9 is booked" in advice and "credit the invoice" in advice
    assert "change invoice 9" in (write_blocked(order, rows=False) or "")
