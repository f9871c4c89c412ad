"""``/Persons``: contacts of an organisation.

Fortnox has no person entity, so the sync reads persons at most for a
customer's reference. Note (reference §5): ``PersonLastName`` is mandatory
(write ``"-"`` when unknown) and ``PersonOrganisationId`` cannot be changed
through PUT; there is no DELETE and no Move.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from wfsync.webcrm.models import Person
from wfsync.webcrm.resources.entity import EntityResource
from wfsync.webcrm.resources.session import Session

__all__ = ["Persons"]


class Persons(EntityResource[Person]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, Person, "Persons", "Person")

    async def by_organisation(self, organisation_id: int) -> AsyncIterator[Person]:
        """``GET /Organisations/{id}/Persons``, paged."""

        async for page in self._session.pages(f"Organisations/{int(organisation_id)}/Persons"):
            for dto in page:
                yield self._wrap(dto)
