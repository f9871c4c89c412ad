"""What a webCRM administrator configured: dropdown lists and custom-field slots.

webCRM custom fields are fixed numbered slots whose label and type an admin
sets in the UI; the API can read that configuration (``/FieldsMetadata``) but not
change it (reference §4.3). The simulator's defaults are the slots named by
:class:`wfsync.config.CustomFields` with Swedish labels, and the organisation
Type list of a Swedish tenant whose first line is the unset placeholder.

Typed slots are enforced on write (the stricter reading; see
docs/webcrm-simulator.md): a checkbox holds ``"Yes"``/``"No"`` (unset = ``"No"``),
a date holds ``YYYY-MM-DD`` or ``""``, a text slot holds at most its configured
length, and the customer-number slot is configured *Unique*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from wfsync.config import CustomFields
from wfsync.simulators.webcrm.errors import BadRequest
from wfsync.simulators.webcrm.schema import DELIVERY, ORGANISATION, PERSON, Kind

__all__ = [
    "DEFAULT_ORGANISATION_TYPES",
    "PLACEHOLDER",
    "CustomSlot",
    "Tenant",
    "default_custom_fields",
]

PLACEHOLDER = "-- Välj --"
DEFAULT_ORGANISATION_TYPES = (
    PLACEHOLDER,
    "Kund – Företag",
    "Kund – Privat",
    "Prospekt",
    "Leverantör",
    "Partner",
)

_LABELS = {
    "customer_number": "Kundnummer",
    "organisation_number": "Organisationsnummer",
    "invoice_address1": "Fakturaadress 1",
    "invoice_address2": "Fakturaadress 2",
    "invoice_postcode": "Fakturapostnummer",
    "invoice_city": "Fakturaort",
    "invoice_country": "Fakturaland",
    "terms_of_payment": "Betalningsvillkor",
    "currency": "Valuta",
    "order_number": "Ordernummer",
    "delivery_date": "Leveransdatum",
    "invoice_number": "Fakturanummer",
    "invoice_date": "Fakturadatum",
    "invoice_booked": "Fakturan bokförd",
    "document_text": "Ordertext",
}
#: Display types inferred from the label: date "D", checkbox "C"; memo slots "M"; else text "T".
_TYPED_LABELS = {"Leveransdatum": "D", "Fakturadatum": "D", "Fakturan bokförd": "C"}
_DATE_VALUE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TEXT_SLOT_LENGTH = 50


def default_custom_fields() -> dict[str, str]:
    """DTO property → Swedish label for every slot of the default wfsync configuration."""
    slots = CustomFields().model_dump()
    return {slot: _LABELS[logical] for logical, slot in slots.items()}


@dataclass(frozen=True)
class CustomSlot:
    """One configured custom field."""

    name: str
    label: str
    display_type: str
    max_length: int
    unique: bool = False

    @property
    def entity(self) -> str:
        for name in ("Organisation", "Delivery", "Person"):
            if self.name.startswith(name):
                return name
        raise ValueError(f"{self.name} is not an Organisation, Delivery or Person property")

    @property
    def default(self) -> str:
        return "No" if self.display_type == "C" else ""

    def check(self, value: str) -> None:
        """400 unless ``value`` fits the slot's type."""
        if self.display_type == "C" and value not in ("Yes", "No"):
            raise BadRequest(f"{self.name} ({self.label}) is a checkbox: use 'Yes' or 'No'.")
        if self.display_type == "D" and value and not _valid_date(value):
            raise BadRequest(f"{self.name} ({self.label}) is a date: use YYYY-MM-DD.")
        if self.max_length and len(value) > self.max_length:
            raise BadRequest(
                f"{self.name} ({self.label}) allows at most {self.max_length} characters."
            )


def _valid_date(value: str) -> bool:
    if not _DATE_VALUE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _check_property(slot: CustomSlot) -> None:
    """A configured slot must be a text property of an Organisation/Delivery/Person DTO."""
    entity = {"Organisation": ORGANISATION, "Delivery": DELIVERY, "Person": PERSON}[slot.entity]
    spec = entity.get(slot.name)
    if spec is None or spec.name != slot.name or spec.kind is not Kind.TEXT or spec.server:
        raise ValueError(f"{slot.name} is not a writable text property of {slot.entity}Dto")


def make_slot(prop: str, label: str, *, unique: bool = False) -> CustomSlot:
    if prop.endswith("Memo"):
        return CustomSlot(prop, label, "M", 0, unique)
    display = _TYPED_LABELS.get(label, "T")
    length = {"D": 10, "C": 3}.get(display, TEXT_SLOT_LENGTH)
    return CustomSlot(prop, label, display, length, unique)


@dataclass
class Tenant:
    """The configuration one simulated webCRM tenant runs with."""

    organisation_types: list[str] = field(default_factory=lambda: list(DEFAULT_ORGANISATION_TYPES))
    slots: dict[str, CustomSlot] = field(default_factory=dict)
    #: Gotcha 4 of the reference: deliveries sharing a DeliveryNumber cannot be edited.
    lock_duplicate_delivery_numbers: bool = False

    @classmethod
    def configure(
        cls,
        organisation_types: list[str] | None = None,
        custom_fields: dict[str, str] | None = None,
    ) -> Tenant:
        types = list(organisation_types or DEFAULT_ORGANISATION_TYPES)
        if len(set(types)) != len(types):
            raise ValueError("organisation_types must not repeat an option")
        fields = custom_fields if custom_fields is not None else default_custom_fields()
        unique_slot = CustomFields().customer_number if custom_fields is None else None
        slots = {
            prop: make_slot(prop, label, unique=prop == unique_slot)
            for prop, label in fields.items()
        }
        for slot in slots.values():
            _check_property(slot)
        return cls(organisation_types=types, slots=slots)

    def slots_of(self, entity: str) -> list[CustomSlot]:
        return [slot for slot in self.slots.values() if slot.entity == entity]

    def slot_defaults(self, entity: str) -> dict[str, str]:
        return {slot.name: slot.default for slot in self.slots_of(entity) if slot.default}
