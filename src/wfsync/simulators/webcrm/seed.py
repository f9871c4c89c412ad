"""Loading seed data (a JSON file or a dict) into a simulated tenant.

Format: an object with any of the lists ``organisations``, ``persons``,
``deliveries``, ``quotation_lines``, ``catalogue`` and ``opportunities``; each item
uses DTO property names (full, or without the entity prefix). An item may carry
its id (e.g. ``"OrganisationId": 7``) so later items can refer to it; without one
it gets the next id. Records pass the same rules as API writes and are stamped
with the simulator clock's current time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from wfsync.simulators.webcrm.backend import Backend
from wfsync.simulators.webcrm.store import Collection
from wfsync.simulators.webcrm.ui import normalise_fields

__all__ = ["SEED_USER", "load_seed"]

SEED_USER = "webCRM Demo"
_ORDER = (
    "catalogue",
    "organisations",
    "persons",
    "opportunities",
    "deliveries",
    "quotation_lines",
)


def load_seed(backend: Backend, source: Path | str | dict[str, Any]) -> None:
    data = source if isinstance(source, dict) else json.loads(Path(source).read_text("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("a webCRM seed must be a JSON object of lists")
    unknown = set(data) - set(_ORDER)
    if unknown:
        raise ValueError(f"unknown seed lists: {', '.join(sorted(unknown))}")
    collections: dict[str, Collection] = {
        "catalogue": backend.catalogue,
        "organisations": backend.organisations,
        "persons": backend.persons,
        "opportunities": backend.opportunities,
        "deliveries": backend.deliveries,
        "quotation_lines": backend.quotation_lines,
    }
    for name in _ORDER:
        collection = collections[name]
        for item in data.get(name, []):
            fields = normalise_fields(collection.entity, item)
            record_id = int(fields.pop(collection.entity.id_field, 0) or 0)
            collection.create(fields, SEED_USER, record_id=record_id or None)
    backend.sync_totals(SEED_USER)
