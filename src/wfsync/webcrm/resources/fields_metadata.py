"""``/FieldsMetadata/{entity}``: which custom-field slots a tenant has configured.

The API cannot create or configure custom fields; this read-only list is how
we learn each slot's label, type and list options, and how ``wfsync check``
proves every configured slot exists before the first write.
"""

from __future__ import annotations

from wfsync.webcrm.models import FieldMetadata
from wfsync.webcrm.resources.session import Session, json_list

__all__ = ["ENTITY_TYPES", "FieldsMetadata"]

ENTITY_TYPES = (
    "Activity",
    "Delivery",
    "Event",
    "Opportunity",
    "Organisation",
    "Person",
    "Product",
    "SupportCase",
    "User",
    "SyncedMeeting",
    "All",
)


class FieldsMetadata:
    def __init__(self, session: Session) -> None:
        self._session = session

    async def __call__(self, entity: str) -> list[FieldMetadata]:
        """Field metadata of one entity type (1 request, unpaged)."""

        canonical = next((e for e in ENTITY_TYPES if e.lower() == entity.lower()), None)
        if canonical is None:
            raise ValueError(f"unknown webCRM entity type {entity!r} (one of {ENTITY_TYPES})")
        response = await self._session.http.request("GET", f"FieldsMetadata/{canonical}")
        return [FieldMetadata.from_dto(d) for d in json_list(response) if isinstance(d, dict)]
