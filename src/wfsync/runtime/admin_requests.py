"""Carry out what an admin asked for in the console (retry now, apply the other value).

Requests are rows in the state store. Whoever may write does them: the runner
between cycles (it polls every few seconds), or `wfsync serve` itself when no
runner holds the instance lock. Either way the work happens under the writer
lease, so it never races a sync cycle in another process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from wfsync.runtime.overrides import apply_pending_overrides
from wfsync.state.lease import writer_lease
from wfsync.sync.engine import SyncEngine

__all__ = ["held_lease", "process_requests", "process_retries"]

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
    done = await process_retries(engine)
    if overrides:
        done += await apply_pending_overrides(engine)
    return done


@asynccontextmanager
async def held_lease(state_url: str, holder: str, *, wait: float) -> AsyncIterator[None]:
    """The writer lease, waited for in a thread so the event loop keeps serving."""
    lease = writer_lease(state_url, holder, wait=wait)
    await asyncio.to_thread(lease.__enter__)
    try:
        yield
    finally:
        lease.__exit__(None, None, None)
