"""The status page: what `wfsync status` and `wfsync conflicts` show, in a browser.

Read-only on purpose: it opens the state store per request, so it can run next
to `wfsync run` (SQLite in WAL mode, or PostgreSQL) without holding locks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from starlette.requests import Request

from wfsync.cli.status_view import collect_status
from wfsync.state import StateStore

__all__ = ["create_app"]

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def _conflicts(store: StateStore) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "kind": c.kind,
            "webcrm_id": c.webcrm_id,
            "fortnox_id": c.fortnox_id,
            "field": c.field,
            "base": c.base_value,
            "webcrm": c.webcrm_value,
            "fortnox": c.fortnox_value,
            "winner": c.winner,
            "value": c.resolved_value,
            "rule": c.rule,
            "at": c.created_at.isoformat() if c.created_at else None,
        }
        for c in store.conflicts()
    ]


def create_app(state_url: str) -> FastAPI:
    app = FastAPI(title="wfsync", docs_url=None, redoc_url=None)

    def snapshot() -> dict[str, Any]:
        store = StateStore.open(state_url)
        try:
            status = collect_status(store)
            status["conflicts"] = _conflicts(store)
            return status
        finally:
            store.close()

    @app.get("/", response_class=HTMLResponse)
    def page(request: Request) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, "status.html", {"status": snapshot()})

    @app.get("/api/status")
    def api_status() -> JSONResponse:
        return JSONResponse(_jsonable(snapshot()))

    return app


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, default=str))
