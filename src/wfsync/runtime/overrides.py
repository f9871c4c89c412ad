""" "Apply the other value instead": an admin overrules how a conflict was settled.

The losing value is written to the Fortnox side of the pair; the ordinary
reconcile then sees a one-sided change and carries it to webCRM, storing new
snapshots, so nothing about the merge is special-cased. Done at the start of the
next cycle (under the writer lease, like every write). If either side has moved
on since the conflict, the override is *superseded*: a newer edit wins over an
old decision, and the console says so.
"""

from __future__ import annotations

import logging
from typing import Any

from wfsync.domain import Customer
from wfsync.domain.normalise import same
from wfsync.fortnox.mapping import customer_fields
from wfsync.http.errors import ApiError
from wfsync.state import Conflict
from wfsync.sync.customers import CustomerSync
from wfsync.sync.engine import SyncEngine

__all__ = ["apply_override", "apply_pending_overrides", "other_value"]

log = logging.getLogger("wfsync.overrides")


def other_value(conflict: Conflict) -> Any:
    """The value the conflict rule did not keep."""
    return conflict.webcrm_value if conflict.winner == "fortnox" else conflict.fortnox_value


async def apply_override(engine: SyncEngine, conflict: Conflict) -> tuple[str, str]:
    """Write the losing value to both sides; returns (request status, what happened)."""
    if conflict.kind != "customer":
        return "failed", (
            f"only customer conflicts can be overruled here; change the {conflict.kind} "
            "in either system and the next cycle carries it over"
        )
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
    except ApiError as exc:
        return "failed", str(exc)
    store.acknowledge_conflict(conflict.id)
    store.add_history(
        "customer",
        "override",
        f"{field}: an admin chose {wanted!r} over {kept!r} (conflict {conflict.id})",
        webcrm_id=link.webcrm_id,
        fortnox_id=link.fortnox_id,
    )
    return "done", f"{field} set to {wanted!r} in both systems"


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
