"""The cluster's console: every tenant's console behind one login, with a picker.

``wfsync serve`` with the cluster's config and no ``--tenant`` serves this. Each
tenant gets the ordinary console (:func:`wfsync.web.create_app`) on its own
state, made on first use; all of them share one set of sessions, so one login
covers every tenant. Which tenant a browser sees is a cookie, chosen at
``/tenants`` (a POST with the session's CSRF token, so another site cannot
switch it); every page names the tenant in its header. The password is the
cluster's ``[web] admin_password_hash`` or the one set with ``wfsync --config
cluster.toml web set-password`` (else a one-time token printed at start); a
tenant's own stored password opens nothing here.
"""

from __future__ import annotations

import asyncio
from html import escape
from typing import Any, Final

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import SecretStr

from wfsync.clock import SystemClock
from wfsync.cluster.overview import TenantHealth, overview
from wfsync.cluster.tenants import Tenants
from wfsync.config import Settings
from wfsync.web import create_app
from wfsync.web.auth import PASSWORD_KEY, Sessions
from wfsync.web.guard import allowed_hosts, check_csrf, front_door

__all__ = ["TENANT_COOKIE", "ClusterConsole", "cluster_password_hash"]

TENANT_COOKIE: Final = "wfsync_tenant"


class ClusterConsole:
    """An ASGI app: ``/tenants`` is the picker, everything else the chosen tenant's console."""

    def __init__(
        self,
        tenants: Tenants,
        cluster: Settings,
        *,
        bound_host: str = "127.0.0.1",
        login_token: str | None = None,
    ) -> None:
        self.tenants = tenants
        self.cluster = cluster
        self.bound_host = bound_host
        self.sessions = Sessions(SystemClock(), login_token=login_token)
        self._consoles: dict[str, FastAPI] = {}
        self.picker = self._picker()

    def password_hash(self) -> str | None:
        return cluster_password_hash(self.tenants, self.cluster)

    def names(self) -> list[str]:
        return [t.name for t in self.tenants.list()]

    def console(self, name: str) -> FastAPI:
        app = self._consoles.get(name)
        if app is None:
            settings = self.tenants.settings_for(name)
            web = self.cluster.web.model_copy()  # one password, one host list for all
            web.admin_password_hash = SecretStr(self.password_hash() or "")
            settings.web = web
            app = create_app(
                settings,
                sessions=self.sessions,
                tenant=name,
                bound_host=self.bound_host,
                stored_password=False,  # a tenant's own password must not open every tenant
            )
            self._consoles[name] = app
        return app

    def _picker(self) -> FastAPI:
        app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
        hosts = allowed_hosts(self.cluster.web.allowed_hosts, self.bound_host)
        app.middleware("http")(front_door(self.sessions, hosts))

        @app.get("/tenants", response_class=HTMLResponse)
        async def pick(request: Request) -> HTMLResponse:
            csrf = escape(request.state.session.csrf)
            current = request.cookies.get(TENANT_COOKIE)
            health = await asyncio.to_thread(overview, self.tenants)
            rows = "".join(_row(h, csrf, h.name == current) for h in health)
            empty = '<tr><td colspan="6">no tenants yet</td></tr>'
            return HTMLResponse(
                '<!doctype html><html lang="en"><head><meta charset="utf-8">'
                "<title>Tenants · wfsync console</title>"
                '<link rel="stylesheet" href="/static/console.css"></head><body><main>'
                f"<h1>Tenants</h1><p>{_summary(health)}</p>"
                '<table class="tenants"><thead><tr><th>Tenant</th><th>State</th>'
                "<th>webCRM run</th><th>Fortnox run</th><th>Inbox</th><th>Note</th></tr>"
                f"</thead><tbody>{rows or empty}</tbody></table></main></body></html>"
            )

        @app.post("/tenants", dependencies=[Depends(check_csrf)])
        async def choose(tenant: str = Form(...)) -> RedirectResponse:
            if tenant not in self.names():
                return RedirectResponse("/tenants", status_code=303)
            response = RedirectResponse("/", status_code=303)
            response.set_cookie(TENANT_COOKIE, tenant, httponly=True, samesite="strict", path="/")
            return response

        return app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            while message["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
                message = await receive()
            for app in self._consoles.values():
                await _shutdown(app)
            await send({"type": "lifespan.shutdown.complete"})
            return
        path = scope.get("path", "")
        if path == "/tenants" or path.startswith("/tenants/"):
            await self.picker(scope, receive, send)
            return
        names = self.names()
        if not names:
            await self.picker(dict(scope, path="/tenants"), receive, send)
            return
        chosen = Request(scope).cookies.get(TENANT_COOKIE)
        await self.console(chosen if chosen in names else names[0])(scope, receive, send)


def _row(health: TenantHealth, csrf: str, shown: bool) -> str:
    """One tenant's line of the overview; its name is the button that opens its console."""
    name = escape(health.name)
    runs = [health.last_runs.get(d) for d in ("webcrm", "fortnox")]
    cells = "".join(
        f"<td>{escape(r.status)} {r.started_at:%Y-%m-%d %H:%M}"
        f"{' · ' + escape(r.worker) if r.worker else ''}</td>"
        if r
        else "<td>-</td>"
        for r in runs
    )
    note = health.error or "; ".join(f"{d} paused: {why}" for d, why in health.paused.items())
    return (
        f'<tr data-tenant="{name}" data-state="{health.state}"><td>'
        f'<form method="post" action="/tenants"><input type="hidden" name="csrf" value="{csrf}">'
        f'<button name="tenant" value="{name}">{name}</button>'
        f"{' (shown now)' if shown else ''}</form></td>"
        f"<td>{health.state}</td>{cells}<td>{health.open_failures}</td>"
        f"<td>{escape(note)}</td></tr>"
    )


def _summary(health: list[TenantHealth]) -> str:
    """The count of each state, most urgent first ("3 tenant(s): 1 paused, 2 ok")."""
    counts: dict[str, int] = {}
    for h in health:
        counts[h.state] = counts.get(h.state, 0) + 1
    parts = ", ".join(f"{n} {state}" for state, n in counts.items())
    return f"{len(health)} tenant(s){': ' + parts if parts else ''}"


def cluster_password_hash(tenants: Tenants, cluster: Settings) -> str | None:
    """The cluster's ``[web] admin_password_hash``, else the one `wfsync --config
    cluster.toml web set-password` stored in the cluster's own state."""
    configured = cluster.web.admin_password_hash.get_secret_value()
    stored = tenants.store.get_value(PASSWORD_KEY)
    return configured or (stored if isinstance(stored, str) else None)


async def _shutdown(app: FastAPI) -> None:
    """Run a tenant console's lifespan end (closes its state store)."""
    context = app.router.lifespan_context(app)
    try:
        await context.__aenter__()
    finally:
        await context.__aexit__(None, None, None)
