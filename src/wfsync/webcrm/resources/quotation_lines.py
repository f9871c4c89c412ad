"""``/QuotationLines``: the order rows of a delivery.

A line's parent is ``QuotationLineOpportunityId`` (deliveries and opportunities
share one id space). Read a delivery's lines through
``/Deliveries/{id}/QuotationLines`` — a ``QuotationLine`` query table is not
evidenced. ``QuotationLineLinkedDataId`` (the catalogue item) is write-only: it
never comes back in a GET, so pass it again in ``changes`` when updating a line
whose catalogue link must survive the full-object PUT.
"""

from __future__ import annotations

from typing import Any

from wfsync.http.errors import NotFoundError
from wfsync.webcrm.errors import SYSTEM
from wfsync.webcrm.models import QuotationLine
from wfsync.webcrm.resources.entity import CREATE, created_id
from wfsync.webcrm.resources.session import Session

__all__ = ["QuotationLines"]

ID = QuotationLine.id_property


class QuotationLines:
    def __init__(self, session: Session) -> None:
        self._session = session

    async def for_delivery(self, delivery_id: int) -> list[QuotationLine]:
        """All lines of a delivery, sorted by ``SortOrder`` then id (1 request per page)."""

        lines = [
            QuotationLine.from_dto(dto)
            async for page in self._session.pages(f"Deliveries/{int(delivery_id)}/QuotationLines")
            for dto in page
            if isinstance(dto, dict)
        ]
        return sorted(lines, key=lambda line: (line.sort_order, line.id))

    async def every(self) -> list[QuotationLine]:
        """Every line in the system (``GET /QuotationLines``, deliveries' and
        opportunities' alike), page by page: the cheap way to look at the lines of
        many deliveries at once (⌈lines/page⌉ requests instead of one per delivery)."""
        return [
            QuotationLine.from_dto(dto)
            async for page in self._session.pages("QuotationLines")
            for dto in page
            if isinstance(dto, dict)
        ]

    async def get(self, id: int) -> QuotationLine:
        body = await self._session.get_json(f"QuotationLines/{int(id)}")
        if not isinstance(body, dict):
            raise NotFoundError(f"quotation line {id} not found", system=SYSTEM)
        line: QuotationLine = QuotationLine.from_dto(body)
        return line

    async def create(self, dto: dict[str, Any]) -> int:
        """Create a line (1 request, never retried blindly). Set
        ``QuotationLineOpportunityId`` and ``QuotationLineOrganisationId``."""

        body = {**dto, ID: 0}
        response = await self._session.http.request(
            "POST", "QuotationLines", json=body, options=CREATE
        )
        new_id = created_id(response, ID)
        if new_id is None:
            raise NotFoundError(
                "webCRM created a quotation line without returning its id",
                system=SYSTEM,
                status=response.status_code,
                body=response.text,
            )
        return new_id

    async def update(self, id: int, changes: dict[str, Any]) -> QuotationLine:
        """GET, overlay, PUT the full line (2 requests); returns the line as written."""

        current = await self.get(id)
        body = {**current.dto(), **changes, ID: int(id)}
        await self._session.http.request("PUT", f"QuotationLines/{int(id)}", json=body)
        line: QuotationLine = QuotationLine.from_dto(body)
        return line

    async def delete(self, id: int) -> None:
        """Delete one line (1 request). A line already gone raises NotFoundError."""

        await self._session.http.request("DELETE", f"QuotationLines/{int(id)}")
