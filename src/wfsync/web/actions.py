"""The console's buttons: every change is a POST with the session's CSRF token.

Retries and overrides become requests in the state store (see
:mod:`wfsync.runtime.admin_requests`): a running `wfsync run` does retries
within seconds; without one, the console does them itself right after
answering. Skip, unskip and resume change only the state store, under the
writer lease like the CLI's commands.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException
from starlette.requests import Request
from starlette.responses import Response

from wfsync.runtime.admin_requests import process_requests
from wfsync.runtime.overrides import can_override
from wfsync.runtime.pause import DIRECTIONS, resume
from wfsync.state import Conflict, Failure, InboxStateError
from wfsync.state.lease import LeaseBusyError
from wfsync.web.context import Console
from wfsync.web.guard import check_csrf

__all__ = ["action_routes"]

log = logging.getLogger("wfsync.web")


def action_routes(c: Console) -> APIRouter:
    router = APIRouter(dependencies=[Depends(check_csrf)])
    store = c.store

    def failure_of(failure_id: int) -> Failure:
        found = [f for f in store.failures(status=None) if f.id == failure_id]
        if not found:
            raise HTTPException(status_code=404, detail="no such inbox entry")
        return found[0]

    def conflict_of(conflict_id: int) -> Conflict:
        found = [x for x in store.conflicts(include_acknowledged=True) if x.id == conflict_id]
        if not found:
            raise HTTPException(status_code=404, detail="no such conflict")
        return found[0]

    async def retry_here() -> None:
        """No runner is up: do the requested retries now (the engine takes the lease)."""
        try:
            async with c.engine() as engine:
                await process_requests(engine, overrides=False)
        except Exception:
            log.exception("console retry failed")

    def queue_retries(ids: list[int], background: BackgroundTasks) -> str:
        for failure_id in ids:
            store.add_request("retry", failure_id)
        if c.runner_active():
            return f"retry of {len(ids)} requested: the running `wfsync run` does it within seconds"
        background.add_task(retry_here)
        return f"retrying {len(ids)} now"

    @router.post("/inbox/{failure_id}/retry")
    def retry_one(failure_id: int, background: BackgroundTasks) -> Response:
        failure_of(failure_id)
        return c.back("/inbox", queue_retries([failure_id], background))

    @router.post("/inbox/retry")
    async def retry_many(request: Request, background: BackgroundTasks) -> Response:
        form = await request.form()
        chosen = [int(str(v)) for v in form.getlist("ids") if str(v).isdigit()]
        if form.get("all"):
            chosen = [f.id for f in store.failures(status="open")]
        if not chosen:
            return c.back("/inbox", "nothing selected")
        return c.back("/inbox", queue_retries(chosen, background))

    def change(failure_id: int, action: str) -> Response:
        failure = failure_of(failure_id)
        try:
            with c.leased(action):
                if action == "skip":
                    store.skip_failure(failure_id)
                else:
                    store.unskip_failure(failure_id)
        except (InboxStateError, LeaseBusyError) as exc:
            return c.back("/inbox", str(exc))
        what = "skipped by an admin" if action == "skip" else "back in the inbox"
        ids = {f"{failure.source}_id": failure.source_id}
        store.add_history(failure.kind, f"{action}ped", f"inbox entry {failure_id} {what}", **ids)
        if action == "skip":
            note = f"entry {failure_id} skipped: not retried until the record is edited"
        else:
            note = f"entry {failure_id} is open again: retried every cycle"
        return c.back("/inbox", note)

    @router.post("/inbox/{failure_id}/skip")
    def skip(failure_id: int) -> Response:
        return change(failure_id, "skip")

    @router.post("/inbox/{failure_id}/unskip")
    def unskip(failure_id: int) -> Response:
        return change(failure_id, "unskip")

    @router.post("/conflicts/{conflict_id}/apply-other")
    def apply_other(conflict_id: int) -> Response:
        conflict = conflict_of(conflict_id)
        if not can_override(conflict):
            note = f"{conflict.kind} {conflict.field} cannot be overruled here"
            return c.back("/conflicts", note)
        store.add_request("override", conflict_id)
        note = f"conflict {conflict_id}: the other value is written on the next cycle"
        return c.back("/conflicts", note)

    @router.post("/conflicts/{conflict_id}/acknowledge")
    def acknowledge(conflict_id: int) -> Response:
        conflict_of(conflict_id)
        store.acknowledge_conflict(conflict_id)
        return c.back("/conflicts", f"conflict {conflict_id}: kept as settled")

    @router.post("/resume/{direction}")
    def resume_direction(direction: str) -> Response:
        if direction not in (*DIRECTIONS, "all"):
            raise HTTPException(status_code=404, detail="no such direction")
        try:
            with c.leased("resume"):
                done = resume(store, c.clock.now(), None if direction == "all" else direction)
        except LeaseBusyError as exc:
            return c.back("/", str(exc))
        return c.back("/", f"resumed: {', '.join(done)}" if done else "nothing was paused")

    return router
