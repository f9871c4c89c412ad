""" "Apply the other value instead": an admin overrules how a conflict was settled.

The losing value is written to one side of the pair (a customer's Fortnox
side, a delivery's webCRM side); the ordinary reconcile then sees a one-sided
change and carries it to the other, storing new snapshots, so nothing about the
merge is special-cased. Delivery lines cannot be overruled here. Done at the start of the
next cycle (under the writer lease, like every write). If either side has moved
on since the conflict, the override is *superseded*: a newer edit wins over an
old decision, and the console says so.
"""

from __future__ import annotations

import logging
from typing import Any

from wfsync.domain import Customer, Delivery
from wfsync.domain.normalise import same
from wfsync.fortnox.mapping import customer_fields
from wfsync.http.errors import ApiError
from wfsync.state import Conflict
from wfsync.sync.context import RecordFailed
from wfsync.sync.customers import CustomerSync
from wfsync.sync.deliveries import DeliverySync
from wfsync.sync.engine import SyncEngine

__all__ = ["apply_override", "apply_pending_overrides", "can_override", "other_value"]

log = logging.getLogger("wfsync.overrides")


def other_value(conflict: Conflict) -> Any:
    """The value the conflict rule did not keep."""
    return conflict.webcrm_value if conflict.winner == "fortnox" else conflict.fortnox_value


def can_override(conflict: Conflict) -> bool:
    """Customer fields, and delivery header fields (not lines)."""
    if conflict.kind == "customer":
        return True
    return conflict.kind == "delivery" and conflict.field in Delivery.model_fields


async def apply_override(engine: SyncEngine, conflict: Conflict) -> tuple[str, str]:
    """Write the losing value to both sides; returns (request status, what happened)."""
    if not can_override(conflict):
        return "failed", (
            f"{conflict.kind} {conflict.field} cannot be overruled here; change it in either "
            "system and the next cycle carries it over"
        )
    if conflict.kind == "delivery":
        return await _override_delivery(engine, conflict)
    store = engine.store
    link = store.get_link("customer", webcrm_id=conflict.webcrm_id) if conflict.webcrm_id else None
    if link is None or link.fortnox_id is None or link.webcrm_id is None:
        return "failed", "the two records are no longer linked"
    field, wanted = conflict.field, other_value(conflict)
    ctx = engine.context()
    customers = CustomerSync(ctx)
    try:
        record = await engine.fortnox.customers.get(link.fortnox_id)
        org = await engine.webcrm.organisations.get(int(link.webcrm_id))
        fortnox_now = customers.from_fortnox(record)
        webcrm_now = customers.from_webcrm(org)
        kept = conflict.resolved_value
        if not (
            same(field, fortnox_now.values().get(field), kept)
            and same(field, webcrm_now.values().get(field), kept)
        ):
            return "superseded", f"{field} has been edited again since; nothing written"
        target = Customer(**{**fortnox_now.values(), field: wanted})
        payload = customer_fields(target, [field], create=False)
        updated = await engine.fortnox.customers.update(link.fortnox_id, payload)
        await customers.reconcile(link, org=org, fortnox_record=updated)
    except (ApiError, RecordFailed) as exc:
        return "failed", str(exc)
    return _settled(engine, conflict, link.webcrm_id, link.fortnox_id, kept, wanted)


async def _override_delivery(engine: SyncEngine, conflict: Conflict) -> tuple[str, str]:
    """A delivery header field: written to webCRM, carried to Fortnox by the reconcile
    (which also respects a booked invoice's lock)."""
    store = engine.store
    link = store.get_link("delivery", webcrm_id=conflict.webcrm_id) if conflict.webcrm_id else None
    if link is None or link.fortnox_id is None or link.webcrm_id is None:
        return "failed", "the two records are no longer linked"
    field, wanted, kept = conflict.field, other_value(conflict), conflict.resolved_value
    deliveries = DeliverySync(engine.context())
    kind = "invoice" if link.fortnox_type == "invoice" else "order"
    try:
        delivery = await engine.webcrm.deliveries.get(int(link.webcrm_id))
        lines = await engine.webcrm.quotation_lines.for_delivery(delivery.id)
        _, fortnox_now = await deliveries.read_fortnox(kind, link.fortnox_id)
        webcrm_now = deliveries.from_webcrm(delivery, lines)
        if not (
            same(field, fortnox_now.values().get(field), kept)
            and same(field, webcrm_now.values().get(field), kept)
        ):
            return "superseded", f"{field} has been edited again since; nothing written"
        target = Delivery(**{**webcrm_now.values(), field: wanted})
        delivery = await deliveries.write_header(delivery, target, [field])
        await deliveries.reconcile(link, delivery=delivery, lines=lines)
    except (ApiError, RecordFailed) as exc:
        return "failed", str(exc)
    return _settled(engine, conflict, link.webcrm_id, link.fortnox_id, kept, wanted)


def _settled(
    engine: SyncEngine,
    conflict: Conflict,
    webcrm_id: str,
    fortnox_id: str,
    kept: Any,
    wanted: Any,
) -> tuple[str, str]:
    engine.store.acknowledge_conflict(conflict.id)
    engine.store.add_history(
        conflict.kind,
        "override",
        f"{conflict.field}: an admin chose {wanted!r} over {kept!r} (conflict {conflict.id})",
        webcrm_id=webcrm_id,
        fortnox_id=fortnox_id,
    )
    return "done", f"{conflict.field} set to {wanted!r} in both systems"


async def apply_pending_overrides(engine: SyncEngine) -> int:
    """Carry out every queued override; returns how many were handled."""
    store = engine.store
    pending = store.pending_requests("override")
    if not pending:
        return 0
    by_id = {c.id: c for c in store.conflicts(include_acknowledged=True)}
    for request in pending:
        conflict = by_id.get(request.target_id or -1)
        if conflict is None:
            store.finish_request(request.id, "failed", "no such conflict")
            continue
        status, result = await apply_override(engine, conflict)
        log.info("conflict %s override: %s (%s)", conflict.id, status, result)
        store.finish_request(request.id, status, result)
    return len(pending)
