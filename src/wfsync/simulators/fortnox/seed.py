"""Standard registers of a new Swedish tenant, and loading seed data.

Seed format (JSON or a dict; documented in docs/fortnox-simulator.md): top-level
lists ``customers``, ``articles``, ``prices``, ``orders``, ``invoices`` and the
registers ``termsofpayments``, ``currencies``, ``units``, ``pricelists``,
``termsofdeliveries``, ``wayofdeliveries``; each item is the body a client would
POST (without the wrapper). Orders and invoices may carry ``"_actions"`` —
``createinvoice``/``cancel`` for orders, ``bookkeep``/``cancel``/``credit``/``pay``
for invoices — applied in order after creation. Everything goes through the same
validation as API writes, so a seed file cannot create a state the API could not.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from wfsync.simulators.fortnox.registers import REGISTERS, create_register_entry
from wfsync.simulators.fortnox.store import TenantStore

__all__ = ["SeedActions", "install_standard_registers", "load_seed", "sample_data"]

#: (store, kind, payload) -> None; kind is "customers", "articles", … — set by the simulator.
SeedActions = Mapping[str, Callable[[TenantStore, dict[str, Any]], None]]

STANDARD: dict[str, list[dict[str, Any]]] = {
    "termsofpayments": [
        {"Code": "0", "Description": "0 dagar"},
        {"Code": "10", "Description": "10 dagar"},
        {"Code": "15", "Description": "15 dagar"},
        {"Code": "20", "Description": "20 dagar"},
        {"Code": "30", "Description": "30 dagar"},
        {"Code": "AG", "Description": "Autogiro"},
        {"Code": "K", "Description": "Kontant"},
        {"Code": "PF", "Description": "Postförskott"},
    ],
    "currencies": [
        {"Code": "SEK", "Description": "Svensk krona", "BuyRate": 1, "SellRate": 1, "Unit": 1},
        {"Code": "EUR", "Description": "Euro", "BuyRate": 11.2, "SellRate": 11.6, "Unit": 1},
        {
            "Code": "USD",
            "Description": "Amerikansk dollar",
            "BuyRate": 10.4,
            "SellRate": 10.8,
            "Unit": 1,
        },
        {"Code": "NOK", "Description": "Norsk krona", "BuyRate": 0.98, "SellRate": 1.02, "Unit": 1},
        {"Code": "DKK", "Description": "Dansk krona", "BuyRate": 1.5, "SellRate": 1.56, "Unit": 1},
        {
            "Code": "GBP",
            "Description": "Brittiskt pund",
            "BuyRate": 13.1,
            "SellRate": 13.5,
            "Unit": 1,
        },
    ],
    "units": [
        {"Code": "st", "CodeEnglish": "pcs", "Description": "Styck"},
        {"Code": "h", "CodeEnglish": "h", "Description": "Timmar"},
        {"Code": "km", "CodeEnglish": "km", "Description": "Kilometer"},
        {"Code": "förp", "CodeEnglish": "pack", "Description": "Förpackning"},
        {"Code": "utl", "CodeEnglish": "outl", "Description": "Utlägg"},
        {"Code": "dag", "CodeEnglish": "day", "Description": "Dagar"},
        {"Code": "mån", "CodeEnglish": "mon", "Description": "Månader"},
    ],
    "pricelists": [
        {"Code": "A", "Description": "Standardprislista", "PreSelected": True},
    ],
    "termsofdeliveries": [
        {"Code": "FVL", "Description": "Fritt vårt lager", "DescriptionEnglish": "Ex works"},
        {"Code": "FK", "Description": "Fritt kund", "DescriptionEnglish": "Free delivered"},
    ],
    "wayofdeliveries": [
        {"Code": "P", "Description": "Post", "DescriptionEnglish": "Mail"},
        {"Code": "BUD", "Description": "Bud", "DescriptionEnglish": "Courier"},
        {"Code": "HÄMT", "Description": "Hämtas", "DescriptionEnglish": "Pick-up"},
    ],
}

COMPANY: dict[str, Any] = {
    "Address": "Sveavägen 12",
    "City": "Stockholm",
    "CompanyName": "Simulerad Handel AB",
    "CountryCode": "SE",
    "OrganizationNumber": "556677-8899",
    "VisitAddress": "Sveavägen 12",
    "VisitCity": "Stockholm",
    "VisitCountryCode": "SE",
    "VisitZipCode": "111 57",
    "ZipCode": "111 57",
}

ME: dict[str, Any] = {
    "Email": "admin@simulerad.se",
    "Id": "1",
    "Locale": "sv_SE",
    "Name": "Admin Simulerad",
    "SysAdmin": True,
}

_RECORD_KINDS = ("customers", "articles", "prices", "orders", "invoices")


def install_standard_registers(store: TenantStore) -> None:
    """What a new Swedish Fortnox tenant starts with."""
    for kind, entries in STANDARD.items():
        for entry in entries:
            create_register_entry(store, REGISTERS[kind], dict(entry))
    store.company = dict(COMPANY)
    store.me = dict(ME)


def sample_data() -> dict[str, Any]:
    """The built-in Swedish sample data (``seed=True``)."""
    text = (
        resources.files("wfsync.simulators.fortnox")
        .joinpath("sample_data.json")
        .read_text(encoding="utf-8")
    )
    data: dict[str, Any] = json.loads(text)
    return data


def load_seed(
    store: TenantStore, source: Path | str | Mapping[str, Any], creators: SeedActions
) -> None:
    """Load a seed file or dict: registers first, then records in dependency order."""
    data: Mapping[str, Any]
    if isinstance(source, Mapping):
        data = source
    else:
        data = json.loads(Path(source).read_text(encoding="utf-8"))
    unknown = set(data) - set(REGISTERS) - set(_RECORD_KINDS) - {"company"}
    if unknown:
        raise ValueError(f"unknown seed sections: {sorted(unknown)}")
    for kind, register in REGISTERS.items():
        for entry in data.get(kind, []):
            code = entry.get("Code")
            if code in register.entries(store):
                register.entries(store)[code].update(entry)
            else:
                create_register_entry(store, register, dict(entry))
    if "company" in data:
        store.company.update(data["company"])
    for kind in _RECORD_KINDS:
        for entry in data.get(kind, []):
            creators[kind](store, dict(entry))
