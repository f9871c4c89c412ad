"""One protocol for every synced entity, and the ordered registry the engine uses.

Each entity (customers, articles, deliveries) brings one record up to date the
same way — read it from the system that reported it, match or link it, merge
it against the last-synced snapshots, write what differs, record — and exposes
that as :meth:`EntitySync.sync_record`, usable alone: an event for one changed
record, a console "retry now" and the error inbox all call it. The change feeds
and sweeps stay per direction in the engine, because their cursors belong to a
direction (one poll reads several entities' feeds at once).

The registry's order is the order of dependence: a delivery needs its customer
linked, so customers come first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Protocol

from wfsync.sync.articles import ArticleSync
from wfsync.sync.customers import CustomerSync
from wfsync.sync.deliveries import DeliverySync

if TYPE_CHECKING:
    from wfsync.state import Failure
    from wfsync.sync.context import SyncContext

__all__ = ["EntityName", "EntitySync", "registry", "target_of"]

EntityName = Literal["customer", "article", "delivery"]


class EntitySync(Protocol):
    """What the engine needs of an entity's sync."""

    kind: str

    async def sync_record(self, source: str, record_id: str) -> None:
        """Bring one record of ``source`` (``fortnox`` | ``webcrm``) up to date.

        The record is read back through the API; one that no longer exists pauses
        its link with the reason (never a delete on the other side), and its open
        inbox entries are resolved when there is nothing left to sync."""
        ...

    async def retry(self, failure: Failure) -> None:
        """Try an error-inbox entry of this entity again."""
        ...


def registry(ctx: SyncContext, *, customers: CustomerSync | None = None) -> dict[str, EntitySync]:
    """The entities of one run, in dependence order (``customers`` to reuse one with
    this run's caches)."""
    entities: list[EntitySync] = [
        customers or CustomerSync(ctx),
        ArticleSync(ctx),
        DeliverySync(ctx),
    ]
    return {entity.kind: entity for entity in entities}


def target_of(entity: str, record_id: str) -> tuple[str, str]:
    """An event's (entity, id) as the registry's (kind, record id): Fortnox orders
    and invoices are deliveries keyed ``order-12`` / ``invoice-7``."""
    if entity in ("order", "invoice"):
        return "delivery", f"{entity}-{record_id}"
    return entity, record_id
