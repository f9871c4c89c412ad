"""The console's pages (GET only: reading never changes anything)."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.requests import Request
from starlette.responses import Response

from wfsync.http.errors import WfsyncError
from wfsync.web import queries
from wfsync.web.context import KINDS, Console
from wfsync.web.live import read_now
from wfsync.web.names import look_up_names, unnamed

__all__ = ["page_routes"]

log = logging.getLogger("wfsync.web")


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def page_routes(c: Console) -> APIRouter:
    router = APIRouter()
    store, settings = c.store, c.settings

    @router.get("/", response_class=HTMLResponse)
    def overview_page(request: Request) -> Response:
        return c.render(
            request, "overview.html", o=queries.overview(store, settings, c.clock.now())
        )

    @router.get("/inbox", response_class=HTMLResponse)
    async def inbox_page(request: Request, status: str = "open") -> Response:
        if status not in ("open", "skipped", "resolved"):
            status = "open"
        nameless = unnamed(store, store.failures(status))
        if nameless:
            try:
                async with c.engine() as engine:
                    await look_up_names(engine, nameless)
            except WfsyncError as exc:
                log.info("cannot look up names for the inbox: %s", exc)
        rows = queries.inbox_rows(store, settings, status)
        pending = any(r["retry_pending"] for r in rows)
        return c.render(request, "inbox.html", rows=rows, status=status, pending=pending)

    @router.get("/conflicts", response_class=HTMLResponse)
    def conflicts_page(request: Request, all: int = 0) -> Response:
        rows = queries.conflict_rows(store, settings, everything=bool(all))
        return c.render(request, "conflicts.html", rows=rows, everything=bool(all))

    @router.get("/records", response_class=HTMLResponse)
    def records_page(request: Request, q: str = "", kind: str = "") -> Response:
        rows = queries.search_records(store, q, kind or None) if q or kind else []
        return c.render(
            request,
            "records.html",
            rows=rows,
            q=q,
            kind=kind,
            kinds=KINDS,
            searched=bool(q or kind),
        )

    @router.get("/records/{kind}/{link_id}", response_class=HTMLResponse)
    async def record_page(request: Request, kind: str, link_id: int) -> Response:
        record = queries.record_detail(store, settings, kind, link_id) if kind in KINDS else None
        if record is None:
            raise HTTPException(status_code=404, detail="no such record")
        try:
            async with c.engine() as engine:
                now = await read_now(engine, kind, record["webcrm_id"], record["fortnox_id"])
        except WfsyncError as exc:
            now = {"error": str(exc)}
        return c.render(request, "record.html", r=record, now=now)

    @router.get("/runs", response_class=HTMLResponse)
    def runs_page(request: Request) -> Response:
        return c.render(request, "runs.html", rows=queries.run_rows(store))

    @router.get("/settings", response_class=HTMLResponse)
    def settings_page(request: Request) -> Response:
        return c.render(request, "settings.html", rows=queries.settings_rows(settings))

    @router.get("/api/status")
    def api_status() -> JSONResponse:
        status = {
            "overview": queries.overview(store, settings, c.clock.now()),
            "errors": queries.inbox_rows(store, settings),
            "conflicts": queries.conflict_rows(store, settings, everything=False),
        }
        return JSONResponse(_jsonable(status))

    return router
