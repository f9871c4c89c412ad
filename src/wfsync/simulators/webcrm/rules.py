"""Per-entity validation and server-derived values (what webCRM enforces on write).

Each function returns the :data:`~wfsync.simulators.webcrm.store.Rules` callable a
collection runs before storing a record, for API writes and UI edits alike.
Where the reference does not say whether webCRM rejects something, the
simulator rejects it (docs/webcrm-simulator.md lists each case).
"""

from __future__ import annotations

import re
from typing import Protocol

from wfsync.simulators.webcrm.errors import BadRequest
from wfsync.simulators.webcrm.store import Collection, Record, Rules
from wfsync.simulators.webcrm.tenant import Tenant


class Backend(Protocol):
    """What the rules look at: the tenant's settings and the other collections
    (the backend module wires the rules in, so the rules must not know it)."""

    @property
    def tenant(self) -> Tenant: ...
    @property
    def organisations(self) -> Collection: ...
    @property
    def persons(self) -> Collection: ...
    @property
    def deliveries(self) -> Collection: ...
    @property
    def catalogue(self) -> Collection: ...
    @property
    def opportunities(self) -> Collection: ...


__all__ = [
    "catalogue_rules",
    "delivery_rules",
    "line_totals",
    "organisation_rules",
    "person_rules",
    "quotation_line_rules",
]


def _check_slots(tenant: Tenant, entity: str, record: Record) -> None:
    for slot in tenant.slots_of(entity):
        slot.check(record[slot.name])


def _check_unique(collection: Collection, tenant: Tenant, entity: str, record: Record) -> None:
    own_id = record[collection.entity.id_field]
    for slot in tenant.slots_of(entity):
        value = record[slot.name]
        if not slot.unique or not value:
            continue
        others = sorted(collection.find(slot.name, value) - {own_id})
        if others:
            raise BadRequest(
                f"{slot.name} ({slot.label}) must be unique; "
                f"'{value}' is already used by {collection.noun} {others[0]}."
            )


def organisation_rules(backend: Backend) -> Rules:
    def check(record: Record, previous: Record | None) -> None:
        del previous
        kind = record["OrganisationType"]
        if kind not in backend.tenant.organisation_types:
            raise BadRequest(
                f"'{kind}' is not an option of OrganisationType; options: "
                + ", ".join(backend.tenant.organisation_types)
            )
        _check_slots(backend.tenant, "Organisation", record)
        _check_unique(backend.organisations, backend.tenant, "Organisation", record)
        record["OrganisationCompareName"] = re.sub(r"[\W_]", "", record["OrganisationName"]).upper()
        digits = re.sub(r"\D", "", record["OrganisationTelephone"])
        record["OrganisationTelephoneSearch"] = f"-{digits}-" if digits else ""

    return check


def person_rules(backend: Backend) -> Rules:
    def check(record: Record, previous: Record | None) -> None:
        if not record["PersonLastName"].strip():
            raise BadRequest("PersonLastName is required.")
        organisation = record["PersonOrganisationId"]
        if previous is not None and previous["PersonOrganisationId"] not in (0, organisation):
            raise BadRequest("PersonOrganisationId cannot be changed once set.")
        if organisation and not backend.organisations.exists(organisation):
            raise BadRequest(f"Organisation with id {organisation} does not exist.")
        _check_slots(backend.tenant, "Person", record)
        names = (record["PersonFirstName"], record["PersonMiddleName"], record["PersonLastName"])
        record["PersonName"] = " ".join(part.strip() for part in names if part.strip())

    return check


def delivery_rules(backend: Backend) -> Rules:
    def check(record: Record, previous: Record | None) -> None:
        organisation = record["DeliveryOrganisationId"]
        if previous is not None and organisation != previous["DeliveryOrganisationId"]:
            raise BadRequest(
                "DeliveryOrganisationId cannot be changed by PUT; use POST /Deliveries/{id}/Move."
            )
        if not backend.organisations.exists(organisation):
            raise BadRequest(f"Organisation with id {organisation} does not exist.")
        locking = backend.tenant.lock_duplicate_delivery_numbers
        if (
            previous is not None
            and locking
            and record["DeliveryNumber"] == previous["DeliveryNumber"]
        ):
            _check_number_lock(backend, previous)
        person = record["DeliveryPersonId"]
        if person and not backend.persons.exists(person):
            raise BadRequest(f"Person with id {person} does not exist.")
        _check_slots(backend.tenant, "Delivery", record)

    return check


def _check_number_lock(backend: Backend, previous: Record) -> None:
    number = previous["DeliveryNumber"]
    if not number:
        return
    others = backend.deliveries.find("DeliveryNumber", number) - {previous["DeliveryId"]}
    if others:
        raise BadRequest(
            f"Delivery {previous['DeliveryId']} is locked: DeliveryNumber '{number}' "
            f"is also used by delivery {min(others)}."
        )


def quotation_line_rules(backend: Backend) -> Rules:
    def check(record: Record, previous: Record | None) -> None:
        del previous
        parent = record["QuotationLineOpportunityId"]
        if not (backend.deliveries.exists(parent) or backend.opportunities.exists(parent)):
            raise BadRequest(f"No delivery or opportunity with id {parent} exists.")
        item = record["QuotationLineLinkedDataId"]
        if item and not backend.catalogue.exists(item):
            raise BadRequest(f"QuotationLineLinkedDataId {item} is not a catalogue item.")

    return check


def catalogue_rules(backend: Backend) -> Rules:
    del backend

    def check(record: Record, previous: Record | None) -> None:
        del previous
        for n in range(1, 10):
            name = f"QuotationLineLinkedDataItemData{n}"
            if not record[name].strip():
                raise BadRequest(f"{name} must not be empty (use '-' for a blank column).")

    return check


def line_totals(lines: list[Record]) -> tuple[float, float]:
    """(order value, gross-margin value) of a delivery's lines (reference §7.6)."""
    value = 0.0
    cost = 0.0
    for line in lines:
        quantity = line["QuotationLineQuantity"]
        value += quantity * line["QuotationLinePrice"] * (1 - line["QuotationLineDiscount"] / 100)
        cost += quantity * line["QuotationLineCostPrice"]
    return round(value, 4), round(value - cost, 4)
