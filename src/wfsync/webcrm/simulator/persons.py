"""``/Persons`` endpoints (reference §5): CRUD and batch upsert, no DELETE, no Move."""

from __future__ import annotations

from wfsync.webcrm.simulator.backend import Backend
from wfsync.webcrm.simulator.crud import CrudEndpoints
from wfsync.webcrm.simulator.routing import Router

__all__ = ["register"]


def register(router: Router, backend: Backend) -> None:
    CrudEndpoints(backend.persons, "/Persons").register(router)
