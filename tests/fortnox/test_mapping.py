"""Fortnox customer/article records ⇄ canonical records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from wfsync.domain import Customer, Delivery, Line
from wfsync.fortnox import API_BLANK
from wfsync.fortnox.mapping import (
    CUSTOMER_FIELD_NAMES,
    article_from_fortnox,
    customer_fields,
    customer_from_fortnox,
    delivery_from_invoice,
    delivery_from_order,
    invoice_fields,
    order_fields,
)
from wfsync.fortnox.models import (
    ArticleListItem,
    FortnoxArticle,
    FortnoxCustomer,
    FortnoxInvoice,
    FortnoxOrder,
)

# Shaped like the recorded full record (§4.3): a mix of null and "" for unset values.
RECORD = {
    "@url": "https://api.fortnox.se/3/customers/8",
    "CustomerNumber": "8",
    "Name": " Bergström Bygg AB ",
    "Type": "COMPANY",
    "Active": True,
    "OrganisationNumber": "556677-8899",
    "VATNumber": "SE556677889901",
    "Address1": "Storgatan 1",
    "Address2": None,
    "ZipCode": "111 22",
    "City": "Stockholm",
    "CountryCode": "SE",
    "Country": "Sverige",
    "VisitingAddress": "Kungsgatan 5",
    "VisitingZipCode": "411 19",
    "VisitingCity": "Göteborg",
    "VisitingCountryCode": "se",
    "Phone1": "08-123 45 67",
    "Phone2": None,
    "Fax": "",
    "WWW": "",
    "Email": "",
    "TermsOfPayment": "30",
    "Currency": "SEK",
    "PriceList": "A",
    "DefaultDeliveryTypes": {"Invoice": "PRINT"},
}


def test_customer_from_fortnox_maps_every_synced_field() -> None:
    customer = customer_from_fortnox(FortnoxCustomer.model_validate(RECORD))
    assert customer == Customer(
        name="Bergström Bygg AB",
        kind="company",
        customer_number="8",
        organisation_number="556677-8899",
        vat_number="SE556677889901",
        phone="08-123 45 67",
        website=None,
        fax=None,
        invoice_address1="Storgatan 1",
        invoice_address2=None,
        invoice_postcode="111 22",
        invoice_city="Stockholm",
        invoice_country="SE",
        visiting_address="Kungsgatan 5",
        visiting_postcode="411 19",
        visiting_city="Göteborg",
        visiting_country="SE",
        terms_of_payment="30",
        currency="SEK",
        active=True,
    )


def test_private_and_inactive_customers() -> None:
    raw = {**RECORD, "Type": "PRIVATE", "Active": False, "WWW": "https://example.se"}
    customer = customer_from_fortnox(FortnoxCustomer.model_validate(raw))
    assert customer.kind == "private"
    assert customer.active is False
    assert customer.website == "https://example.se"


def test_unknown_fortnox_fields_are_kept_on_the_model() -> None:
    model = FortnoxCustomer.model_validate({**RECORD, "BrandNewField": 1})
    assert model.model_extra == {"DefaultDeliveryTypes": {"Invoice": "PRINT"}, "BrandNewField": 1}


TARGET = Customer(
    name="Acme AB",
    kind="private",
    customer_number="1001",
    phone="08-1",
    website=None,
    invoice_country="no",
    active=False,
)


def test_update_clears_none_with_api_blank_and_never_sends_the_number() -> None:
    fields = customer_fields(
        TARGET,
        ["name", "kind", "customer_number", "phone", "website", "invoice_country", "active"],
        create=False,
    )
    assert fields == {
        "Name": "Acme AB",
        "Type": "PRIVATE",
        "Phone1": "08-1",
        "WWW": API_BLANK,
        "CountryCode": "NO",
        "Active": False,
    }


def test_create_omits_none_and_sends_the_number() -> None:
    fields = customer_fields(TARGET, ["customer_number", "website", "name"], create=True)
    assert fields == {"CustomerNumber": "1001", "Name": "Acme AB"}


def test_name_is_never_blanked() -> None:
    assert customer_fields(Customer(name=None), ["name", "fax"], create=False) == {"Fax": API_BLANK}


def test_every_canonical_customer_field_has_a_fortnox_field() -> None:
    assert set(CUSTOMER_FIELD_NAMES) == set(Customer.model_fields)
    with pytest.raises(ValueError, match="email"):
        customer_fields(TARGET, ["email"], create=True)


def test_article_from_full_record() -> None:
    record = FortnoxArticle.model_validate(
        {
            "ArticleNumber": "101",
            "Description": "Hammare",
            "PurchasePrice": 55.5,
            "SalesPrice": 199,
            "Unit": "st",
            "VAT": 25,
            "Active": False,
        }
    )
    article = article_from_fortnox(record, Decimal("199.00"))
    assert article.article_number == "101"
    assert article.name == "Hammare"
    assert article.cost_price == Decimal("55.5")
    assert article.list_price == Decimal("199.00")
    assert article.unit == "st"
    assert article.vat == Decimal(25)
    assert article.active is False


def test_article_from_list_item_with_string_numbers() -> None:
    # List items send PurchasePrice and VAT as strings and no Active (§5.2).
    item = ArticleListItem.model_validate(
        {
            "ArticleNumber": "102",
            "Description": "Spik",
            "PurchasePrice": "0.75",
            "VAT": "25",
            "Unit": "",
            "SalesPrice": None,
            "QuantityInStock": "0",
        }
    )
    article = article_from_fortnox(item, None)
    assert article.cost_price == Decimal("0.75")
    assert article.vat == Decimal(25)
    assert article.unit is None
    assert article.list_price is None
    assert article.active is True


ORDER = {
    "DocumentNumber": "12",
    "CustomerNumber": "8",
    "OrderDate": "2026-01-15",
    "DeliveryDate": None,
    "Remarks": "Leverans till port 3",
    "InvoiceReference": "0",
    "OrderRows": [
        {
            "RowId": 41,
            "ArticleNumber": "101",
            "Description": "Hammare",
            "OrderedQuantity": "2",
            "DeliveredQuantity": "0",
            "Price": 199,
            "Discount": 10,
            "DiscountType": "PERCENT",
            "Unit": "st",
            "VAT": 25,
        },
        {
            "RowId": 42,
            "ArticleNumber": "",
            "Description": "Frakt",
            "OrderedQuantity": "1",
            "DeliveredQuantity": "1",
            "Price": 100,
            "Discount": 20,
            "DiscountType": "AMOUNT",
            "Unit": "",
            "VAT": 25,
        },
    ],
}


def test_order_to_delivery() -> None:
    delivery = delivery_from_order(FortnoxOrder.model_validate(ORDER))
    assert delivery.order_number == "12"
    assert delivery.order_date == date(2026, 1, 15) and delivery.delivery_date is None
    assert delivery.text == "Leverans till port 3"
    assert delivery.invoice_number is None and not delivery.booked and not delivery.completed
    assert delivery.lines == (
        Line(
            article_number="101",
            description="Hammare",
            quantity=Decimal(2),
            price=Decimal(199),
            discount=Decimal(10),
            unit="st",
            vat=Decimal(25),
        ),
        # 20 kr off a 100 kr row is 20 percent
        Line(
            article_number=None,
            description="Frakt",
            quantity=Decimal(1),
            price=Decimal(100),
            discount=Decimal("20.00"),
            unit=None,
            vat=Decimal(25),
        ),
    )


def test_invoiced_order_takes_date_and_booked_from_its_invoice() -> None:
    order = FortnoxOrder.model_validate({**ORDER, "InvoiceReference": "7"})
    invoice = FortnoxInvoice.model_validate(
        {"DocumentNumber": "7", "InvoiceDate": "2026-01-20", "Booked": True}
    )
    delivery = delivery_from_order(order, invoice)
    assert (delivery.invoice_number, delivery.invoice_date, delivery.booked) == (
        "7",
        date(2026, 1, 20),
        True,
    )


def test_invoice_to_delivery_uses_delivered_quantity_and_is_completed() -> None:
    invoice = FortnoxInvoice.model_validate(
        {
            "DocumentNumber": "7",
            "InvoiceDate": "2026-01-20",
            "Booked": False,
            "OrderReference": "12",
            "Remarks": "",
            "InvoiceRows": [{"ArticleNumber": "101", "DeliveredQuantity": "3", "Price": 10}],
        }
    )
    delivery = delivery_from_invoice(invoice)
    assert delivery.completed and delivery.invoice_number == "7" and delivery.order_number == "12"
    assert delivery.text is None
    assert delivery.lines[0].quantity == Decimal(3)


TARGET_DELIVERY = Delivery(
    order_date=date(2026, 2, 1),
    delivery_date=None,
    text="Ny text",
    order_number="12",
    invoice_number="7",
    invoice_date=date(2026, 2, 3),
    booked=True,
    lines=(
        Line(
            article_number="101",
            description="Hammare",
            quantity=Decimal(2),
            price=Decimal("199.50"),
            unit="st",
            vat=Decimal(25),
        ),
    ),
)


def test_order_fields_skip_fortnox_owned_and_send_complete_rows() -> None:
    fields = order_fields(
        TARGET_DELIVERY,
        [
            "order_date",
            "delivery_date",
            "text",
            "order_number",
            "invoice_number",
            "invoice_date",
            "booked",
            "lines",
        ],
        create=False,
    )
    assert fields == {
        "OrderDate": date(2026, 2, 1),
        "DeliveryDate": API_BLANK,
        "Remarks": "Ny text",
        "OrderRows": [
            {
                "ArticleNumber": "101",
                "Description": "Hammare",
                "OrderedQuantity": Decimal(2),
                "DeliveredQuantity": Decimal(2),
                "Price": Decimal("199.50"),
                "Discount": Decimal(0),
                "DiscountType": "PERCENT",
                "Unit": "st",
                "VAT": Decimal(25),
            }
        ],
    }
    assert "DeliveryDate" not in order_fields(TARGET_DELIVERY, ["delivery_date"], create=True)


def test_invoice_fields_use_delivered_quantity_only() -> None:
    fields = invoice_fields(
        TARGET_DELIVERY, ["invoice_date", "text", "lines", "booked"], create=True
    )
    assert fields["InvoiceDate"] == date(2026, 2, 3) and "Booked" not in fields
    [row] = fields["InvoiceRows"]
    assert "OrderedQuantity" not in row and row["DeliveredQuantity"] == Decimal(2)
