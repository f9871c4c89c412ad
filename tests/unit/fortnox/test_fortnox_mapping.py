"""Fortnox customer/article records ⇄ canonical records."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wfsync.domain import Customer
from wfsync.fortnox import API_BLANK
from wfsync.fortnox.mapping import (
    CUSTOMER_FIELD_NAMES,
    article_from_fortnox,
    customer_fields,
    customer_from_fortnox,
)
from wfsync.fortnox.models import ArticleListItem, FortnoxArticle, FortnoxCustomer

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
