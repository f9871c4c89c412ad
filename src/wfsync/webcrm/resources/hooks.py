"""``/<Entity>/Hooks``: webhook subscriptions, one event type per hook.

The callback payload, method and signing are undocumented (reference §9.3), so
a callback is only a hint to poll early; polling stays the safety net. Hooks
listed here are the calling token's own.
"""

from __future__ import annotations

from typing import Literal

from wfsync.http.errors import ValidationError
from wfsync.webcrm.errors import SYSTEM
from wfsync.webcrm.models import Hook
from wfsync.webcrm.resources.entity import CREATE, created_id
from wfsync.webcrm.resources.session import Session

__all__ = ["EventType", "Hooks"]

EventType = Literal["Create", "Update", "Delete"]
_COLLECTIONS = {
    name.lower(): collection
    for collection, singular in (
        ("Organisations", "Organisation"),
        ("Deliveries", "Delivery"),
        ("Persons", "Person"),
        ("QuotationLines", "QuotationLine"),
        ("Products", "Product"),
    )
    for name in (collection, singular)
}


class Hooks:
    def __init__(self, session: Session) -> None:
        self._session = session

    @staticmethod
    def _path(entity: str) -> str:
        collection = _COLLECTIONS.get(entity.lower())
        if collection is None:
            raise ValueError(f"no webhooks wired for {entity!r} (one of {sorted(_COLLECTIONS)})")
        return f"{collection}/Hooks"

    async def list(self, entity: str) -> list[Hook]:
        """This token's hooks on one entity (1 request per page)."""

        return [
            Hook.from_dto(dto)
            async for page in self._session.pages(self._path(entity))
            for dto in page
            if isinstance(dto, dict)
        ]

    async def create(
        self, entity: str, target_url: str, event_type: EventType, *, enabled: bool = True
    ) -> int:
        """Subscribe ``target_url`` to one event type (1 request)."""

        body = {
            "Id": 0,
            "TargetUrl": target_url,
            "EventType": event_type,
            "IsEnabled": enabled,
            "Filter": ["All"],
        }
        response = await self._session.http.request(
            "POST", self._path(entity), json=body, options=CREATE
        )
        new_id = created_id(response, "Id")
        if new_id is None:
            raise ValidationError(
                "webCRM created a hook without returning its id",
                system=SYSTEM,
                status=response.status_code,
            )
        return new_id

    async def delete(self, entity: str, id: int) -> None:
        await self._session.http.request("DELETE", f"{self._path(entity)}/{int(id)}")
