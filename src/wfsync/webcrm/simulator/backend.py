"""The simulated tenant's data: one collection per entity, wired to its rules.

Endpoints, the query engine, the UI helpers and the seed loader all work on a
:class:`Backend`; nothing else holds records.
"""

from __future__ import annotations

from dataclasses import dataclass

from wfsync.clock import Clock
from wfsync.webcrm.simulator import rules
from wfsync.webcrm.simulator.quirks import Quirks
from wfsync.webcrm.simulator.schema import (
    CATALOGUE,
    DELIVERY,
    OPPORTUNITY,
    ORGANISATION,
    PERSON,
    QUOTATION_LINE,
)
from wfsync.webcrm.simulator.store import Collection, Record
from wfsync.webcrm.simulator.tenant import PLACEHOLDER, Tenant

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
        lines = [
            line
            for line in self.quotation_lines.rows()
            if line["QuotationLineOpportunityId"] == delivery_id
        ]
        return sorted(lines, key=lambda ln: (ln["QuotationLineSortOrder"], ln["QuotationLineId"]))

    def sync_totals(self, actor: str) -> None:
        """Recompute ``DeliveryOrderValue``/``OrderGmValue`` from the lines.

        A delivery whose totals change is written (its ``UpdatedAt`` moves); a line
        edit that leaves the totals alone does not touch the delivery. One pass over
        all lines, so it stays cheap for large tenants.
        """
        lines_by_parent: dict[int, list[Record]] = {}
        for line in self.quotation_lines.rows():
            lines_by_parent.setdefault(line["QuotationLineOpportunityId"], []).append(line)
        for delivery in self.deliveries.rows():
            delivery_id = delivery["DeliveryId"]
            value, margin = rules.line_totals(lines_by_parent.get(delivery_id, []))
            stored = (delivery["DeliveryOrderValue"], delivery["DeliveryOrderGmValue"])
            if (value, margin) != stored:
                self.deliveries.update_server_fields(
                    delivery_id,
                    {"DeliveryOrderValue": value, "DeliveryOrderGmValue": margin},
                    actor,
                )
