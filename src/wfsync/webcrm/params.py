"""The bodies wfsync sends to webCRM, named and typed where their keys are fixed.

The mapping modules turn canonical records into the field part of a body (its
keys depend on the configured custom-field slots, so they stay a plain dict);
what a body adds around those fields — the ``0`` id webCRM wants on a create,
the organisation and status of a new delivery, a line's position — is built
here, so the sync layer never spells a webCRM property name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from wfsync.webcrm.delivery_mapping import COMPLETED

__all__ = [
    "NewDeliveryParams",
    "new_catalogue_item",
    "new_delivery",
    "new_organisation",
    "organisation_type",
    "organisation_update",
    "with_line_position",
]


class NewDeliveryParams(TypedDict):
    """The fixed part of ``POST /Deliveries`` for a delivery that came from Fortnox."""

    DeliveryOrganisationId: int
    DeliveryDescription: str


def new_organisation(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``POST /Organisations``: webCRM wants the id as ``0`` on a create."""
    return {"OrganisationId": 0, **fields}


def organisation_update(
    current: Mapping[str, Any], changes: Mapping[str, Any], organisation_id: int
) -> dict[str, Any]:
    """A whole organisation (as read, with ``changes``) for a batch ``PATCH``, which
    replaces like a PUT; the id says which record it is."""
    return {**current, **changes, "OrganisationId": organisation_id}


def organisation_type(type_name: str) -> dict[str, Any]:
    """A partial update that only changes the organisation's Type."""
    return {"OrganisationType": type_name}


def new_catalogue_item(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``POST /QuotationLines/LinkedData``: the id as ``0`` on a create."""
    return {"QuotationLineLinkedDataItemId": 0, **fields}


def new_delivery(
    *,
    organisation_id: int,
    description: str,
    fields: Mapping[str, Any],
    completed: bool,
) -> dict[str, Any]:
    """``POST /Deliveries`` for a Fortnox document; an invoice arrives completed."""
    fixed: NewDeliveryParams = {
        "DeliveryOrganisationId": organisation_id,
        "DeliveryDescription": description,
    }
    body: dict[str, Any] = {**fixed, **fields}
    if completed:
        body["DeliveryStatus"] = COMPLETED
    return body


def with_line_position(changes: Mapping[str, Any], sort_order: int) -> dict[str, Any]:
    """A quotation-line update that also moves the line to ``sort_order``."""
    return {**changes, "QuotationLineSortOrder": sort_order}
