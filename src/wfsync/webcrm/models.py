"""webCRM records: the complete DTO, plus typed accessors for what the sync reads.

webCRM DTOs are wide (109 organisation properties, 136 delivery properties),
grow over time (servers return fields missing from the 2019 spec) and must be
written back whole (PUT replaces, reference §3.4). So a record keeps *every*
property it was given — pydantic ``extra="allow"`` with no declared fields —
and :meth:`WebcrmRecord.dto` hands back the full DTO for GET → modify → PUT.
The typed properties parse tolerantly: ``null`` and ``""`` are empty, numbers
may arrive as strings, timestamps in any of webCRM's shapes.
"""

from __future__ import annotations

import copy
import logging
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from wfsync.webcrm.timestamps import parse_timestamp

log = logging.getLogger("wfsync.webcrm")
__all__ = [
    "CatalogueItem",
    "Delivery",
    "FieldMetadata",
    "Hook",
    "Organisation",
    "Person",
    "QuotationLine",
    "WebcrmRecord",
    "as_float",
    "as_int",
    "as_text",
    "as_timestamp",
]


def as_text(value: Any) -> str:
    """A DTO value as text; ``None`` → ``""``."""

    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def as_int(value: Any) -> int:
    """A DTO value as an int; empty or unparsable → 0 (webCRM's "unset")."""

    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, int):
        return value
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


def as_timestamp(value: Any) -> datetime | None:
    """A server date-time, or ``None`` for no date *and* for one we cannot read:
    one odd value must not stop a whole change feed (it is logged)."""

    try:
        return parse_timestamp(value)
    except ValueError:
        log.warning("unreadable webCRM timestamp %r treated as no date", value)
        return None


def as_float(value: Any) -> float | None:
    """A DTO number as a float; ``None``/``""`` → ``None``."""

    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


class WebcrmRecord(BaseModel):
    """Any webCRM DTO. Subclasses name the entity prefix and id property."""

    model_config = ConfigDict(extra="allow", frozen=True)

    #: Property-name prefix of the entity (``Organisation``, ``Delivery``, …).
    prefix: ClassVar[str] = ""
    #: The id property (``OrganisationId``).
    id_property: ClassVar[str] = ""

    @classmethod
    def from_dto(cls, dto: dict[str, Any]) -> Any:
        return cls.model_validate(dto)

    def dto(self) -> dict[str, Any]:
        """A deep copy of the complete DTO as received (safe to modify and PUT)."""

        return copy.deepcopy(dict(self.model_extra or {}))

    def raw(self, name: str) -> Any:
        """One DTO property as received (``None`` when absent)."""

        return (self.model_extra or {}).get(name)

    def field(self, name: str) -> str:
        """A property as text, by its DTO name (``OrganisationCustom4``); absent → ``""``."""

        return as_text(self.raw(name))

    def _own(self, suffix: str) -> Any:
        return self.raw(self.prefix + suffix)

    @property
    def id(self) -> int:
        return as_int(self.raw(self.id_property))

    @property
    def updated_at(self) -> datetime | None:
        """Server's last-change instant (aware UTC): the change-detection cursor."""

        return as_timestamp(self._own("UpdatedAt"))

    @property
    def created_at(self) -> datetime | None:
        return as_timestamp(self._own("CreatedAt"))


class Organisation(WebcrmRecord):
    prefix: ClassVar[str] = "Organisation"
    id_property: ClassVar[str] = "OrganisationId"

    @property
    def name(self) -> str:
        return as_text(self._own("Name"))

    @property
    def type(self) -> str:
        return as_text(self._own("Type"))

    @property
    def status(self) -> str:
        return as_text(self._own("Status"))


class Person(WebcrmRecord):
    prefix: ClassVar[str] = "Person"
    id_property: ClassVar[str] = "PersonId"

    @property
    def organisation_id(self) -> int:
        return as_int(self._own("OrganisationId"))

    @property
    def email(self) -> str:
        return as_text(self._own("Email"))


