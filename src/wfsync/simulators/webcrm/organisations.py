"""``/Organisations`` endpoints (reference §4.1).

No ``DELETE /Organisations/{id}``: the spec has none, so the route answers 405.
"""

from __future__ import annotations

from starlette.responses import Response

from wfsync.simulators.webcrm.backend import Backend
from wfsync.simulators.webcrm.crud import CrudEndpoints, listing
from wfsync.simulators.webcrm.routing import Call, Router
from wfsync.simulators.webcrm.windows import window_listing

__all__ = ["register"]


def register(router: Router, backend: Backend) -> None:
    organisations = backend.organisations

    async def find_by_create(call: Call) -> Response:
        return window_listing(call, organisations, "OrganisationCreatedAt")

    async def find_by_update(call: Call) -> Response:
        return window_listing(call, organisations, "OrganisationUpdatedAt")

    async def persons_of(call: Call) -> Response:
        organisation_id = call.int_param("id")
        organisations.get(organisation_id)
        persons = [
            person
            for person in backend.persons.rows()
            if person["PersonOrganisationId"] == organisation_id
        ]
        return listing(call, backend.persons, persons)

    router.get("/Organisations/FindByCreateDates/{startDate}/{endDate}", find_by_create)
    router.get("/Organisations/FindByUpdateDates/{startDate}/{endDate}", find_by_update)
    router.get("/Organisations/{id:int}/Persons", persons_of)

    def silent_create() -> bool:
        return not backend.quirks.organisation_create_returns_id

    CrudEndpoints(organisations, "/Organisations", silent_create=silent_create).register(router)
