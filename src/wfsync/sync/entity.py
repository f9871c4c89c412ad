"""One protocol for every synced entity, and the ordered registry the engine uses.

Each entity (customers, articles, deliveries) brings one record up to date the
same way — read it from the system that reported it, match or link it, merge
it against the last-synced snapshots, write what differs, record — and exposes
that as :meth:`EntitySync.sync_record`, usable alone: an event for one changed
record, a console "retry now" and the error inbox all call it.

A direction of the cadence is the same loop for every entity: each reads its
change feeds of that system (:attr:`EntitySync.feeds` names them; the engine
opens the cursors and commits them together once every entity is done), the
error inbox is retried, and when the sweep period is due each entity that
:attr:`~EntitySync.sweeps` that system looks for what its feeds cannot see.

The registry's order is the order of dependence: a delivery needs its customer
linked, so customers come first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar, Literal, Protocol

from wfsync.sync.articles import ArticleSync
from wfsync.sync.customers import CustomerSync
from wfsync.sync.deliveries import DeliverySync

if TYPE_CHECKING:
    from wfsync.state import Failure
    from wfsync.sync.context import SyncContext
    from wfsync.sync.cursors import Cursors

__all__ = ["EntityName", "EntitySync", "registry", "target_of"]

EntityName = Literal["customer", "article", "delivery"]


class EntitySync(Protocol):
    """What the engine needs of an entity's sync."""

    kind: str
    #: The feeds read per system (``webcrm`` | ``fortnox``): names in
    #: :data:`wfsync.sync.cursors.FEEDS`.
    feeds: ClassVar[Mapping[str, tuple[str, ...]]]
    #: The systems whose direction runs this entity's sweep when it is due.
    sweeps: ClassVar[frozenset[str]]

    async def feed(self, source: str, cursors: Cursors) -> None:
        """Process what changed in ``source`` since the cursors' positions, observing
        the server stamps it processed; the engine commits the cursors."""
        ...

    async def sweep(self, source: str) -> None:
        """Look for the changes of ``source`` that its feeds cannot show (the sweep
        period's work: hourly with the defaults)."""
        ...

    async def sync_record(self, source: str, record_id: str) -> None:
        """Bring one record of ``source`` (``fortnox`` | ``webcrm``) up to date.

        The record is read back through the API; one that no longer exists pauses
        its link with the reason (never a delete on the other side), and its open
        inbox entries are resolved when there is nothing left to sync."""
        ...

    async def retry(self, failure: Failure) -> None:
        """Try an error-inbox entry of this entity again."""
        ...


def registry(ctx: SyncContext) -> dict[str, EntitySync]:
    """The entities of one run, in dependence order."""
    customers = CustomerSync(ctx)  # deliveries sync a missing customer through it
    entities: list[EntitySync] = [customers, ArticleSync(ctx), DeliverySync(ctx, customers)]
    return {entity.kind: entity for entity in entities}


def target_of(entity: str, record_id: str) -> tuple[str, str]:
    """An event's (entity, id) as the registry's (kind, record id): Fortnox orders
    and invoices are deliveries keyed ``order-12`` / ``invoice-7``."""
    if entity in ("order", "invoice"):
        return "delivery", f"{entity}-{record_id}"
    return entity, record_id
