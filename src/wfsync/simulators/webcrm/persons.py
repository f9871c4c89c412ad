"""``/Persons`` endpoints (reference §5): CRUD and batch upsert, no DELETE, no Move."""

from __future__ import annotations

from wfsync.simulators.webcrm.backend import Backend
from wfsync.simulators.webcrm.crud import CrudEndpoints
from wfsync.simulators.webcrm.routing import Router

__all__ = ["register"]


def register(router: Router, backend: Backend) -> None:
    CrudEndpoints(backend.persons, "/Persons").register(router)
