"""webCRM DTOs ⇄ canonical :mod:`wfsync.domain` records.

The only module that knows which webCRM property holds which customer or
article fact. Rules that come from webCRM rather than from us (reference §10):

* "unset" is ``""`` and a list field's first option (a localised placeholder
  such as ``-- Välj --``), never ``null`` — both read as ``None``;
* the visiting address is packed into ``OrganisationAddress`` with ``\\n``
  between lines; it reads as one line joined with ``", "``;
* countries are localised *names* (``Sverige``); canonical records hold ISO
  codes, and we write the Swedish name back;
* text properties have length limits (most 50) and webCRM may reject longer
  values, so writes are cut to the documented maximum;
* catalogue ``…Data1…9`` must never be empty: ``"-"`` fills unused columns.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from decimal import Decimal
from typing import Any

from wfsync.config import CatalogueSlots, CustomFields, SyncSettings
from wfsync.domain.models import Article, Customer
from wfsync.domain.normalise import country_code, country_name
from wfsync.webcrm.models import CatalogueItem, Organisation, as_text

__all__ = [
    "CATALOGUE_PLACEHOLDER",
    "CUSTOM_CUSTOMER_FIELDS",
    "STANDARD_CUSTOMER_FIELDS",
    "article_catalogue_fields",
    "article_from_catalogue",
    "catalogue_property",
    "customer_from_webcrm",
    "organisation_fields",
]

#: What webCRM's own integration wrote into catalogue columns it had no value for.
CATALOGUE_PLACEHOLDER = "-"

#: Canonical customer field → standard OrganisationDto property.
STANDARD_CUSTOMER_FIELDS: dict[str, str] = {
    "name": "OrganisationName",
    "vat_number": "OrganisationVatNumber",
    "phone": "OrganisationTelephone",
    "website": "OrganisationWww",
    "fax": "OrganisationFax",
    "visiting_address": "OrganisationAddress",
    "visiting_postcode": "OrganisationPostCode",
    "visiting_city": "OrganisationCity",
}

#: Canonical customer fields stored in the custom slot of the same name in ``CustomFields``.
CUSTOM_CUSTOMER_FIELDS: tuple[str, ...] = (
    "customer_number",
    "organisation_number",
    "invoice_address1",
    "invoice_address2",
    "invoice_postcode",
    "invoice_city",
    "terms_of_payment",
    "currency",
)

#: Documented maximum lengths (reference §4.2, §10.9); unlisted properties have none.
_MAX_LENGTH: dict[str, int] = {
    "OrganisationName": 200,
    "OrganisationAddress": 250,
    "OrganisationCity": 50,
    "OrganisationCountry": 50,
    "OrganisationTelephone": 50,
    "OrganisationFax": 50,
    "OrganisationWww": 50,
    "OrganisationVatNumber": 50,
}
#: Extra-custom and X-text slots are 50 by definition; text custom fields are
#: configured "min*max" and 50 is webCRM's usual maximum, so stay inside it.
_FIFTY = re.compile(r"^Organisation(ExtraCustom\d+|XText\d+|Custom\d+)$")

# "-- Välj --", "-- vælg --", "-- Vælg ---": a list's localised "nothing chosen" line.
_PLACEHOLDER = re.compile(r"^-{2,}\s*[^\W\d_]*\s*-{2,}$")


def _clean(value: str, placeholders: Collection[str] = ()) -> str | None:
    text = value.strip()
    if not text or text in placeholders or _PLACEHOLDER.match(text):
        return None
    return text


def _address(value: str) -> str | None:
    lines = [line.strip() for line in value.replace("\r", "\n").split("\n")]
    joined = ", ".join(line for line in lines if line)
    return joined or None


def customer_from_webcrm(
    org: Organisation,
    custom: CustomFields,
    sync: SyncSettings,
    *,
    placeholders: Collection[str] = (),
) -> Customer:
    """The canonical customer an organisation describes.

    ``placeholders``: extra "nothing chosen" texts (first options of the
    tenant's list fields, from ``client.custom_fields.placeholder(slot)``);
    the usual ``-- Välj --`` shape is recognised without them.
    """

    extra = org.model_extra or {}

    def read(prop: str) -> str | None:
        value = extra.get(prop)
        if value is None or value == "":  # most slots are empty: skip the text work
            return None
        return _clean(as_text(value), placeholders)

    values: dict[str, Any] = {field: read(prop) for field, prop in STANDARD_CUSTOMER_FIELDS.items()}
    values.update({field: read(getattr(custom, field)) for field in CUSTOM_CUSTOMER_FIELDS})
    values["visiting_address"] = _address(org.field("OrganisationAddress"))
    values["visiting_country"] = country_code(read("OrganisationCountry"))
    values["invoice_country"] = country_code(read(custom.invoice_country))
    values["kind"] = "private" if org.type.strip() in sync.private_types else "company"
    values["active"] = org.status.strip() not in sync.inactive_statuses
    return Customer(**values)


def _limited(prop: str, value: str) -> str:
    limit = _MAX_LENGTH.get(prop) or (50 if _FIFTY.match(prop) else None)
    return value[:limit] if limit else value


def _type_for(kind: str, sync: SyncSettings, current_type: str | None) -> str:
    current = (current_type or "").strip()
    if kind == "private":
        return current if current in sync.private_types else sync.fortnox_private_type
    company_types = [t for t in sync.customer_types if t not in sync.private_types]
    return current if current in company_types else sync.fortnox_company_type


def organisation_fields(
    target: Customer,
    names: Iterable[str],
    custom: CustomFields,
    sync: SyncSettings,
    *,
    current_type: str | None = None,
    current_status: str | None = None,
) -> dict[str, Any]:
    """OrganisationDto properties that make webCRM hold ``target``'s values for ``names``.

    ``None`` is written as ``""``. ``kind`` keeps ``current_type`` when it
    already means that kind, else writes the configured Fortnox company/private
    type. ``active``: False writes ``sync.inactive_statuses[0]`` (nothing when
    none is configured); True clears the status only if ``current_status`` is an
    inactive one (``""`` = the list's default), otherwise writes nothing.
    """

    dto: dict[str, Any] = {}
    for name in names:
        value = getattr(target, name, None) if name in type(target).model_fields else None
        if name in STANDARD_CUSTOMER_FIELDS:
            prop = STANDARD_CUSTOMER_FIELDS[name]
            dto[prop] = _limited(prop, value or "")
        elif name in CUSTOM_CUSTOMER_FIELDS:
            prop = getattr(custom, name)
            dto[prop] = _limited(prop, value or "")
        elif name == "visiting_country":
            dto["OrganisationCountry"] = _limited("OrganisationCountry", country_name(value) or "")
        elif name == "invoice_country":
            prop = custom.invoice_country
            dto[prop] = _limited(prop, country_name(value) or "")
        elif name == "kind":
            dto["OrganisationType"] = _type_for(target.kind, sync, current_type)
        elif name == "active":
            if not target.active and sync.inactive_statuses:
                dto["OrganisationStatus"] = sync.inactive_statuses[0]
            elif target.active and (current_status or "").strip() in sync.inactive_statuses:
                dto["OrganisationStatus"] = ""
        else:
            raise ValueError(f"{name!r} is not a canonical customer field")
    return dto


def catalogue_property(slot: int) -> str:
    """``QuotationLineLinkedDataItemData{slot}``."""

    return f"{CatalogueItem.prefix}Data{slot}"


def _money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def article_catalogue_fields(article: Article, slots: CatalogueSlots) -> dict[str, Any]:
    """The catalogue item DTO (without id) for a Fortnox article.

    Every ``Data1…9`` column is set — unused ones to ``"-"`` because webCRM
    rejects empty catalogue data; the article number is written last so it wins
    if a misconfiguration points two slots at one column.
    """

    dto: dict[str, Any] = {catalogue_property(n): CATALOGUE_PLACEHOLDER for n in range(1, 10)}
    dto[catalogue_property(slots.unit)] = (article.unit or "").strip() or CATALOGUE_PLACEHOLDER
    dto[catalogue_property(slots.name)] = (article.name or "").strip() or CATALOGUE_PLACEHOLDER
    dto[catalogue_property(slots.article_number)] = article.article_number
    dto[f"{CatalogueItem.prefix}Price"] = _money(article.list_price)
    dto[f"{CatalogueItem.prefix}CostPrice"] = _money(article.cost_price)
    dto[f"{CatalogueItem.prefix}EntityType"] = "Product"
    return dto


def catalogue_item_matches(item: CatalogueItem, article: Article, slots: CatalogueSlots) -> bool:
    """Whether a catalogue item already shows ``article`` (what we would write is there).

    Compared as the catalogue stores it: the article's VAT and active flag have no
    column, and prices compare as numbers (``39`` is ``39.0``)."""
    shown = article_from_catalogue(item, slots)
    if shown is None:
        return False

    def text(value: str | None) -> str | None:
        # As the catalogue reads back: blank and the placeholder are "no value".
        stripped = (value or "").strip()
        return None if stripped in ("", CATALOGUE_PLACEHOLDER) else stripped

    return (
        shown.article_number == article.article_number
        and shown.name == text(article.name)
        and shown.unit == text(article.unit)
        and shown.list_price == _decimal(_money(article.list_price))
        and shown.cost_price == _decimal(_money(article.cost_price))
    )


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def article_from_catalogue(item: CatalogueItem, slots: CatalogueSlots) -> Article | None:
    """The article a catalogue item carries; ``None`` for items without an article number
    (entered by hand in webCRM, not ours to sync)."""

    def read(slot: int) -> str | None:
        text = item.data(slot).strip()
        return None if text in ("", CATALOGUE_PLACEHOLDER) else text

    number = read(slots.article_number)
    if number is None:
        return None
    return Article(
        article_number=number,
        name=read(slots.name),
        unit=read(slots.unit),
        list_price=_decimal(item.price),
        cost_price=_decimal(item.cost_price),
    )
