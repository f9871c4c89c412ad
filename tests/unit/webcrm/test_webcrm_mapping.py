"""webCRM organisation/catalogue DTOs ⇄ canonical Customer/Article."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from wfsync.config import CatalogueSlots, CustomFields, SyncSettings
from wfsync.domain.models import CUSTOMER_FIELDS, Article, Customer
from wfsync.webcrm.mapping import (
    article_catalogue_fields,
    article_from_catalogue,
    customer_from_webcrm,
    organisation_fields,
)
from wfsync.webcrm.models import CatalogueItem, Organisation

CUSTOM = CustomFields()
SYNC = SyncSettings(inactive_statuses=["Inaktiv", "Avslutad"])


def org(**props: Any) -> Organisation:
    base: dict[str, Any] = {"OrganisationId": 7, "OrganisationType": "Kund – Företag"}
    return Organisation.from_dto({**base, **props})  # type: ignore[no-any-return]


def test_reads_every_customer_field() -> None:
    customer = customer_from_webcrm(
        org(
            OrganisationName=" Kund AB ",
            OrganisationAddress="Storgatan 1\nBox 12\n",
            OrganisationPostCode="111 22",
            OrganisationCity="Stockholm",
            OrganisationCountry="Sverige",
            OrganisationTelephone="08-123 45 67",
            OrganisationWww="www.kund.se",
            OrganisationFax="08-123 45 68",
            OrganisationVatNumber="SE556677889901",
            OrganisationStatus="Aktiv",
            OrganisationExtraCustom1="1042",
            OrganisationExtraCustom2="556677-8899",
            OrganisationCustom1="Fakturagatan 2",
            OrganisationCustom2="",
            OrganisationCustom3="222 33",
            OrganisationCustom4="Göteborg",
            OrganisationCustom5="Norge",
            OrganisationCustom6="30",
            OrganisationCustom7="SEK",
        ),
        CUSTOM,
        SYNC,
    )
    assert customer == Customer(
        name="Kund AB",
        kind="company",
        customer_number="1042",
        organisation_number="556677-8899",
        vat_number="SE556677889901",
        phone="08-123 45 67",
        website="www.kund.se",
        fax="08-123 45 68",
        invoice_address1="Fakturagatan 2",
        invoice_address2=None,
        invoice_postcode="222 33",
        invoice_city="Göteborg",
        invoice_country="NO",
        visiting_address="Storgatan 1, Box 12",
        visiting_postcode="111 22",
        visiting_city="Stockholm",
        visiting_country="SE",
        terms_of_payment="30",
        currency="SEK",
        active=True,
    )


def test_kind_status_codes_and_placeholders() -> None:
    customer = customer_from_webcrm(
        org(
            OrganisationType="Kund – Privat",
            OrganisationStatus="Avslutad",
            OrganisationCountry="Danmark",
            OrganisationCustom5="DE",
            OrganisationCustom6="-- Välj --",
            OrganisationCustom7="Ingen vald",
        ),
        CUSTOM,
        SYNC,
        placeholders={"Ingen vald"},
    )
    assert customer.kind == "private"
    assert customer.active is False
    assert customer.visiting_country == "DK"
    assert customer.invoice_country == "DE"
    assert customer.terms_of_payment is None
    assert customer.currency is None
    assert customer.name is None  # absent property


def test_writes_standard_and_custom_fields_with_empty_for_none() -> None:
    target = Customer(
        name="Ny Kund AB",
        customer_number="2001",
        phone=None,
        visiting_country="SE",
        invoice_country="NO",
        invoice_city="Oslo",
    )
    dto = organisation_fields(
        target,
        ["name", "customer_number", "phone", "visiting_country", "invoice_country", "invoice_city"],
        CUSTOM,
        SYNC,
    )
    assert dto == {
        "OrganisationName": "Ny Kund AB",
        "OrganisationExtraCustom1": "2001",
        "OrganisationTelephone": "",
        "OrganisationCountry": "Sverige",
        "OrganisationCustom5": "Norge",
        "OrganisationCustom4": "Oslo",
    }


def test_writes_cut_to_webcrm_lengths() -> None:
    dto = organisation_fields(
        Customer(website="w" * 80, name="n" * 300), ["website", "name"], CUSTOM, SYNC
    )
    assert len(dto["OrganisationWww"]) == 50
    assert len(dto["OrganisationName"]) == 200


def test_kind_keeps_a_type_that_already_means_it() -> None:
    sync = SyncSettings(customer_types=["Kund – Företag", "Kund – Privat", "Kund – Stor"])
    company = Customer(kind="company")
    private = Customer(kind="private")
    assert organisation_fields(company, ["kind"], CUSTOM, sync, current_type="Kund – Stor") == {
        "OrganisationType": "Kund – Stor"
    }
    assert organisation_fields(company, ["kind"], CUSTOM, sync, current_type="Kund – Privat") == {
        "OrganisationType": "Kund – Företag"
    }
    assert organisation_fields(private, ["kind"], CUSTOM, sync, current_type="Kund – Stor") == {
        "OrganisationType": "Kund – Privat"
    }
    assert organisation_fields(private, ["kind"], CUSTOM, sync) == {
        "OrganisationType": "Kund – Privat"
    }


def test_active_flag_writes_status_only_when_meaningful() -> None:
    inactive = Customer(active=False)
    active = Customer(active=True)
    assert organisation_fields(inactive, ["active"], CUSTOM, SYNC) == {
        "OrganisationStatus": "Inaktiv"
    }
    assert organisation_fields(inactive, ["active"], CUSTOM, SyncSettings()) == {}
    assert organisation_fields(active, ["active"], CUSTOM, SYNC, current_status="Avslutad") == {
        "OrganisationStatus": ""
    }
    assert organisation_fields(active, ["active"], CUSTOM, SYNC, current_status="Aktiv") == {}


def test_round_trip_through_a_dto_keeps_every_field() -> None:
    original = Customer(
        name="Rund AB",
        kind="private",
        customer_number="77",
        organisation_number="19800101-1234",
        vat_number="SE1",
        phone="1",
        website="w",
        fax="f",
        invoice_address1="a1",
        invoice_address2="a2",
        invoice_postcode="p",
        invoice_city="c",
        invoice_country="FI",
        visiting_address="v",
        visiting_postcode="vp",
        visiting_city="vc",
        visiting_country="DE",
        terms_of_payment="10",
        currency="EUR",
        active=False,
    )
    dto = {"OrganisationId": 1, **organisation_fields(original, CUSTOMER_FIELDS, CUSTOM, SYNC)}
    assert customer_from_webcrm(Organisation.from_dto(dto), CUSTOM, SYNC) == original


def test_unknown_field_name_is_an_error() -> None:
    with pytest.raises(ValueError, match="shoe_size"):
        organisation_fields(Customer(), ["shoe_size"], CUSTOM, SYNC)


def test_article_to_catalogue_fills_every_data_column() -> None:
    slots = CatalogueSlots(article_number=1, name=2, unit=4)
    article = Article(
        article_number="A-100", name="Te", unit=None, list_price=Decimal("450"), cost_price=None
    )
    dto = article_catalogue_fields(article, slots)
    assert dto["QuotationLineLinkedDataItemData1"] == "A-100"
    assert dto["QuotationLineLinkedDataItemData2"] == "Te"
    assert dto["QuotationLineLinkedDataItemData4"] == "-"
    assert all(dto[f"QuotationLineLinkedDataItemData{n}"] for n in range(1, 10))
    assert dto["QuotationLineLinkedDataItemPrice"] == 450.0
    assert dto["QuotationLineLinkedDataItemCostPrice"] is None
    assert dto["QuotationLineLinkedDataItemEntityType"] == "Product"


def test_catalogue_round_trip_and_foreign_items() -> None:
    slots = CatalogueSlots(article_number=3, name=1, unit=2)
    article = Article(
        article_number="200",
        name="Konsulttimme",
        unit="h",
        list_price=Decimal("950.5"),
        cost_price=Decimal("400"),
    )
    item = CatalogueItem.from_dto(
        {"QuotationLineLinkedDataItemId": 12, **article_catalogue_fields(article, slots)}
    )
    assert article_from_catalogue(item, slots) == article
    hand_made = CatalogueItem.from_dto(
        {"QuotationLineLinkedDataItemId": 13, "QuotationLineLinkedDataItemData3": "-"}
    )
    assert article_from_catalogue(hand_made, slots) is None
