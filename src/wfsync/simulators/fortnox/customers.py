"""Customers — ``/3/customers`` (reference §4).

Fortnox-specific rules kept here: only ``Name`` is required and an empty one is
2000637; numbers are auto-assigned as highest-ever + 1 and a deleted customer's
number is reserved forever (2000637 again); ``Country`` is derived from
``CountryCode`` in Swedish; referenced codes (currency, price list, terms, …)
must exist; e-mail addresses and Swedish organisation numbers are validated.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from wfsync.simulators.fortnox.countries import swedish_name
from wfsync.simulators.fortnox.errors import ApiProblem, Code
from wfsync.simulators.fortnox.listing import ListSpec, contains, key_order, list_envelope
from wfsync.simulators.fortnox.routing import Call, Reply, Router
from wfsync.simulators.fortnox.schema import Field, Kind, apply_changes, defaults, parse_changes
from wfsync.simulators.fortnox.store import Record, TenantStore
from wfsync.simulators.fortnox.values import jsonable, luhn_digit

__all__ = [
    "CUSTOMER_FIELDS",
    "add_customer_routes",
    "create_customer",
    "delete_customer",
    "render_customer",
    "update_customer",
]

_NULL = Field(Kind.TEXT, None, blank=None)
_EMPTY = Field(Kind.TEXT, "", blank="")
_RO = Field(Kind.TEXT, None, read_only=True)
_DELIVERY_TYPE = Field(Kind.CHOICE, "PRINT", choices=("PRINT", "EMAIL", "PRINTSERVICE"))
_TEMPLATE = Field(Kind.TEXT, "DEFAULTTEMPLATE", blank="")
_EMAIL_FIELDS = tuple(
    f"Email{kind}{copy}"
    for kind in ("", "Invoice", "Order", "Offer")
    for copy in (("",) if kind == "" else ("", "CC", "BCC"))
)

CUSTOMER_FIELDS: dict[str, Field] = {
    "@url": _RO,
    "CustomerNumber": _EMPTY,
    "Name": Field(Kind.TEXT, "", blank="", max_length=1024),
    "Active": Field(Kind.BOOLEAN, True),
    "Type": Field(Kind.CHOICE, "COMPANY", choices=("COMPANY", "PRIVATE")),
    "OrganisationNumber": Field(Kind.TEXT, "", blank="", max_length=30),
    "VATNumber": _EMPTY,
    "VATType": Field(
        Kind.CHOICE,
        "SEVAT",
        choices=("SEVAT", "SEREVERSEDVAT", "EUREVERSEDVAT", "EUVAT", "EXPORT"),
    ),
    "Address1": _NULL,
    "Address2": _NULL,
    "ZipCode": Field(Kind.TEXT, None, max_length=10),
    "City": _NULL,
    "CountryCode": _NULL,
    "Country": _RO,
    "Phone1": _NULL,
    "Phone2": _NULL,
    "Fax": _NULL,
    "WWW": _EMPTY,
    **{name: _EMPTY for name in _EMAIL_FIELDS},
    "DeliveryName": _NULL,
    "DeliveryAddress1": _NULL,
    "DeliveryAddress2": _NULL,
    "DeliveryZipCode": Field(Kind.TEXT, None, max_length=10),
    "DeliveryCity": _NULL,
    "DeliveryCountryCode": _NULL,
    "DeliveryCountry": _RO,
    "DeliveryPhone1": _NULL,
    "DeliveryPhone2": _NULL,
    "DeliveryFax": _NULL,
    "VisitingAddress": Field(Kind.TEXT, None, max_length=128),
    "VisitingCity": Field(Kind.TEXT, None, max_length=128),
    "VisitingZipCode": Field(Kind.TEXT, None, max_length=10),
    "VisitingCountryCode": _NULL,
    "VisitingCountry": _RO,
    "Currency": Field(Kind.TEXT, "SEK", blank=""),
    "PriceList": Field(Kind.TEXT, "A", blank=""),
    "TermsOfPayment": _EMPTY,
    "TermsOfDelivery": _EMPTY,
    "WayOfDelivery": _EMPTY,
    "OurReference": Field(Kind.TEXT, "", blank="", max_length=50),
    "YourReference": Field(Kind.TEXT, "", blank="", max_length=50),
    "Comments": _NULL,
    "InvoiceRemark": _EMPTY,
    "InvoiceAdministrationFee": Field(Kind.NUMBER, None),
    "InvoiceFreight": Field(Kind.NUMBER, None),
    "InvoiceDiscount": Field(Kind.NUMBER, None),
    "ShowPriceVATIncluded": Field(Kind.BOOLEAN, False),
    "SalesAccount": Field(Kind.INTEGER, None),
    "CostCenter": _NULL,
    "Project": _EMPTY,
    "ExternalReference": _NULL,
    "GLN": _NULL,
    "GLNDelivery": _NULL,
    "DefaultDeliveryTypes": Field(
        Kind.OBJECT,
        {"Invoice": "PRINT", "Order": "PRINT", "Offer": "PRINT"},
        members={"Invoice": _DELIVERY_TYPE, "Order": _DELIVERY_TYPE, "Offer": _DELIVERY_TYPE},
    ),
    "DefaultTemplates": Field(
        Kind.OBJECT,
        {
            "Order": "DEFAULTTEMPLATE",
            "Offer": "DEFAULTTEMPLATE",
            "Invoice": "DEFAULTTEMPLATE",
            "CashInvoice": "DEFAULTTEMPLATE",
        },
        members={name: _TEMPLATE for name in ("Order", "Offer", "Invoice", "CashInvoice")},
    ),
}

_LIST_FIELDS = (
    "Address1",
    "Address2",
    "City",
    "CustomerNumber",
    "Email",
    "Name",
    "OrganisationNumber",
    "Phone",
    "ZipCode",
)
_NUMBER_CHARS = re.compile(r"[A-Za-z0-9_+/\-–]+")
_EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+")
_SWEDISH_ORGNO = re.compile(r"(\d{6}|\d{8})-?(\d{4})")
_COUNTRY_FIELDS = {
    "CountryCode": "Country",
    "DeliveryCountryCode": "DeliveryCountry",
    "VisitingCountryCode": "VisitingCountry",
}
_TAKEN = "Kundnummer {} används redan. Kundnumret har redan använts men blivit raderat."

SPEC = ListSpec(
    plural="Customers",
    topic="customers",
    key_field="CustomerNumber",
    search={
        "city": contains("City"),
        "customernumber": contains("CustomerNumber"),
        "email": contains("Email"),
        "gln": contains("GLN"),
        "glndelivery": contains("GLNDelivery"),
        "name": contains("Name"),
        "organisationnumber": contains("OrganisationNumber"),
        "phone": contains("Phone1"),
        "zipcode": contains("ZipCode"),
    },
    filters={
        "active": lambda record, _today: bool(record["Active"]),
        "inactive": lambda record, _today: not record["Active"],
    },
    sort={
        "customernumber": lambda record: key_order(record["CustomerNumber"]),
        "name": lambda record: str(record["Name"]).lower(),
    },
)


def create_customer(store: TenantStore, payload: dict[str, Any]) -> Record:
    """Validate and store a new customer (API POST, UI and seed data)."""
    changes = parse_changes(CUSTOMER_FIELDS, payload, creating=True)
    if not str(changes.get("Name") or "").strip():
        raise ApiProblem.invalid(Code.CUSTOMER_NUMBER_TAKEN, "Kundnamn måste anges.")
    explicit = changes.pop("CustomerNumber", "") or None
    if explicit is not None:
        if not _NUMBER_CHARS.fullmatch(explicit):
            raise ApiProblem.invalid(
                Code.NOT_ALPHANUMERIC, f"Värdet måste vara alfanumeriskt ({explicit})"
            )
        if explicit in store.customers or explicit in store.deleted_customers:
            raise ApiProblem.invalid(Code.CUSTOMER_NUMBER_TAKEN, _TAKEN.format(explicit))
    record = defaults(CUSTOMER_FIELDS)
    del record["@url"]
    apply_changes(record, changes)
    _validate(store, record, changes)
    number = store.claim_number("customers", explicit)
    while explicit is None and (number in store.customers or number in store.deleted_customers):
        number = store.claim_number("customers", None)
    record["CustomerNumber"] = number
    store.customers[number] = record
    store.touch("customers", number, "customer-created-v1")
    return record


def update_customer(store: TenantStore, number: str, payload: dict[str, Any]) -> Record:
    """Partial update; the key cannot change (a sent ``CustomerNumber`` is ignored)."""
    record = find_customer(store, number)
    changes = parse_changes(CUSTOMER_FIELDS, payload, creating=False)
    changes.pop("CustomerNumber", None)
    if "Name" in changes and not str(changes["Name"] or "").strip():
        raise ApiProblem.invalid(Code.CUSTOMER_NUMBER_TAKEN, "Kundnamn måste anges.")
    candidate = copy.deepcopy(record)
    apply_changes(candidate, changes)
    _validate(store, candidate, changes)
    record.clear()
    record.update(candidate)
    store.touch("customers", number, "customer-updated-v2")
    return record


def delete_customer(store: TenantStore, number: str) -> None:
    """Permanent delete; the number stays reserved. Refused while documents use it."""
    find_customer(store, number)
    for document in (*store.orders.values(), *store.invoices.values()):
        if document["CustomerNumber"] == number:
            raise ApiProblem.invalid(
                Code.RECORD_IN_USE, "Kunden används i dokument och kan inte tas bort."
            )
    del store.customers[number]
    store.deleted_customers.add(number)
    store.touch("customers", number, "customer-deleted-v1")


def find_customer(store: TenantStore, number: str) -> Record:
    record = store.customers.get(number)
    if record is None:
        raise ApiProblem.not_found(Code.CUSTOMER_NOT_FOUND, "Kan inte hitta kunden.")
    return record


def render_customer(store: TenantStore, record: Record) -> dict[str, Any]:
    body = {"@url": store.url("customers", record["CustomerNumber"])}
    body.update(jsonable(record))
    return body


def _list_item(store: TenantStore, record: Record) -> dict[str, Any]:
    item: dict[str, Any] = {"@url": store.url("customers", record["CustomerNumber"])}
    for name in _LIST_FIELDS:
        value = record.get("Phone1" if name == "Phone" else name)
        item[name] = "" if value is None else value
    return item


def _validate(store: TenantStore, record: Record, changes: dict[str, Any]) -> None:
    """Check the changed fields against registers and formats."""
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
    for name in ("Project", "CostCenter"):
        if changes.get(name):
            raise ApiProblem.reference_missing("projekt" if name == "Project" else "kostnadsställe")
    for code_field, name_field in _COUNTRY_FIELDS.items():
        code = record.get(code_field)
        if not code:
            record[name_field] = None
            continue
        country = swedish_name(code)
        if country is None:
            raise ApiProblem.reference_missing("landskod")
        record[name_field] = country
    for name in _EMAIL_FIELDS:
        value = changes.get(name)
        if value and not _EMAIL.fullmatch(value):
            raise ApiProblem.invalid(Code.INVALID_EMAIL, f"Ogiltig e-postadress ({value})")
    if "OrganisationNumber" in changes or "CountryCode" in changes:
        _check_organisation_number(record)


def _check_organisation_number(record: Record) -> None:
    """Swedish customers need a real org./personal number: 10 or 12 digits, Luhn-valid.

    Foreign customers' numbers are free text. Fortnox only says the value "must
    be a valid organisation number"; this is the strict reading (see docs).
    """
    number = record.get("OrganisationNumber") or ""
    if not number or record.get("CountryCode") not in (None, "", "SE"):
        return
    match = _SWEDISH_ORGNO.fullmatch(number)
    digits = (match.group(1)[-6:] + match.group(2)) if match else ""
    if not digits or luhn_digit(digits[:9]) != int(digits[9]):
        raise ApiProblem.invalid(
            Code.INVALID_ORGANISATION_NUMBER, f"Ogiltigt organisationsnummer ({number})"
        )


def add_customer_routes(router: Router) -> None:
    def list_all(call: Call) -> Reply:
        body = list_envelope(
            call.store,
            SPEC,
            call.store.customers,
            call.params,
            lambda record: _list_item(call.store, record),
        )
        return Reply(body=body)

    def get(call: Call, number: str) -> Reply:
        return Reply(
            body={"Customer": render_customer(call.store, find_customer(call.store, number))}
        )

    def post(call: Call) -> Reply:
        record = create_customer(call.store, call.payload("Customer"))
        return Reply(201, {"Customer": render_customer(call.store, record)}, "customers")

    def put(call: Call, number: str) -> Reply:
        record = update_customer(call.store, number, call.payload("Customer"))
        return Reply(body={"Customer": render_customer(call.store, record)})

    def delete(call: Call, number: str) -> Reply:
        delete_customer(call.store, number)
        return Reply(204)

    router.add("GET", "/customers", "customer", list_all)
    router.add("POST", "/customers", "customer", post)
    router.add("GET", "/customers/{number}", "customer", get)
    router.add("PUT", "/customers/{number}", "customer", put)
    router.add("DELETE", "/customers/{number}", "customer", delete)
