"""``/QuotationLines/LinkedData``: the product catalogue that Fortnox articles fill.

Unpaged: one GET returns the whole catalogue (reference §8.1), and there is no
``UpdatedAt``, so the sync compares the full list against Fortnox. Every
``…Data1…9`` must be non-empty (``"-"`` as placeholder), which
:func:`wfsync.webcrm.mapping.article_catalogue_fields` guarantees.

``DELETE /QuotationLines/LinkedData`` without an id wipes the entire
catalogue; :meth:`Catalogue.delete` therefore insists on a positive id.
"""

from __future__ import annotations

from typing import Any

from wfsync.http.errors import NotFoundError, ValidationError
from wfsync.webcrm.errors import SYSTEM
from wfsync.webcrm.models import CatalogueItem
from wfsync.webcrm.resources.entity import CREATE, created_id
from wfsync.webcrm.resources.session import Session, json_list

__all__ = ["Catalogue"]

PATH = "QuotationLines/LinkedData"
ID = CatalogueItem.id_property


class Catalogue:
    def __init__(self, session: Session) -> None:
        self._session = session

    async def list(self) -> list[CatalogueItem]:
        """The whole catalogue (1 request; the endpoint takes no paging parameters)."""

        response = await self._session.http.request("GET", PATH)
        return [CatalogueItem.from_dto(dto) for dto in json_list(response) if isinstance(dto, dict)]

    async def get(self, id: int) -> CatalogueItem:
        body = await self._session.get_json(f"{PATH}/{self._checked(id)}")
        if not isinstance(body, dict):
            raise NotFoundError(f"catalogue item {id} not found", system=SYSTEM)
        item: CatalogueItem = CatalogueItem.from_dto(body)
        return item

    async def create(self, dto: dict[str, Any]) -> int:
        """Create an item (1 request, never retried blindly); ``EntityType`` defaults to Product."""

        body = {f"{CatalogueItem.prefix}EntityType": "Product", **dto, ID: 0}
        response = await self._session.http.request("POST", PATH, json=body, options=CREATE)
        new_id = created_id(response, ID)
        if new_id is None:
            raise ValidationError(
                "webCRM created a catalogue item without returning its id",
                system=SYSTEM,
                status=response.status_code,
                body=response.text,
            )
        return new_id

    async def update(self, id: int, changes: dict[str, Any]) -> CatalogueItem:
        """GET, overlay, PUT the full item (2 requests); returns the item as written."""

        current = await self.get(id)
        body = {**current.dto(), **changes, ID: self._checked(id)}
        await self._session.http.request("PUT", f"{PATH}/{self._checked(id)}", json=body)
        item: CatalogueItem = CatalogueItem.from_dto(body)
        return item

    async def delete(self, id: int) -> None:
        """Delete one item (1 request)."""

        await self._session.http.request("DELETE", f"{PATH}/{self._checked(id)}")

    @staticmethod
    def _checked(id: int) -> int:
        if int(id) <= 0:  # never let a bad id turn into DELETE of the whole catalogue
            raise ValueError(f"catalogue item id must be positive, got {id!r}")
        return int(id)
