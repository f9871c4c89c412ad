"""``GET /FieldsMetadata`` and ``/FieldsMetadata/{entityType}`` (reference §4.5).

Items describe the tenant's configured custom-field slots (``FriendlyFieldName``
is the DTO property, e.g. ``OrganisationExtraCustom1``). For ``Organisation``
the list also carries an ``OrganisationType`` item whose
``FieldMetadataDropdownListData`` holds the Type options, first = unset
placeholder. Whether the real service includes built-in dropdowns is
unconfirmed; this is a documented simulator decision.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from wfsync.simulators.webcrm.errors import BadRequest
from wfsync.simulators.webcrm.routing import Call, Router, json_response
from wfsync.simulators.webcrm.schema import ENTITY_TYPES
from wfsync.simulators.webcrm.tenant import CustomSlot, Tenant

__all__ = ["field_metadata", "register"]

_DB_PREFIX = {"Organisation": "o_", "Delivery": "op_", "Person": "p_"}
_ENTITY_ORDER = ("Organisation", "Person", "Delivery")


def _slot_item(slot: CustomSlot, item_id: int, sort_order: int) -> dict[str, Any]:
    column = slot.name.removeprefix(slot.entity)
    return {
        "FieldMetadataId": item_id,
        "FieldMetadataDbFieldName": _DB_PREFIX[slot.entity] + column[0].lower() + column[1:],
        "FieldMetadataFriendlyFieldName": slot.name,
        "FieldMetadataLabel": slot.label,
        "FieldMetadataSortOrder": sort_order,
        "FieldMetadataDisplayType": slot.display_type,
        "FieldMetadataTextFieldMaxLength": slot.max_length,
        "FieldMetadataDropdownListData": [],
    }


def _type_item(tenant: Tenant) -> dict[str, Any]:
    return {
        "FieldMetadataId": 1,
        "FieldMetadataDbFieldName": "o_type",
        "FieldMetadataFriendlyFieldName": "OrganisationType",
        "FieldMetadataLabel": "Typ",
        "FieldMetadataSortOrder": 0,
        "FieldMetadataDisplayType": "L",
        "FieldMetadataTextFieldMaxLength": 50,
        "FieldMetadataDropdownListData": [
            {"Text": option, "Value": option} for option in tenant.organisation_types
        ],
    }


def field_metadata(tenant: Tenant, entity: str) -> list[dict[str, Any]]:
    """The FieldMetadataDto items for one entity type (``All`` = every entity)."""
    wanted = _ENTITY_ORDER if entity == "All" else (entity,)
    items: list[dict[str, Any]] = []
    for name in wanted:
        if name == "Organisation":
            items.append(_type_item(tenant))
        for sort_order, slot in enumerate(tenant.slots_of(name), start=1):
            offset = 1 + _ENTITY_ORDER.index(name) * 100
            items.append(_slot_item(slot, offset + sort_order, sort_order))
    return items


def register(router: Router, tenant: Tenant) -> None:
    async def everything(call: Call) -> Response:
        del call
        return json_response(field_metadata(tenant, "All"))

    async def for_entity(call: Call) -> Response:
        raw = call.params["entityType"]
        matching = [name for name in ENTITY_TYPES if name.casefold() == raw.casefold()]
        if not matching:
            raise BadRequest(f"The value '{raw}' is not valid for entityTypes.")
        return json_response(field_metadata(tenant, matching[0]))

    router.get("/FieldsMetadata", everything)
    router.get("/FieldsMetadata/{entityType}", for_entity)
