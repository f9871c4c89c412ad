"""Built-in Swedish sample data: what a small webCRM tenant looks like on day one.

Fifteen organisations across the Types (companies and private customers that
sync, prospects, suppliers and a partner that must not), contact persons, a
small product catalogue and a few deliveries with quotation lines. Customer
numbers live in ``OrganisationExtraCustom1`` and organisation numbers in
``OrganisationExtraCustom2``, as the default wfsync configuration expects.
"""

from __future__ import annotations

from typing import Any

__all__ = ["sample_data"]

_FORETAG = "Kund – Företag"
_PRIVAT = "Kund – Privat"

# (id, name, type, customer no, org no, street, postcode, city, phone, www)
_ORGANISATIONS: list[tuple[int, str, str, str, str, str, str, str, str, str]] = [
    (
        1,
        "Bergström Bygg AB",
        _FORETAG,
        "1001",
        "556677-8899",
        "Storgatan 12",
        "111 22",
        "Stockholm",
        "08-123 45 67",
        "www.bergstrombygg.se",
    ),
    (
        2,
        "Nordisk Ventilation AB",
        _FORETAG,
        "1002",
        "556012-3456",
        "Industrivägen 4",
        "413 27",
        "Göteborg",
        "031-70 20 30",
        "www.nordiskventilation.se",
    ),
    (
        3,
        "Skånska Trädgårdar HB",
        _FORETAG,
        "1003",
        "969745-1234",
        "Lundavägen 88",
        "212 24",
        "Malmö",
        "040-12 34 56",
        "www.skanskatradgardar.se",
    ),
    (
        4,
        "Fjällstugan i Åre AB",
        _FORETAG,
        "1004",
        "559123-4567",
        "Årevägen 101",
        "837 52",
        "Åre",
        "0647-510 00",
        "www.fjallstuganare.se",
    ),
    (
        5,
        "Uppsala Elteknik AB",
        _FORETAG,
        "1005",
        "556789-0123",
        "Kungsgatan 45",
        "753 21",
        "Uppsala",
        "018-10 11 12",
        "www.uppsalaelteknik.se",
    ),
    (
        6,
        "Eva Johansson",
        _PRIVAT,
        "1006",
        "",
        "Björkvägen 3",
        "352 30",
        "Växjö",
        "070-123 45 67",
        "",
    ),
    (
        7,
        "Lars Öberg",
        _PRIVAT,
        "1007",
        "",
        "Sjögatan 7 lgh 1102",
        "903 26",
        "Umeå",
        "073-987 65 43",
        "",
    ),
    (
        8,
        "Karin Nyström",
        _PRIVAT,
        "1008",
        "",
        "Prästgårdsvägen 15",
        "702 11",
        "Örebro",
        "076-555 12 34",
        "",
    ),
    (
        9,
        "Västerås Maskinservice AB",
        "Prospekt",
        "",
        "556456-7890",
        "Mälarvägen 2",
        "722 14",
        "Västerås",
        "021-41 42 43",
        "www.vmaskinservice.se",
    ),
    (
        10,
        "Linköpings Konsulthus AB",
        "Prospekt",
        "",
        "559876-5432",
        "Ågatan 20",
        "582 22",
        "Linköping",
        "013-20 30 40",
        "www.lkpkonsult.se",
    ),
    (
        11,
        "Gävle Hamnlogistik AB",
        "Prospekt",
        "",
        "556234-5678",
        "Hamngatan 1",
        "802 82",
        "Gävle",
        "026-65 00 00",
        "",
    ),
    (
        12,
        "Svensk Trävaruhandel AB",
        "Leverantör",
        "",
        "556345-6789",
        "Sågverksvägen 9",
        "861 36",
        "Timrå",
        "060-57 10 00",
        "www.svensktravaruhandel.se",
    ),
    (
        13,
        "Ljusdals Järn & Färg AB",
        "Leverantör",
        "",
        "556567-8901",
        "Järnvägsgatan 5",
        "827 30",
        "Ljusdal",
        "0651-120 00",
        "",
    ),
    (
        14,
        "Affärssystem Partner Norr AB",
        "Partner",
        "",
        "559012-3456",
        "Rådhusesplanaden 10",
        "903 28",
        "Umeå",
        "090-15 16 17",
        "www.aspnorr.se",
    ),
    (
        15,
        "Östgöta Kök & Bad AB",
        _FORETAG,
        "1009",
        "556890-1234",
        "Drottninggatan 33",
        "602 24",
        "Norrköping",
        "011-18 19 20",
        "www.ostgotakokbad.se",
    ),
]

