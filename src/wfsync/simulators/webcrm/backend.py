"""The simulated tenant's data: one collection per entity, wired to its rules.

Endpoints, the query engine, the UI helpers and the seed loader all work on a
:class:`Backend`; nothing else holds records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wfsync.clock import Clock
from wfsync.simulators.webcrm import rules
from wfsync.simulators.webcrm.quirks import Quirks
from wfsync.simulators.webcrm.schema import (
    CATALOGUE,
    DELIVERY,
    OPPORTUNITY,
    ORGANISATION,
    PERSON,
    QUOTATION_LINE,
)
from wfsync.simulators.webcrm.store import Collection, Record
from wfsync.simulators.webcrm.tenant import PLACEHOLDER, Tenant

__all__ = ["Backend"]


@dataclass
class Backend:
    clock: Clock
    tenant: Tenant
    organisations: Collection
    persons: Collection
    deliveries: Collection
    quotation_lines: Collection
    catalogue: Collection
    opportunities: Collection
    quirks: Quirks
    #: line id → parent id as last stored, so a deleted line still names its delivery.
    _line_parents: dict[int, int] = field(default_factory=dict)
    #: deliveries whose lines changed since the last ``sync_totals``.
    _dirty_totals: set[int] = field(default_factory=set)

    @classmethod
    def create(cls, clock: Clock, tenant: Tenant) -> Backend:
        quirks = Quirks()
        backend = cls(
            clock=clock,
            tenant=tenant,
            organisations=Collection(ORGANISATION, clock, "Organisation"),
            persons=Collection(PERSON, clock, "Person"),
            deliveries=Collection(DELIVERY, clock, "Delivery"),
            quotation_lines=Collection(QUOTATION_LINE, clock, "Quotation line"),
            catalogue=Collection(CATALOGUE, clock, "Linked data item"),
            opportunities=Collection(OPPORTUNITY, clock, "Opportunity"),
            quirks=quirks,
        )
        for collection in backend.collections:
            collection.quirks = quirks
        backend.organisations.rules = rules.organisation_rules(backend)
        backend.organisations.defaults = {
            "OrganisationType": tenant.organisation_types[0],
            "OrganisationStatus": PLACEHOLDER,
            "OrganisationIndustry": PLACEHOLDER,
            **tenant.slot_defaults("Organisation"),
        }
        backend.persons.rules = rules.person_rules(backend)
        backend.persons.defaults = tenant.slot_defaults("Person")
        backend.deliveries.rules = rules.delivery_rules(backend)
        backend.deliveries.defaults = {
            "DeliveryProduct": PLACEHOLDER,
            "DeliverySpentTime": "00:00:00",
            **tenant.slot_defaults("Delivery"),
        }
        backend.quotation_lines.rules = rules.quotation_line_rules(backend)
        backend.catalogue.rules = rules.catalogue_rules(backend)
        backend.quotation_lines.listeners.append(backend._line_changed)
        return backend

    @property
    def collections(self) -> tuple[Collection, ...]:
        return (
            self.organisations,
            self.persons,
            self.deliveries,
            self.quotation_lines,
            self.catalogue,
            self.opportunities,
        )

    def lines_of(self, delivery_id: int) -> list[Record]:
        """A delivery's lines by ``QuotationLineSortOrder``, then id."""
        found = self.quotation_lines.find("QuotationLineOpportunityId", delivery_id)
        lines = [self.quotation_lines.get(line_id) for line_id in found]
        return sorted(lines, key=lambda ln: (ln["QuotationLineSortOrder"], ln["QuotationLineId"]))

    def sync_totals(self, actor: str) -> None:
        """Recompute ``DeliveryOrderValue``/``OrderGmValue`` of deliveries whose lines changed.

        A delivery whose totals change is written (its ``UpdatedAt`` moves); a line
        edit that leaves the totals alone does not touch the delivery.
        """
        dirty, self._dirty_totals = self._dirty_totals, set()
        for delivery_id in sorted(dirty):
            if not self.deliveries.exists(delivery_id):
                continue
            delivery = self.deliveries.get(delivery_id)
            value, margin = rules.line_totals(self.lines_of(delivery_id))
            stored = (delivery["DeliveryOrderValue"], delivery["DeliveryOrderGmValue"])
            if (value, margin) != stored:
                self.deliveries.update_server_fields(
                    delivery_id,
                    {"DeliveryOrderValue": value, "DeliveryOrderGmValue": margin},
                    actor,
                )

    def _line_changed(self, entity: str, event: str, line_id: int) -> None:
        del entity
        previous = self._line_parents.pop(line_id, None)
        if previous is not None:
            self._dirty_totals.add(previous)
        if event != "Delete":
            parent = self.quotation_lines.get(line_id)["QuotationLineOpportunityId"]
            self._line_parents[line_id] = parent
            self._dirty_totals.add(parent)
