"""Fortnox records ⇄ canonical :mod:`wfsync.domain` records.

The only module (besides the models) that knows Fortnox field names. Reading,
Fortnox's ``null`` and ``""`` both mean "no value" (§3.2) and become ``None``;
text is trimmed, never reformatted. Writing, a field is cleared with
``"API_BLANK"`` because Fortnox ignores ``""`` and ``null`` on PUT (§12.3);
on POST there is nothing to clear, so ``None`` is simply left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from wfsync.domain.models import Article, Customer
from wfsync.fortnox.client import API_BLANK
from wfsync.fortnox.models import ArticleListItem, FortnoxArticle, FortnoxCustomer

__all__ = [
    "CUSTOMER_FIELD_NAMES",
    "article_from_fortnox",
    "customer_fields",
    "customer_from_fortnox",
]

#: Canonical customer field → Fortnox customer field (the spec's synced fields).
CUSTOMER_FIELD_NAMES: dict[str, str] = {
    "name": "Name",
    "kind": "Type",
    "customer_number": "CustomerNumber",
    "organisation_number": "OrganisationNumber",
    "vat_number": "VATNumber",
    "phone": "Phone1",
    "website": "WWW",
    "fax": "Fax",
    "invoice_address1": "Address1",
    "invoice_address2": "Address2",
    "invoice_postcode": "ZipCode",
    "invoice_city": "City",
    "invoice_country": "CountryCode",
    "visiting_address": "VisitingAddress",
    "visiting_postcode": "VisitingZipCode",
    "visiting_city": "VisitingCity",
    "visiting_country": "VisitingCountryCode",
    "terms_of_payment": "TermsOfPayment",
    "currency": "Currency",
    "active": "Active",
}

#: Fields Fortnox will not accept empty: never send API_BLANK for them.
_NOT_CLEARABLE = frozenset({"name", "kind", "active", "customer_number"})
_COUNTRY_FIELDS = frozenset({"invoice_country", "visiting_country"})


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _code(value: Any) -> str | None:
    text = _text(value)
    return text.upper() if text else None


def customer_from_fortnox(c: FortnoxCustomer) -> Customer:
    """The canonical customer for a full Fortnox customer record."""
    return Customer(
        name=_text(c.name),
        kind="private" if (c.type or "").upper() == "PRIVATE" else "company",
        customer_number=_text(c.customer_number),
        organisation_number=_text(c.organisation_number),
        vat_number=_text(c.vat_number),
        phone=_text(c.phone1),
        website=_text(c.www),
        fax=_text(c.fax),
        invoice_address1=_text(c.address1),
        invoice_address2=_text(c.address2),
        invoice_postcode=_text(c.zip_code),
        invoice_city=_text(c.city),
        invoice_country=_code(c.country_code),
        visiting_address=_text(c.visiting_address),
        visiting_postcode=_text(c.visiting_zip_code),
        visiting_city=_text(c.visiting_city),
        visiting_country=_code(c.visiting_country_code),
        terms_of_payment=_text(c.terms_of_payment),
        currency=_code(c.currency),
        active=c.active,
    )


def _wire_value(name: str, value: Any) -> Any:
    if name == "kind":
        return "PRIVATE" if value == "private" else "COMPANY"
    if name in _COUNTRY_FIELDS and isinstance(value, str):
        return value.upper()
    return value


def customer_fields(target: Customer, names: Iterable[str], *, create: bool) -> dict[str, Any]:
    """The Fortnox body fields that write ``names`` of ``target``.

    On update a ``None`` becomes ``"API_BLANK"`` (clear it; ``Name``, ``Type``
    and ``Active`` cannot be blank and are then left out), and the customer
    number is never sent (keys cannot change). On create ``None`` is omitted and
    the customer number is sent only when there is one (else Fortnox assigns it).
    """
    fields: dict[str, Any] = {}
    for name in names:
        try:
            wire = CUSTOMER_FIELD_NAMES[name]
        except KeyError:
            raise ValueError(f"not a synced customer field: {name!r}") from None
        if name == "customer_number" and not create:
            continue
        value = getattr(target, name)
        if isinstance(value, str):
            value = value.strip() or None
        if value is None:
            if create or name in _NOT_CLEARABLE:
                continue
            fields[wire] = API_BLANK
        else:
            fields[wire] = _wire_value(name, value)
    return fields


def article_from_fortnox(
    a: FortnoxArticle | ArticleListItem, list_price: Decimal | None
) -> Article:
    """The canonical article; ``list_price`` comes from the price list (SalesPrice is RO)."""
    active = a.active if a.active is not None else True
    return Article(
        article_number=a.article_number,
        name=_text(a.description),
        cost_price=a.purchase_price,
        list_price=list_price,
        unit=_text(a.unit),
        vat=a.vat,
        active=active,
    )
