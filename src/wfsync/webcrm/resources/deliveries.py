"""``/Deliveries``: webCRM's orders (⇄ Fortnox orders or invoices).

Deliveries have no update-window endpoint, so change detection is
``/Queries`` on ``DeliveryUpdatedAt`` (shared behaviour). Quotation lines have
no change feed at all: their edits do not provably bump the delivery, so the
sync re-reads the lines of every delivery the feed returns (and of deliveries
it reconciles) — one request each, see ``docs/webcrm.md``.

A delivery changes organisation only through ``POST /Deliveries/{id}/Move``;
PUT ignores or rejects a new ``DeliveryOrganisationId``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from wfsync.webcrm.models import Delivery
from wfsync.webcrm.resources.entity import EntityResource
from wfsync.webcrm.resources.session import Session

__all__ = ["Deliveries"]


class Deliveries(EntityResource[Delivery]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, Delivery, "Deliveries", "Delivery")

    async def by_organisation(self, organisation_id: int) -> AsyncIterator[Delivery]:
        """``GET /Deliveries/ByOrganisation/{id}``, paged."""

        async for page in self._session.pages(f"Deliveries/ByOrganisation/{int(organisation_id)}"):
            for dto in page:
                yield self._wrap(dto)

    async def move(self, id: int, new_organisation_id: int) -> None:
        """Move a delivery to another organisation (1 request, answered 204).

        Safe to repeat: moving to the organisation it is already in changes nothing.
        """

        await self._session.http.request(
            "POST",
            f"Deliveries/{int(id)}/Move",
            json={"NewOrganisationId": int(new_organisation_id)},
        )
