"""A person working in webCRM's user interface, for tests and demos.

Scenario tests need changes that do not come from the sync: a salesperson
creates an organisation, edits a delivery, adds a quotation line. These helpers
write through the same collections and rules as the API (so ``UpdatedAt`` moves
and hooks fire exactly as for an API write) but merge the given fields into the
record instead of replacing it, as an edit form does, and do not count against
the rate limit or appear in :attr:`WebcrmSimulator.requests`.

Field names may be full DTO names (``OrganisationName``) or the part after the
entity prefix (``Name``); values are JSON-style (``str``, numbers, ``bool``) and
date-times may also be ``datetime``/``date`` objects.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from wfsync.simulators.webcrm.backend import Backend
from wfsync.simulators.webcrm.deliveries import move_delivery
from wfsync.simulators.webcrm.schema import Entity
from wfsync.simulators.webcrm.store import Collection
from wfsync.simulators.webcrm.values import format_datetime

__all__ = ["UI_USER", "WebcrmUi", "normalise_fields"]

UI_USER = "Anna Lindqvist"


def normalise_fields(entity: Entity, fields: dict[str, Any]) -> dict[str, Any]:
    """Prefix short names and render date objects; unknown or server-set names are an error."""
    out: dict[str, Any] = {}
    for key, value in fields.items():
        spec = entity.get(key) or entity.get(entity.name + key)
        if spec is None:
            raise ValueError(f"{entity.name} has no property {key!r}")
        if spec.server:
            raise ValueError(f"{spec.name} is set by webCRM itself, not by a user")
        if isinstance(value, datetime):
            value = format_datetime(value)
        elif isinstance(value, date):
            value = value.isoformat()
        out[spec.name] = value
    return out


class WebcrmUi:
    """Edits as a webCRM user (``UpdatedBy`` = :data:`UI_USER`)."""

    def __init__(self, backend: Backend, user: str = UI_USER) -> None:
        self._backend = backend
        self.user = user

    # -- organisations ------------------------------------------------------

    def create_organisation(self, **fields: Any) -> int:
        return self._create(self._backend.organisations, fields)

    def update_organisation(self, organisation_id: int, **fields: Any) -> None:
        self._update(self._backend.organisations, organisation_id, fields)

    def delete_organisation(self, organisation_id: int) -> None:
        """Deleting is possible in the UI only; the API has no DELETE (fires Delete hooks)."""
        self._backend.organisations.delete(organisation_id)

    def organisation(self, organisation_id: int) -> dict[str, Any]:
        """The organisation as ``GET /Organisations/{id}`` would return it."""
        return self._render(self._backend.organisations, organisation_id)

    # -- persons ------------------------------------------------------------

    def create_person(self, organisation_id: int, **fields: Any) -> int:
        return self._create(self._backend.persons, {"OrganisationId": organisation_id, **fields})

    def update_person(self, person_id: int, **fields: Any) -> None:
        self._update(self._backend.persons, person_id, fields)

    # -- deliveries ---------------------------------------------------------

    def create_delivery(self, organisation_id: int, **fields: Any) -> int:
        return self._create(self._backend.deliveries, {"OrganisationId": organisation_id, **fields})

    def update_delivery(self, delivery_id: int, **fields: Any) -> None:
        self._update(self._backend.deliveries, delivery_id, fields)

    def move_delivery(self, delivery_id: int, organisation_id: int) -> None:
        move_delivery(self._backend, delivery_id, organisation_id, self.user)

    def delete_delivery(self, delivery_id: int) -> None:
        """UI-only delete of a delivery and its lines."""
        for line in self._backend.lines_of(delivery_id):
            self._backend.quotation_lines.delete(line["QuotationLineId"])
        self._backend.deliveries.delete(delivery_id)

    def delivery(self, delivery_id: int) -> dict[str, Any]:
        return self._render(self._backend.deliveries, delivery_id)

    # -- quotation lines ----------------------------------------------------

    def add_quotation_line(self, delivery_id: int, **fields: Any) -> int:
        """A new line on a delivery; organisation and next sort order filled like the UI does."""
        delivery = self._backend.deliveries.get(delivery_id)
        orders = [line["QuotationLineSortOrder"] for line in self._backend.lines_of(delivery_id)]
        defaults = {
            "OpportunityId": delivery_id,
            "OrganisationId": delivery["DeliveryOrganisationId"],
            "SortOrder": (max(orders, default=0) // 10 + 1) * 10,
        }
        line_id = self._create(self._backend.quotation_lines, {**defaults, **fields})
        self._backend.sync_totals(self.user)
        return line_id

    def update_quotation_line(self, line_id: int, **fields: Any) -> None:
        self._update(self._backend.quotation_lines, line_id, fields)
        self._backend.sync_totals(self.user)

    def delete_quotation_line(self, line_id: int) -> None:
        self._backend.quotation_lines.delete(line_id)
        self._backend.sync_totals(self.user)

    def quotation_lines(self, delivery_id: int) -> list[dict[str, Any]]:
        lines = self._backend.lines_of(delivery_id)
        return [self._backend.quotation_lines.render(line) for line in lines]

    # -- catalogue ----------------------------------------------------------

    def create_catalogue_item(self, **fields: Any) -> int:
        """A product in the quotation-line catalogue (blank data columns become ``-``)."""
        named = normalise_fields(self._backend.catalogue.entity, fields)
        prefix = "QuotationLineLinkedDataItem"
        for n in range(1, 10):
            named.setdefault(f"{prefix}Data{n}", "-")
        named.setdefault(f"{prefix}EntityType", "Product")
        return self._backend.catalogue.create(named, self.user)

    def update_catalogue_item(self, item_id: int, **fields: Any) -> None:
        self._update(self._backend.catalogue, item_id, fields)

    def delete_catalogue_item(self, item_id: int) -> None:
        self._backend.catalogue.delete(item_id)

    def catalogue(self) -> list[dict[str, Any]]:
        return [self._backend.catalogue.render(item) for item in self._backend.catalogue.rows()]

    # -- internals ----------------------------------------------------------

    def _create(self, collection: Collection, fields: dict[str, Any]) -> int:
        return collection.create(normalise_fields(collection.entity, fields), self.user)

    def _update(self, collection: Collection, record_id: int, fields: dict[str, Any]) -> None:
        collection.merge(record_id, normalise_fields(collection.entity, fields), self.user)

    @staticmethod
    def _render(collection: Collection, record_id: int) -> dict[str, Any]:
        return collection.render(collection.get(record_id))
