"""The webCRM half of a consistent trial world: ``wfsync simulate webcrm`` by default.

Why a second sample: the original one (:mod:`.seed_data`, now the "messy"
sample) describes a webCRM tenant that was never meant to meet the Fortnox
simulator's tenant — its terms of payment are free text Fortnox does not know,
its catalogue holds products Fortnox has never heard of, and two of its
companies share organisation numbers with unrelated Fortnox customers. A new
user following the README then sees a dozen error-inbox entries that have
nothing to do with them.

This sample is the same company seen from its CRM, as it would look before
the integration: the customers that also buy on account are in both systems
with the customer number Fortnox gave them, the terms-of-payment and currency
codes are Fortnox's own, the product catalogue lists the active Fortnox
articles with their Fortnox numbers and prices, and every other organisation
number is unique. Two webCRM customers are not in Fortnox yet (the first
``sync --once`` creates them there) and leads, suppliers and a partner must
stay out of Fortnox. The Fortnox side is the Fortnox simulator's own sample
(``sample_data.json``); ``tests/e2e/cli/test_simulate.py`` proves the two fit:
import plus one sync cycle leave the error inbox empty.
"""

from __future__ import annotations

from typing import Any

__all__ = ["trial_data"]

_FORETAG = "Kund – Företag"
_PRIVAT = "Kund – Privat"


def _org(
    org_id: int,
    name: str,
    kind: str,
    *,
    customer_no: str = "",
    org_no: str = "",
    vat: str = "",
    street: str = "",
    postcode: str = "",
    city: str = "",
    phone: str = "",
    www: str = "",
    terms: str = "",
    invoice: tuple[str, str, str] | None = None,
) -> dict[str, Any]:
    customer = kind in (_FORETAG, _PRIVAT)
    invoice_street, invoice_postcode, invoice_city = invoice or ("", "", "")
    return {
        "OrganisationId": org_id,
        "OrganisationName": name,
        "OrganisationType": kind,
        "OrganisationAddress": street,
        "OrganisationPostCode": postcode,
        "OrganisationCity": city,
        "OrganisationCountry": "Sverige" if street else "",
        "OrganisationTelephone": phone,
        "OrganisationWww": www,
        "OrganisationVatNumber": vat,
        "OrganisationExtraCustom1": customer_no,
        "OrganisationExtraCustom2": org_no,
        "OrganisationCustom1": invoice_street,
        "OrganisationCustom3": invoice_postcode,
        "OrganisationCustom4": invoice_city,
        "OrganisationCustom5": "Sverige" if invoice else "",
        "OrganisationCustom6": terms if customer else "",
        "OrganisationCustom7": "SEK" if customer else "",
    }


_ORGANISATIONS: list[dict[str, Any]] = [
    # In Fortnox too (customer numbers 1, 3, 7 and 13 of the Fortnox sample).
    _org(
        1,
        "Nordlund Bygg AB",
        _FORETAG,
        customer_no="1",
        org_no="556123-4567",
        vat="SE556123456701",
        street="Kungsgatan 12",
        postcode="111 43",
        city="Stockholm",
        phone="08-411 22 33",
        www="https://nordlundbygg.se",
        terms="30",
        invoice=("Kungsgatan 12", "111 43", "Stockholm"),
    ),
    _org(
        2,
        "Malmö Kaffekompani AB",
        _FORETAG,
        customer_no="3",
        org_no="556345-6788",
        vat="SE556345678801",
        street="Södra Förstadsgatan 28",
        postcode="211 43",
        city="Malmö",
        phone="040-12 34 56",
        www="https://kaffekompaniet.se",
        terms="20",
        invoice=("Södra Förstadsgatan 28", "211 43", "Malmö"),
    ),
    _org(
        3,
        "Öresund IT-konsult AB",
        _FORETAG,
        customer_no="7",
        org_no="556789-0123",
        vat="SE556789012301",
        street="Stortorget 9",
        postcode="211 22",
        city="Malmö",
        phone="040-611 20 30",
        www="https://oresundit.se",
        terms="30",
        invoice=("Stortorget 9", "211 22", "Malmö"),
    ),
    _org(
        4,
        "Erik Johansson",
        _PRIVAT,
        customer_no="13",
        org_no="19800101-0001",
        phone="070-123 45 67",
        terms="10",
        invoice=("Vasagatan 3", "753 13", "Uppsala"),
    ),
    # Customers only webCRM knows so far: the first sync creates them in Fortnox.
    _org(
        5,
        "Bergström Bygg AB",
        _FORETAG,
        org_no="556677-1233",
        vat="SE556677123301",
        street="Storgatan 12",
        postcode="111 22",
        city="Stockholm",
        phone="08-123 45 67",
        www="https://bergstrombygg.se",
        terms="30",
        invoice=("Storgatan 12", "111 22", "Stockholm"),
    ),
    _org(
        6,
        "Eva Lundgren",
        _PRIVAT,
        phone="070-222 45 67",
        terms="10",
        invoice=("Björkvägen 3", "352 30", "Växjö"),
    ),
    # Not customers: never sent to Fortnox.
    _org(
        7,
        "Västerås Maskinservice AB",
        "Prospekt",
        org_no="556456-1115",
        street="Mälarvägen 2",
        postcode="722 14",
        city="Västerås",
        phone="021-41 42 43",
        www="https://vmaskinservice.se",
    ),
    _org(
        8,
        "Linköpings Konsulthus AB",
        "Prospekt",
        org_no="559876-1111",
        street="Ågatan 20",
        postcode="582 22",
        city="Linköping",
        phone="013-20 30 40",
    ),
    _org(
        9,
        "Svensk Trävaruhandel AB",
        "Leverantör",
        org_no="556345-1110",
        street="Sågverksvägen 9",
        postcode="861 36",
        city="Timrå",
        phone="060-57 10 00",
    ),
    _org(
        10,
        "Affärssystem Partner Norr AB",
        "Partner",
        org_no="559012-1116",
        street="Rådhusesplanaden 10",
        postcode="903 28",
        city="Umeå",
        phone="090-15 16 17",
    ),
]

