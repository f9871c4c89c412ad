"""Canonical records, flat so that the three-way merge works field by field.

Values are *display* values (what a person typed, trimmed; ``None`` for empty).
Whether two values mean the same thing (``"08-123 45 67"`` vs ``"+46 8 1234567"``)
is decided by :mod:`wfsync.domain.normalise`, not by rewriting what users typed.
Countries are ISO 3166 alpha-2 codes (``"SE"``), money and quantities
:class:`~decimal.Decimal`, dates :class:`~datetime.date`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "ARTICLE_FIELDS",
    "CUSTOMER_FIELDS",
    "DELIVERY_FIELDS",
    "Article",
    "Customer",
    "Delivery",
    "Line",
]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def values(self) -> dict[str, Any]:
        """Field name → value, the unit of the three-way merge."""
        return {name: getattr(self, name) for name in type(self).model_fields}


class Customer(_Record):
    """A customer as both systems know it (the spec's customer field list)."""

    name: str | None = None
    kind: Literal["company", "private"] = "company"
    customer_number: str | None = None
    organisation_number: str | None = None
    vat_number: str | None = None
    phone: str | None = None
    website: str | None = None
    fax: str | None = None
    invoice_address1: str | None = None
    invoice_address2: str | None = None
    invoice_postcode: str | None = None
    invoice_city: str | None = None
    invoice_country: str | None = None
    visiting_address: str | None = None
    visiting_postcode: str | None = None
    visiting_city: str | None = None
    visiting_country: str | None = None
    terms_of_payment: str | None = None
    currency: str | None = None
    active: bool = True


class Article(_Record):
    """A Fortnox article as it appears in webCRM's product catalogue."""

    article_number: str
    name: str | None = None
    cost_price: Decimal | None = None
    list_price: Decimal | None = None
    unit: str | None = None
    vat: Decimal | None = None
    active: bool = True


class Line(_Record):
    """One order/invoice row ⇄ one webCRM quotation line."""

    article_number: str | None = None
    description: str | None = None
    quantity: Decimal = Decimal(0)
    price: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)  # percent
    unit: str | None = None
    vat: Decimal | None = None  # percent


class Delivery(_Record):
    """A webCRM delivery ⇄ a Fortnox order or invoice."""

    order_date: date | None = None
    delivery_date: date | None = None
    text: str | None = None
    order_number: str | None = None
    invoice_number: str | None = None
    invoice_date: date | None = None
    booked: bool = False
    completed: bool = False
    lines: tuple[Line, ...] = ()


CUSTOMER_FIELDS: tuple[str, ...] = tuple(Customer.model_fields)
ARTICLE_FIELDS: tuple[str, ...] = tuple(Article.model_fields)
DELIVERY_FIELDS: tuple[str, ...] = tuple(Delivery.model_fields)
