"""Carry out what an admin asked for in the console (retry now, apply the other value).

Requests are rows in the state store. Whoever may write does them: the runner
between cycles (it polls every few seconds), or `wfsync serve` itself when no
runner holds the instance lock. Either way the work happens under the engine's
writer lease (wfsync.state.lease), so it never races a sync cycle elsewhere.
"""

from __future__ import annotations

import logging

from wfsync.runtime.overrides import apply_pending_overrides
from wfsync.sync.engine import SyncEngine

__all__ = ["process_requests", "process_retries"]

log = logging.getLogger("wfsync.admin_requests")


async def process_retries(engine: SyncEngine) -> int:
    """Retry the inbox entries an admin asked for; returns how many requests were handled."""
    store = engine.store
    pending = store.pending_requests("retry")
    if not pending:
        return 0
    ids = {r.target_id for r in pending if r.target_id is not None}
    report = await engine.retry_failures(force=True, only=ids)
    after = {f.id: f for f in store.failures(status=None) if f.id in ids}
    for request in pending:
        failure = after.get(request.target_id or -1)
        if failure is None:
            store.finish_request(request.id, "failed", "no such inbox entry")
        elif failure.status == "open":
            store.finish_request(request.id, "done", f"still failing: {failure.message}")
        else:
            store.finish_request(request.id, "done", failure.status)
    log.info("console retry of %s: %s", sorted(ids), report.as_dict())
    return len(pending)


async def process_requests(engine: SyncEngine, *, overrides: bool) -> int:
    """Retries always; overrides only when a cycle is about to run (they are written
    "on the next cycle", as the console promises)."""
    async with engine.lease.hold(engine.lease_wait):  # re-entrant: one hold for all
        done = await process_retries(engine)
        if overrides:
            done += await apply_pending_overrides(engine)
    return done
