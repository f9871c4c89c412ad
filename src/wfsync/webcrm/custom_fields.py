"""Custom-field slots: which ones a tenant has, and a guard against writing to the rest.

webCRM has no schemaless custom fields: each entity has numbered slots
(``OrganisationCustom1…15``, ``…Plus1…20``, ``OrganisationExtraCustom1…8``) that
an admin configures in the UI, and the API cannot create them (reference
§4.3). ``[webcrm.custom_fields]`` names the slot for each logical field. If a
named slot is not configured, a write to it would vanish or fail obscurely, so:

* :func:`check_custom_fields` reads ``/FieldsMetadata`` (one request per entity)
  and reports every configured slot that is missing, one line each
  (``wfsync check`` prints them);
* once metadata is loaded, the client's :class:`CustomFieldRegistry` refuses a
  create/update/upsert that touches a missing slot with
  :class:`MissingCustomFieldError` before anything is sent.

Built-in columns that the config may also name (``OrganisationMemo``,
``OrganisationXText1…8``, ``DeliveryComment``, ``DeliveryErpId``, …) exist in
every tenant and are not checked. How ``/FieldsMetadata`` names a slot is not
documented; we accept ``FieldMetadataFriendlyFieldName`` or
``FieldMetadataDbFieldName`` equal to the DTO name, with or without the entity
prefix, ignoring case and an ``x_`` column prefix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from wfsync.config import CustomFields
from wfsync.webcrm.errors import MissingCustomFieldError
from wfsync.webcrm.models import FieldMetadata

__all__ = [
    "CustomFieldRegistry",
    "MissingCustomFieldError",
    "check_custom_fields",
    "is_configurable_slot",
]

_SLOT = re.compile(
    r"^(?P<entity>Organisation|Delivery|Person|Opportunity|Product)"
    r"(?P<family>ExtraCustom|Custom|Plus)(?P<number>\d+)$"
)


def is_configurable_slot(name: str) -> bool:
    """Whether ``name`` is a slot an admin must configure (Custom/Plus/ExtraCustom)."""

    return _SLOT.match(name) is not None


def _entity_of(slot: str) -> str:
    match = _SLOT.match(slot)
    return match.group("entity") if match else ""


def _comparable(name: str) -> str:
    return name.lower().rsplit("_", 1)[-1]


class CustomFieldRegistry:
    """Slots per entity as ``/FieldsMetadata`` describes them (empty until loaded)."""

    def __init__(self) -> None:
        self._by_entity: dict[str, dict[str, FieldMetadata]] = {}

    def learn(self, entity: str, metadata: Iterable[FieldMetadata]) -> None:
        """Record the configurable slots found in one entity's metadata."""

        prefix = entity.lower()
        slots: dict[str, FieldMetadata] = {}
        for item in metadata:
            for name in (item.friendly_name, item.db_field_name):
                key = _comparable(name)
                if not key:
                    continue
                candidate = key if key.startswith(prefix) else prefix + key
                canonical = _canonical_slot(entity, candidate)
                if canonical:
                    slots.setdefault(canonical, item)
                    break
        self._by_entity[entity] = slots

    def loaded(self, entity: str) -> bool:
        return entity in self._by_entity

    def slots(self, entity: str) -> list[str]:
        """Configured slots of ``entity`` (DTO names), in webCRM's sort order."""

        found = self._by_entity.get(entity, {})
        return sorted(found, key=lambda slot: (as_sort(found[slot]), slot))

    def metadata(self, slot: str) -> FieldMetadata | None:
        return self._by_entity.get(_entity_of(slot), {}).get(slot)

    def label(self, slot: str) -> str:
        """The admin's label for a slot (``""`` when unknown)."""

        item = self.metadata(slot)
        return item.label if item else ""

    def placeholder(self, slot: str) -> str | None:
        """The first option of a list slot: what webCRM shows when nothing is chosen."""

        item = self.metadata(slot)
        options = item.options if item else []
        return options[0] if options else None

    def exists(self, slot: str) -> bool | None:
        """True/False once the slot's entity is loaded; None when we do not know yet."""

        if not is_configurable_slot(slot):
            return True
        entity = _entity_of(slot)
        if entity not in self._by_entity:
            return None
        return slot in self._by_entity[entity]

    def guard(self, dto: Mapping[str, Any]) -> None:
        """Raise MissingCustomFieldError if ``dto`` writes to a slot known to be missing."""

        for key in dto:
            if self.exists(key) is False:
                raise MissingCustomFieldError(key, available=self.slots(_entity_of(key)))


def as_sort(item: FieldMetadata) -> int:
    value = item.raw("FieldMetadataSortOrder")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _canonical_slot(entity: str, lowered: str) -> str | None:
    for family in ("ExtraCustom", "Custom", "Plus"):
        head = (entity + family).lower()
        if lowered.startswith(head) and lowered[len(head) :].isdigit():
            return f"{entity}{family}{int(lowered[len(head) :])}"
    return None


class _MetadataSource(Protocol):
    custom_fields: CustomFieldRegistry

    async def fields_metadata(self, entity: str) -> list[FieldMetadata]: ...


async def check_custom_fields(client: _MetadataSource, custom: CustomFields) -> list[str]:
    """Problems with ``[webcrm.custom_fields]`` in this tenant, one line each (``[]`` = fine).

    One ``/FieldsMetadata`` request per entity that has configurable slots in
    the config; the answer is kept in ``client.custom_fields`` so later writes
    to a missing slot fail fast with MissingCustomFieldError.
    """

    wanted = {logical: slot for logical, slot in custom.model_dump().items()}
    for entity in sorted({_entity_of(s) for s in wanted.values() if is_configurable_slot(s)}):
        client.custom_fields.learn(entity, await client.fields_metadata(entity))
    problems = []
    for logical, slot in wanted.items():
        if client.custom_fields.exists(slot) is False:
            available = client.custom_fields.slots(_entity_of(slot))
            problems.append(
                str(MissingCustomFieldError(slot, logical=logical, available=available))
            )
    return problems