class Delivery(WebcrmRecord):
    prefix: ClassVar[str] = "Delivery"
    id_property: ClassVar[str] = "DeliveryId"

    @property
    def organisation_id(self) -> int:
        return as_int(self._own("OrganisationId"))

    @property
    def status(self) -> str:
        """``New``, ``Planned``, ``OnGoing``, ``Completed`` or ``GeneralDelivery``."""

        return as_text(self._own("Status"))

    @property
    def description(self) -> str:
        return as_text(self._own("Description"))

    @property
    def number(self) -> str:
        return as_text(self._own("Number"))

    @property
    def order_date(self) -> datetime | None:
        return as_timestamp(self._own("OrderDate"))

    @property
    def order_value(self) -> float | None:
        return as_float(self._own("OrderValue"))


class QuotationLine(WebcrmRecord):
    prefix: ClassVar[str] = "QuotationLine"
    id_property: ClassVar[str] = "QuotationLineId"

    @property
    def delivery_id(self) -> int:
        """The parent delivery (or opportunity): ``QuotationLineOpportunityId``."""

        return as_int(self._own("OpportunityId"))

    @property
    def organisation_id(self) -> int:
        return as_int(self._own("OrganisationId"))

    @property
    def sort_order(self) -> int:
        return as_int(self._own("SortOrder"))

    def data(self, slot: int) -> str:
        """``QuotationLineData{slot}`` (article number, name, unit … per tenant setup)."""

        return as_text(self._own(f"Data{slot}"))

    @property
    def memo(self) -> str:
        return as_text(self._own("Memo"))

    @property
    def quantity(self) -> float:
        return as_float(self._own("Quantity")) or 0.0

    @property
    def price(self) -> float:
        return as_float(self._own("Price")) or 0.0

    @property
    def discount(self) -> float:
        """Percent (10.0 = 10 %)."""

        return as_float(self._own("Discount")) or 0.0

    @property
    def vat_percentage(self) -> float | None:
        return as_float(self._own("VatPercentage"))


class CatalogueItem(WebcrmRecord):
    """A product-catalogue entry (``/QuotationLines/LinkedData``). No UpdatedAt exists."""

    prefix: ClassVar[str] = "QuotationLineLinkedDataItem"
    id_property: ClassVar[str] = "QuotationLineLinkedDataItemId"

    def data(self, slot: int) -> str:
        return as_text(self._own(f"Data{slot}"))

    @property
    def price(self) -> float | None:
        return as_float(self._own("Price"))

    @property
    def cost_price(self) -> float | None:
        return as_float(self._own("CostPrice"))

    @property
    def entity_type(self) -> str:
        return as_text(self._own("EntityType"))


class FieldMetadata(WebcrmRecord):
    """One ``/FieldsMetadata`` item: a field's DTO name, label, type and options."""

    prefix: ClassVar[str] = "FieldMetadata"
    id_property: ClassVar[str] = "FieldMetadataId"

    @property
    def friendly_name(self) -> str:
        """The DTO property name (``OrganisationCustom3``), as far as webCRM says."""

        return as_text(self._own("FriendlyFieldName"))

    @property
    def db_field_name(self) -> str:
        return as_text(self._own("DbFieldName"))

    @property
    def label(self) -> str:
        return as_text(self._own("Label"))

    @property
    def display_type(self) -> str:
        return as_text(self._own("DisplayType"))

    @property
    def max_length(self) -> int:
        return as_int(self._own("TextFieldMaxLength"))

    @property
    def options(self) -> list[str]:
        """Option texts of a list field, first (default/placeholder) first."""

        items = self._own("DropdownListData")
        if not isinstance(items, list):
            return []
        texts = []
        for item in items:
            if isinstance(item, dict):
                text = item.get("Text") if item.get("Text") not in (None, "") else item.get("Value")
                texts.append(as_text(text))
            else:
                texts.append(as_text(item))
        return texts


class Hook(WebcrmRecord):
    """A webhook subscription. Hook DTOs are not entity-prefixed (``Id``, ``TargetUrl``)."""

    prefix: ClassVar[str] = ""
    id_property: ClassVar[str] = "Id"

    @property
    def target_url(self) -> str:
        return as_text(self.raw("TargetUrl"))

    @property
    def event_type(self) -> str:
        return as_text(self.raw("EventType"))

    @property
    def enabled(self) -> bool:
        return self.raw("IsEnabled") is True
