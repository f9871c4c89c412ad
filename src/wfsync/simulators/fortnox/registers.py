"""Settings registers: terms of payments, currencies, units, price lists, delivery terms
and ways, plus the read-only company information and ``/3/me`` (§6.2, §9).

The code-keyed registers share one implementation: list, get, create, update and
(where Fortnox has it) delete, each with its own not-found message and the odd
``Location`` values recorded (``paymentterms`` for terms of payments).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wfsync.simulators.fortnox.errors import ApiProblem, Code
from wfsync.simulators.fortnox.listing import ListSpec, list_envelope
from wfsync.simulators.fortnox.routing import Call, Reply, Router
from wfsync.simulators.fortnox.schema import Field, Kind, apply_changes, defaults, parse_changes
from wfsync.simulators.fortnox.store import Record, TenantStore
from wfsync.simulators.fortnox.values import jsonable

__all__ = ["REGISTERS", "Register", "add_register_routes", "create_register_entry"]

_TEXT = Field(Kind.TEXT, "", blank="")


@dataclass(frozen=True)
class Register:
    root: str
    plural: str
    segment: str
    scope: str
    store_attr: str
    fields: dict[str, Field]
    not_found_code: int
    not_found_message: str
    location: str
    deletable: bool = True

    def entries(self, store: TenantStore) -> dict[str, Record]:
        entries: dict[str, Record] = getattr(store, self.store_attr)
        return entries


REGISTERS: dict[str, Register] = {
    "termsofpayments": Register(
        "TermsOfPayment",
        "TermsOfPayments",
        "termsofpayments",
        "settings",
        "terms_of_payments",
        {"Code": _TEXT, "Description": _TEXT},
        Code.TERMS_NOT_FOUND,
        "Kan inte hitta betalningsvillkoret.",
        "paymentterms",
    ),
    "currencies": Register(
        "Currency",
        "Currencies",
        "currencies",
        "currency",
        "currencies",
        {
            "Code": _TEXT,
            "Description": _TEXT,
            "BuyRate": Field(Kind.NUMBER, None),
            "SellRate": Field(Kind.NUMBER, None),
            "Unit": Field(Kind.NUMBER, None),
            "Date": Field(Kind.DATE, None),
            "IsAutomatic": Field(Kind.BOOLEAN, False),
        },
        Code.CURRENCY_NOT_FOUND,
        "Kan inte hitta valutan.",
        "currencies",
    ),
    "units": Register(
        "Unit",
        "Units",
        "units",
        "settings",
        "units",
        {"Code": _TEXT, "CodeEnglish": _TEXT, "Description": _TEXT},
        Code.UNIT_NOT_FOUND,
        "Kan inte hitta enheten.",
        "units",
    ),
    "pricelists": Register(
        "PriceList",
        "PriceLists",
        "pricelists",
        "price",
        "pricelists",
        {
            "Code": _TEXT,
            "Description": _TEXT,
            "Comments": _TEXT,
            "PreSelected": Field(Kind.BOOLEAN, False),
        },
        Code.PRICELIST_NOT_FOUND,
        "Kan inte hitta prislistan.",
        "pricelists",
        deletable=False,
    ),
    "termsofdeliveries": Register(
        "TermsOfDelivery",
        "TermsOfDeliveries",
        "termsofdeliveries",
        "settings",
        "terms_of_delivery",
        {"Code": _TEXT, "Description": _TEXT, "DescriptionEnglish": _TEXT},
        Code.REFERENCE_NOT_FOUND,
        "Kan inte hitta leveransvillkoret.",
        "termsofdeliveries",
    ),
    "wayofdeliveries": Register(
        "WayOfDelivery",
        "WayOfDeliveries",
        "wayofdeliveries",
        "settings",
        "ways_of_delivery",
        {"Code": _TEXT, "Description": _TEXT, "DescriptionEnglish": _TEXT},
        Code.REFERENCE_NOT_FOUND,
        "Kan inte hitta leveranssättet.",
        "wayofdeliveries",
    ),
}


def create_register_entry(
    store: TenantStore, register: Register, payload: dict[str, Any]
) -> Record:
    """Validate and store a new register entry (API POST and seed data)."""
    changes = parse_changes(register.fields, payload, creating=True)
    code = changes.get("Code")
    if not code or not changes.get("Description"):
        raise ApiProblem.invalid(Code.REQUIRED_FIELD, "Kod och beskrivning måste anges.")
    entries = register.entries(store)
    if code in entries:
        raise ApiProblem.invalid(Code.NUMBER_TAKEN, f"Koden {code} används redan.")
    record = defaults(register.fields)
    apply_changes(record, changes)
    if register.store_attr == "pricelists" and record["PreSelected"]:
        _single_preselected(store, code)
    entries[code] = record
    store.touch(register.segment, code, f"{register.segment}-created-v1")
    return record


def add_register_routes(router: Router) -> None:
    for register in REGISTERS.values():
        _add(router, register)
    router.add("GET", "/companyinformation", "companyinformation", _company)
    router.add("GET", "/me", "profile", _me)


def _add(router: Router, register: Register) -> None:
    spec = ListSpec(register.plural, register.segment, "Code", natural_keys=False)

    def render(store: TenantStore, code: str, record: Record) -> dict[str, Any]:
        body: dict[str, Any] = {"@url": store.url(register.segment, code)}
        body.update(jsonable(record))
        return body

    def find(call: Call, code: str) -> Record:
        record = register.entries(call.store).get(code)
        if record is None:
            raise ApiProblem.not_found(register.not_found_code, register.not_found_message)
        return record

    def list_all(call: Call) -> Reply:
        entries = register.entries(call.store)
        return Reply(
            body=list_envelope(
                call.store,
                spec,
                entries,
                call.params,
                lambda r: render(call.store, str(r["Code"]), r),
            )
        )

    def get(call: Call, code: str) -> Reply:
        return Reply(body={register.root: render(call.store, code, find(call, code))})

    def post(call: Call) -> Reply:
        record = create_register_entry(call.store, register, call.payload(register.root))
        code = str(record["Code"])
        return Reply(201, {register.root: render(call.store, code, record)}, register.location)

    def put(call: Call, code: str) -> Reply:
        record = find(call, code)
        changes = parse_changes(register.fields, call.payload(register.root), creating=False)
        changes.pop("Code", None)
        apply_changes(record, changes)
        if register.store_attr == "pricelists" and changes.get("PreSelected"):
            _single_preselected(call.store, code)
        call.store.touch(register.segment, code, f"{register.segment}-updated-v1")
        return Reply(body={register.root: render(call.store, code, record)})

    def delete(call: Call, code: str) -> Reply:
        find(call, code)
        del register.entries(call.store)[code]
        call.store.touch(register.segment, code, f"{register.segment}-deleted-v1")
        return Reply(204)

    base = f"/{register.segment}"
    router.add("GET", base, register.scope, list_all)
    router.add("POST", base, register.scope, post)
    router.add("GET", base + "/{code}", register.scope, get)
    router.add("PUT", base + "/{code}", register.scope, put)
    if register.deletable:
        router.add("DELETE", base + "/{code}", register.scope, delete)


def _single_preselected(store: TenantStore, code: str) -> None:
    """Only one price list is the default; selecting one deselects the others."""
    for other_code, other in store.pricelists.items():
        other["PreSelected"] = other_code == code


def _company(call: Call) -> Reply:
    info = dict(call.store.company)
    info["DatabaseNumber"] = int(call.store.tenant_id)
    return Reply(body={"CompanyInformation": info})


def _me(call: Call) -> Reply:
    return Reply(body={"MeInformation": dict(call.store.me)})
