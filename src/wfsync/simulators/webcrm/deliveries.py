"""``/Deliveries`` endpoints (reference §6.2).

No ``DELETE``; the owning organisation changes only through ``POST …/Move``
(204), which also moves the delivery's quotation lines. There is no
``FindByUpdateDates`` for deliveries — clients must use ``/Queries``.
"""

from __future__ import annotations

from starlette.responses import Response

from wfsync.simulators.webcrm.backend import Backend
from wfsync.simulators.webcrm.crud import CrudEndpoints, listing
from wfsync.simulators.webcrm.errors import BadRequest
from wfsync.simulators.webcrm.routing import Call, Router, empty
from wfsync.simulators.webcrm.schema import DELIVERY_STATUSES
from wfsync.simulators.webcrm.windows import window_listing

__all__ = ["move_delivery", "register"]


def move_delivery(backend: Backend, delivery_id: int, organisation_id: int, actor: str) -> None:
    """Give a delivery (and its lines) to another organisation."""
    backend.deliveries.get(delivery_id)
    if not backend.organisations.exists(organisation_id):
        raise BadRequest(f"Organisation with id {organisation_id} does not exist.")
    backend.deliveries.update_server_fields(
        delivery_id, {"DeliveryOrganisationId": organisation_id}, actor
    )
    for line in backend.lines_of(delivery_id):
        if line["QuotationLineOrganisationId"] != organisation_id:
            backend.quotation_lines.update_server_fields(
                line["QuotationLineId"], {"QuotationLineOrganisationId": organisation_id}, actor
            )


def register(router: Router, backend: Backend) -> None:
    deliveries = backend.deliveries

    async def lines(call: Call) -> Response:
        delivery_id = call.int_param("id")
        deliveries.get(delivery_id)
        return listing(call, backend.quotation_lines, backend.lines_of(delivery_id))

    async def by_organisation(call: Call) -> Response:
        organisation_id = call.int_param("organisationId")
        found = [d for d in deliveries.rows() if d["DeliveryOrganisationId"] == organisation_id]
        return listing(call, deliveries, found)

    async def by_status(call: Call) -> Response:
        status = call.params["status"]
        matching = [s for s in DELIVERY_STATUSES if s.casefold() == status.casefold()]
        if not matching:
            raise BadRequest(f"'{status}' is not a DeliveryStatus.")
        found = [d for d in deliveries.rows() if d["DeliveryStatus"] == matching[0]]
        return listing(call, deliveries, found)

    async def find_by_create(call: Call) -> Response:
        return window_listing(call, deliveries, "DeliveryCreatedAt")

    async def move(call: Call) -> Response:
        body = await call.json_object()
        target = next((v for k, v in body.items() if k.casefold() == "neworganisationid"), None)
        if isinstance(target, bool) or not isinstance(target, int):
            raise BadRequest("NewOrganisationId (integer) is required.")
        move_delivery(backend, call.int_param("id"), target, call.actor)
        return empty(204)

    router.get("/Deliveries/{id:int}/QuotationLines", lines)
    router.get("/Deliveries/ByOrganisation/{organisationId:int}", by_organisation)
    router.get("/Deliveries/ByStatus/{status}", by_status)
    router.get("/Deliveries/FindByCreateDates/{startDate}/{endDate}", find_by_create)
    router.post("/Deliveries/{id:int}/Move", move)
    CrudEndpoints(deliveries, "/Deliveries").register(router)
