"""The operator's console: see and fix what the sync did, from a browser.

Served by `wfsync serve` and by `wfsync run --serve`. Pages are plain HTML
forms (readable and usable without JavaScript; htmx, vendored, only refreshes
the inbox while a retry is on its way). Every change is a POST carrying the
session's CSRF token; see :mod:`wfsync.web.guard` for the front door.

The console usually runs beside `wfsync run` in another process, so it changes
nothing itself that a cycle could race: "retry now" and "apply the other value"
are requests in the state store. A running runner picks retries up within
seconds; when no runner holds the instance lock, the console does the retry
itself, under the writer lease. Overrides wait for the next cycle.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import BackgroundTasks, Depends, FastAPI, Form, HTTPException
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import Response

from wfsync.clock import Clock, SystemClock
from wfsync.config import Settings
from wfsync.http.errors import WfsyncError
from wfsync.runtime.admin_requests import process_requests
from wfsync.runtime.alerts import active_alerts
from wfsync.runtime.overrides import can_override
from wfsync.runtime.pause import DIRECTIONS, resume
from wfsync.state import InboxStateError, InstanceLock, StateStore
from wfsync.state.lease import LeaseBusyError, describe_holder, writer_lease
from wfsync.state.records import StateError
from wfsync.sync.engine import SyncEngine
from wfsync.web import queries
from wfsync.web.auth import PASSWORD_KEY, LoginThrottle, Session, Sessions, verify_password
from wfsync.web.guard import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    allowed_hosts,
    check_csrf,
    front_door,
)
from wfsync.web.live import read_now
from wfsync.web.names import look_up_names, unnamed

__all__ = ["EngineFactory", "create_app"]

log = logging.getLogger("wfsync.web")

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
EngineFactory = Callable[[], AbstractAsyncContextManager[SyncEngine]]
CSRF = Depends(check_csrf)
KINDS = ("customer", "article", "delivery")
#: A button waits at most this long for a running cycle to let go of the writer lease.
ACTION_WAIT = 10.0


def local_path(target: str) -> str:
    """Where to go after login: a path on this console only (never ``//elsewhere``)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    engine_factory: EngineFactory | None = None,
    login_token: str | None = None,
    bound_host: str = "127.0.0.1",
    secure_cookies: bool = False,
) -> FastAPI:
    """The console for the state store of ``settings``.

    ``login_token``: a one-time token for ``/login?token=…`` (printed by `wfsync
    serve` when no password is set). ``engine_factory`` opens a sync engine for
    retries done by the console itself (tests pass one wired to the simulators).
    """
    clock = clock or SystemClock()
    url = settings.state.url
    store = StateStore.open(url, clock=clock)
    sessions = Sessions(clock, login_token=login_token)
    throttle = LoginThrottle(clock)
    factory = engine_factory or (
        lambda: SyncEngine.open(
            settings, clock=clock, holder=describe_holder("wfsync serve (console)")
        )
    )
    lease_wait = min(settings.state.lease_wait_seconds, ACTION_WAIT)

    @contextmanager
    def leased(action: str) -> Iterator[None]:
        """A store-only change under the writer lease, like the CLI's `skip`."""
        with writer_lease(store, describe_holder(f"wfsync serve ({action})"), wait=lease_wait):
            yield

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            store.close()

    app = FastAPI(
        title="wfsync console", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.middleware("http")(
        front_door(sessions, allowed_hosts(settings.web.allowed_hosts, bound_host))
    )
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def password_hash() -> str | None:
        configured = settings.web.admin_password_hash.get_secret_value()
        stored = store.get_value(PASSWORD_KEY)
        return configured or (stored if isinstance(stored, str) else None)

    def render(request: Request, template: str, **context: Any) -> HTMLResponse:
        session: Session | None = getattr(request.state, "session", None)
        base = {
            "csrf": session.csrf if session else "",
            "note": request.query_params.get("note"),
            "alerts": active_alerts(store) if session else [],
            "path": request.url.path,
            "no_password": password_hash() is None,
        }
        return TEMPLATES.TemplateResponse(request, template, {**base, **context})

    def back(to: str, note: str) -> RedirectResponse:
        return RedirectResponse(f"{to}?{urlencode({'note': note})}", status_code=303)

    # ---- login ----------------------------------------------------------------

    def start_session(target: str) -> RedirectResponse:
        key, _ = sessions.create()
        response = RedirectResponse(local_path(target), status_code=303)
        response.set_cookie(
            SESSION_COOKIE, key, httponly=True, samesite="strict", secure=secure_cookies, path="/"
        )
        response.delete_cookie(LOGIN_COOKIE, path="/login")
        return response

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/", token: str = "") -> Response:
        if token:
            if sessions.use_login_token(token):
                return start_session(next)
            return login_form(request, next, "That login link has been used or is wrong.", 403)
        return login_form(request, next, None, 200)

    def login_form(request: Request, next_: str, error: str | None, status: int) -> Response:
        # Reuse the nonce this browser already holds: a second tab or a favicon
        # request sent to /login must not invalidate the form already on screen.
        nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
        response = render(request, "login.html", next=next_, error=error, login_csrf=nonce)
        response.status_code = status
        response.set_cookie(
            LOGIN_COOKIE,
            nonce,
            httponly=True,
            samesite="strict",
            secure=secure_cookies,
            path="/login",
        )
        return response

    @app.post("/login", response_class=HTMLResponse)
    def login(
        request: Request,
        password: str = Form(""),
        csrf: str = Form(""),
        next: str = Form("/"),
    ) -> Response:
        client = request.client.host if request.client else "?"
        if not csrf or csrf != request.cookies.get(LOGIN_COOKIE):
            raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
        if throttle.blocked(client):
            return login_form(request, next, "Too many attempts; wait a few minutes.", 429)
        stored = password_hash()
        if stored is None or not verify_password(password, stored):
            throttle.failed(client)
            why = "Wrong password." if stored else "No password is set: use the login link."
            return login_form(request, next, why, 401)
        throttle.succeeded(client)
        return start_session(next)

    @app.post("/logout", dependencies=[CSRF])
    def logout(request: Request) -> Response:
        sessions.end(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # ---- pages ----------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def overview_page(request: Request) -> Response:
        return render(request, "overview.html", o=queries.overview(store, settings, clock.now()))

    @app.get("/inbox", response_class=HTMLResponse)
    async def inbox_page(request: Request, status: str = "open") -> Response:
        if status not in ("open", "skipped", "resolved"):
            status = "open"
        nameless = unnamed(store, store.failures(status))
        if nameless:
            try:
                async with factory() as engine:
                    await look_up_names(engine, nameless)
            except WfsyncError as exc:
                log.info("cannot look up names for the inbox: %s", exc)
        rows = queries.inbox_rows(store, settings, status)
        return render(
            request,
            "inbox.html",
            rows=rows,
            status=status,
            pending=any(r["retry_pending"] for r in rows),
        )

    @app.get("/conflicts", response_class=HTMLResponse)
    def conflicts_page(request: Request, all: int = 0) -> Response:
        rows = queries.conflict_rows(store, settings, everything=bool(all))
        return render(request, "conflicts.html", rows=rows, everything=bool(all))

    @app.get("/records", response_class=HTMLResponse)
    def records_page(request: Request, q: str = "", kind: str = "") -> Response:
        rows = queries.search_records(store, q, kind or None) if q or kind else []
        return render(
            request,
            "records.html",
            rows=rows,
            q=q,
            kind=kind,
            kinds=KINDS,
            searched=bool(q or kind),
        )

    @app.get("/records/{kind}/{link_id}", response_class=HTMLResponse)
    async def record_page(request: Request, kind: str, link_id: int) -> Response:
        record = queries.record_detail(store, settings, kind, link_id) if kind in KINDS else None
        if record is None:
            raise HTTPException(status_code=404, detail="no such record")
        try:
            async with factory() as engine:
                now = await read_now(engine, kind, record["webcrm_id"], record["fortnox_id"])
        except WfsyncError as exc:
            now = {"error": str(exc)}
        return render(request, "record.html", r=record, now=now)

    @app.get("/runs", response_class=HTMLResponse)
    def runs_page(request: Request) -> Response:
        return render(request, "runs.html", rows=queries.run_rows(store))

    @app.get("/settings", response_class=HTMLResponse)
    def settings_page(request: Request) -> Response:
        return render(request, "settings.html", rows=queries.settings_rows(settings))

    @app.get("/api/status")
    def api_status() -> JSONResponse:
        now = clock.now()
        return JSONResponse(
            _jsonable(
                {
                    "overview": queries.overview(store, settings, now),
                    "errors": queries.inbox_rows(store, settings),
                    "conflicts": queries.conflict_rows(store, settings, everything=False),
                }
            )
        )

    # ---- actions --------------------------------------------------------------

    def runner_active() -> bool:
        lock = InstanceLock(url)
        try:
            if lock.acquire():
                lock.release()
                return False
        except StateError:
            return True
        return True

    async def retry_here() -> None:
        """No runner is up: do the requested retries now, under the writer lease."""
        try:
            async with factory() as engine:
                await process_requests(engine, overrides=False)
        except Exception:
            log.exception("console retry failed")

    def queue_retries(ids: list[int], background: BackgroundTasks) -> str:
        for failure_id in ids:
            store.add_request("retry", failure_id)
        if runner_active():
            return f"retry of {len(ids)} requested: the running `wfsync run` does it within seconds"
        background.add_task(retry_here)
        return f"retrying {len(ids)} now"

    @app.post("/inbox/{failure_id}/retry", dependencies=[CSRF])
    def retry_one(failure_id: int, background: BackgroundTasks) -> Response:
        return back("/inbox", queue_retries([failure_id], background))

    @app.post("/inbox/retry", dependencies=[CSRF])
    async def retry_many(request: Request, background: BackgroundTasks) -> Response:
        form = await request.form()
        chosen = [int(str(v)) for v in form.getlist("ids") if str(v).isdigit()]
        if form.get("all"):
            chosen = [f.id for f in store.failures(status="open")]
        if not chosen:
            return back("/inbox", "nothing selected")
        return back("/inbox", queue_retries(chosen, background))

    @app.post("/inbox/{failure_id}/skip", dependencies=[CSRF])
    def skip(failure_id: int) -> Response:
        failure = _failure(failure_id)
        try:
            with leased("skip"):
                store.skip_failure(failure_id)
        except (InboxStateError, LeaseBusyError) as exc:
            return back("/inbox", str(exc))
        store.add_history(
            failure.kind,
            "skipped",
            f"inbox entry {failure_id} skipped by an admin",
            **{f"{failure.source}_id": failure.source_id},
        )
        return back("/inbox", f"entry {failure_id} skipped: it will not be retried")

    @app.post("/inbox/{failure_id}/unskip", dependencies=[CSRF])
    def unskip(failure_id: int) -> Response:
        failure = _failure(failure_id)
        try:
            with leased("unskip"):
                store.unskip_failure(failure_id)
        except (InboxStateError, LeaseBusyError) as exc:
            return back("/inbox", str(exc))
        store.add_history(
            failure.kind,
            "unskipped",
            f"inbox entry {failure_id} back in the inbox",
            **{f"{failure.source}_id": failure.source_id},
        )
        return back("/inbox", f"entry {failure_id} is back: retried every cycle")

    def _failure(failure_id: int) -> Any:
        found = [f for f in store.failures(status=None) if f.id == failure_id]
        if not found:
            raise HTTPException(status_code=404, detail="no such inbox entry")
        return found[0]

    @app.post("/conflicts/{conflict_id}/apply-other", dependencies=[CSRF])
    def apply_other(conflict_id: int) -> Response:
        conflict = _conflict(conflict_id)
        if not can_override(conflict):
            return back("/conflicts", f"{conflict.kind} {conflict.field} cannot be overruled here")
        store.add_request("override", conflict_id)
        return back(
            "/conflicts", f"conflict {conflict_id}: the other value is written on the next cycle"
        )

    @app.post("/conflicts/{conflict_id}/acknowledge", dependencies=[CSRF])
    def acknowledge(conflict_id: int) -> Response:
        _conflict(conflict_id)
        store.acknowledge_conflict(conflict_id)
        return back("/conflicts", f"conflict {conflict_id}: kept as settled")

    def _conflict(conflict_id: int) -> Any:
        found = [c for c in store.conflicts(include_acknowledged=True) if c.id == conflict_id]
        if not found:
            raise HTTPException(status_code=404, detail="no such conflict")
        return found[0]

    @app.post("/resume/{direction}", dependencies=[CSRF])
    def resume_direction(direction: str) -> Response:
        if direction not in (*DIRECTIONS, "all"):
            raise HTTPException(status_code=404, detail="no such direction")
        try:
            with leased("resume"):
                done = resume(store, clock.now(), None if direction == "all" else direction)
        except LeaseBusyError as exc:
            return back("/", str(exc))
        return back("/", f"resumed: {', '.join(done)}" if done else "nothing was paused")

    return app