# (id, organisation id, first name, last name, title, email, mobile)
_PERSONS = [
    (1, 1, "Lars", "Nordlund", "VD", "lars@nordlundbygg.se", "070-111 22 33"),
    (2, 2, "Karin", "Ek", "Inköpare", "karin@kaffekompaniet.se", "072-333 44 55"),
    (3, 3, "Per", "Holm", "Ekonomichef", "per.holm@oresundit.se", "073-444 55 66"),
    (4, 5, "Johan", "Bergström", "VD", "johan@bergstrombygg.se", "070-555 66 77"),
    (5, 7, "Ola", "Persson", "Servicechef", "ola.persson@vmaskinservice.se", "070-777 88 99"),
]

# The active Fortnox sample articles: (id, article no, name, unit, list price, cost price).
_CATALOGUE = [
    (1, "101", "Hammare 500 g", "st", 189.0, 89.0),
    (2, "102", "Skruvdragare 18V", "st", 1695.0, 899.0),
    (3, "103", "Träskruv 4x40 (200 st)", "förp", 99.0, 45.0),
    (4, "104", "Arbetshandskar", "st", 69.0, 29.0),
    (5, "105", "Vattenpass 60 cm", "st", 249.0, 120.0),
    (6, "106", "Bitsats 32 delar", "förp", 199.0, 95.0),
    (7, "201", "Konsulttimme", "h", 950.0, 0.0),
    (8, "202", "Installation", "h", 750.0, 0.0),
    (9, "203", "Resa (per km)", "km", 35.0, 0.0),
    (10, "204", "Servicebesök", "st", 1200.0, 0.0),
    (11, "302", "Utlägg material", "utl", 0.0, 0.0),
]

# (id, organisation id, person id, description, number, status, order date)
_DELIVERIES = [
    (1, 1, 1, "Verktyg till nya bygget", "5001", "Planned", "2026-01-19T00:00:00Z"),
    (2, 5, 4, "Installation kontor", "5002", "New", "2026-01-21T00:00:00Z"),
]

# (delivery id, catalogue id, quantity, discount %, sort order)
_LINES = [
    (1, 2, 4.0, 0.0, 10),
    (1, 3, 10.0, 10.0, 20),
    (2, 8, 6.0, 0.0, 10),
    (2, 9, 40.0, 0.0, 20),
]


def _catalogue_item(row: tuple[int, str, str, str, float, float]) -> dict[str, Any]:
    item_id, number, name, unit, price, cost = row
    item: dict[str, Any] = {
        "QuotationLineLinkedDataItemId": item_id,
        "QuotationLineLinkedDataItemEntityType": "Product",
        "QuotationLineLinkedDataItemData1": number,
        "QuotationLineLinkedDataItemData2": name,
        "QuotationLineLinkedDataItemData3": unit,
        "QuotationLineLinkedDataItemPrice": price,
        "QuotationLineLinkedDataItemCostPrice": cost,
        "QuotationLineLinkedDataItemVatCode": "3001",
    }
    for n in range(4, 10):
        item[f"QuotationLineLinkedDataItemData{n}"] = "-"
    return item


def _line(index: int, row: tuple[int, int, float, float, int]) -> dict[str, Any]:
    delivery_id, item_id, quantity, discount, sort_order = row
    _, number, name, unit, price, cost = _CATALOGUE[item_id - 1]
    organisation_id = next(d[1] for d in _DELIVERIES if d[0] == delivery_id)
    return {
        "QuotationLineId": index,
        "QuotationLineOpportunityId": delivery_id,
        "QuotationLineOrganisationId": organisation_id,
        "QuotationLineLinkedDataId": item_id,
        "QuotationLineData1": number,
        "QuotationLineData2": name,
        "QuotationLineData3": unit,
        "QuotationLineMemo": name,
        "QuotationLineQuantity": quantity,
        "QuotationLinePrice": price,
        "QuotationLineListPrice": price,
        "QuotationLineDiscount": discount,
        "QuotationLineCostPrice": cost,
        "QuotationLineVatPercentage": 25.0,
        "QuotationLineSortOrder": sort_order,
    }


def trial_data() -> dict[str, list[dict[str, Any]]]:
    """A fresh copy of the consistent trial tenant in seed format (see ``seed.load_seed``)."""
    persons = [
        {
            "PersonId": person_id,
            "PersonOrganisationId": org_id,
            "PersonFirstName": first,
            "PersonLastName": last,
            "PersonTitle": title,
            "PersonEmail": email,
            "PersonMobilePhone": mobile,
        }
        for person_id, org_id, first, last, title, email, mobile in _PERSONS
    ]
    deliveries = [
        {
            "DeliveryId": delivery_id,
            "DeliveryOrganisationId": org_id,
            "DeliveryPersonId": person_id,
            "DeliveryDescription": description,
            "DeliveryNumber": number,
            "DeliveryStatus": status,
            "DeliveryOrderDate": order_date,
            "DeliveryCurrencyName": "SEK",
        }
        for delivery_id, org_id, person_id, description, number, status, order_date in _DELIVERIES
    ]
    return {
        "catalogue": [_catalogue_item(row) for row in _CATALOGUE],
        "organisations": [dict(org) for org in _ORGANISATIONS],
        "persons": persons,
        "deliveries": deliveries,
        "quotation_lines": [_line(index, row) for index, row in enumerate(_LINES, start=1)],
    }