# (id, organisation id, first name, last name, title, email, mobile)
_PERSONS = [
    (1, 1, "Johan", "Bergström", "VD", "johan@bergstrombygg.se", "070-111 22 33"),
    (2, 1, "Sara", "Lind", "Inköpare", "sara.lind@bergstrombygg.se", "070-222 33 44"),
    (3, 2, "Mikael", "Ek", "Ekonomichef", "mikael.ek@nordiskventilation.se", "072-333 44 55"),
    (4, 3, "Ingrid", "Holm", "Delägare", "ingrid@skanskatradgardar.se", "073-444 55 66"),
    (5, 4, "Per", "Sundqvist", "Platschef", "per@fjallstuganare.se", "070-555 66 77"),
    (6, 5, "Anna", "Åkesson", "Projektledare", "anna.akesson@uppsalaelteknik.se", "076-666 77 88"),
    (7, 9, "Ola", "Persson", "Servicechef", "ola.persson@vmaskinservice.se", "070-777 88 99"),
    (8, 12, "Birgitta", "Sjöberg", "Säljare", "birgitta@svensktravaruhandel.se", "070-888 99 00"),
    (9, 15, "Hanna", "Öhman", "Butikschef", "hanna@ostgotakokbad.se", "073-999 00 11"),
]

# (id, article no, name, unit, price, cost price, item group)
_CATALOGUE = [
    (1, "1001", "Konsulttimme", "tim", 950.0, 0.0, "Tjänster"),
    (2, "1002", "Installation el", "tim", 720.0, 380.0, "Tjänster"),
    (3, "2001", "Ventilationsaggregat VX-200", "st", 18500.0, 12100.0, "Ventilation"),
    (4, "2002", "Takfläkt TF-40", "st", 2450.0, 1390.0, "Ventilation"),
    (5, "3001", "Konstruktionsvirke 45x95", "m", 32.5, 21.0, "Trävaror"),
    (6, "3002", "Gipsskiva 13 mm", "st", 89.0, 54.0, "Byggmaterial"),
    (7, "4001", "Frakt", "st", 495.0, 350.0, "Övrigt"),
]

# (id, organisation id, person id, description, number, status, order date)
_DELIVERIES = [
    (1, 1, 1, "Tillbyggnad kontor", "5001", "Planned", "2026-01-08T00:00:00Z"),
    (2, 2, 3, "Service ventilation Q1", "5002", "OnGoing", "2026-01-10T00:00:00Z"),
    (3, 6, 0, "Elinstallation villa", "5003", "New", "2026-01-12T00:00:00Z"),
    (4, 15, 9, "Nytt badrum butik", "5004", "Completed", "2025-12-15T00:00:00Z"),
]

# (delivery id, catalogue id, quantity, discount %, sort order)
_LINES = [
    (1, 1, 12.0, 0.0, 10),
    (1, 5, 240.0, 5.0, 20),
    (1, 6, 60.0, 0.0, 30),
    (2, 3, 1.0, 10.0, 10),
    (2, 2, 6.0, 0.0, 20),
    (3, 2, 8.0, 0.0, 10),
    (3, 7, 1.0, 0.0, 20),
    (4, 4, 2.0, 0.0, 10),
    (4, 1, 3.5, 0.0, 20),
]


def _organisation(row: tuple[int, str, str, str, str, str, str, str, str, str]) -> dict[str, Any]:
    org_id, name, kind, customer_no, org_no, street, postcode, city, phone, www = row
    customer = kind in (_FORETAG, _PRIVAT)
    return {
        "OrganisationId": org_id,
        "OrganisationName": name,
        "OrganisationType": kind,
        "OrganisationAddress": street,
        "OrganisationPostCode": postcode,
        "OrganisationCity": city,
        "OrganisationCountry": "Sverige",
        "OrganisationTelephone": phone,
        "OrganisationWww": www,
        "OrganisationVatNumber": f"SE{org_no.replace('-', '')}01" if org_no else "",
        "OrganisationExtraCustom1": customer_no,
        "OrganisationExtraCustom2": org_no,
        "OrganisationCustom6": "30 dagar" if customer else "",
        "OrganisationCustom7": "SEK" if customer else "",
    }


def _line(index: int, row: tuple[int, int, float, float, int]) -> dict[str, Any]:
    delivery_id, item_id, quantity, discount, sort_order = row
    _, number, name, unit, price, cost, _group = _CATALOGUE[item_id - 1]
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


def sample_data() -> dict[str, list[dict[str, Any]]]:
    """A fresh copy of the sample tenant in seed format (see ``seed.load_seed``)."""
    catalogue = []
    for item_id, number, name, unit, price, cost, group in _CATALOGUE:
        item: dict[str, Any] = {
            "QuotationLineLinkedDataItemId": item_id,
            "QuotationLineLinkedDataItemEntityType": "Product",
            "QuotationLineLinkedDataItemData1": number,
            "QuotationLineLinkedDataItemData2": name,
            "QuotationLineLinkedDataItemData3": unit,
            "QuotationLineLinkedDataItemPrice": price,
            "QuotationLineLinkedDataItemCostPrice": cost,
            "QuotationLineLinkedDataItemItemGroup": group,
            "QuotationLineLinkedDataItemVatCode": "3001",
        }
        for n in range(4, 10):
            item[f"QuotationLineLinkedDataItemData{n}"] = "-"
        catalogue.append(item)
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
        "catalogue": catalogue,
        "organisations": [_organisation(row) for row in _ORGANISATIONS],
        "persons": persons,
        "deliveries": deliveries,
        "quotation_lines": [_line(index, row) for index, row in enumerate(_LINES, start=1)],
    }
