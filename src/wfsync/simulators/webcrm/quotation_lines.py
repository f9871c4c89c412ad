"""``/QuotationLines`` endpoints (reference §7.1).

Writes take ``QuotationLineUpdateDto``: the read DTO plus the write-only
``QuotationLineLinkedDataId``, which is stored but never returned, so a
GET → PUT round trip must add it again (a PUT without it resets it to 0). Every
write recomputes the parent delivery's totals.
"""

from __future__ import annotations

from wfsync.simulators.webcrm.backend import Backend
from wfsync.simulators.webcrm.crud import CrudEndpoints
from wfsync.simulators.webcrm.routing import Router

__all__ = ["register"]


def register(router: Router, backend: Backend) -> None:
    def totals(record_id: int, actor: str) -> None:
        del record_id
        backend.sync_totals(actor)

    endpoints = CrudEndpoints(backend.quotation_lines, "/QuotationLines", after_write=totals)
    endpoints.register(router, with_delete=True)
