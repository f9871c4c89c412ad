"""The console's front door: Host header check, login required, CSRF on every POST.

* **Host**: a request whose ``Host`` is not in ``[web] allowed_hosts`` (default:
  the bound host and localhost) is refused with 400 before anything else, so a
  page elsewhere cannot reach the console by DNS rebinding.
* **Login**: without a valid session, a page request is sent to ``/login`` and
  anything else (API, POST) answers 401 — never data. Only ``/login`` and the
  vendored static files are open.
* **CSRF**: every POST carries the session's token (form field ``csrf`` or
  header ``X-CSRF-Token``); the login form uses a double-submit cookie.
"""

from __future__ import annotations

import hmac
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Final
from urllib.parse import quote

from fastapi import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from wfsync.web.auth import Session, Sessions

__all__ = [
    "LOGIN_COOKIE",
    "SESSION_COOKIE",
    "allowed_hosts",
    "check_csrf",
    "front_door",
    "is_loopback",
]

SESSION_COOKIE: Final = "wfsync_session"
LOGIN_COOKIE: Final = "wfsync_login"
OPEN_PATHS: Final = ("/login", "/static/")
LOOPBACK: Final = frozenset({"127.0.0.1", "localhost", "::1"})


def is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


def allowed_hosts(configured: Iterable[str], bound_host: str) -> frozenset[str]:
    hosts = {h.strip().lower() for h in configured if h.strip()}
    if hosts:
        return frozenset(hosts)
    hosts = {"localhost", "127.0.0.1", "::1", bound_host.lower()}
    if bound_host in ("0.0.0.0", "::", ""):
        hosts.add(socket.gethostname().lower())
    return frozenset(hosts)


def _host_of(header: str) -> str:
    header = header.strip().lower()
    if header.startswith("["):  # [::1]:8080
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def _hardened(response: Response) -> Response:
    """No framing (clickjacking), no caching of customer data, no referrer leaks."""
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def session_of(request: Request, sessions: Sessions) -> Session | None:
    return sessions.get(request.cookies.get(SESSION_COOKIE))


def front_door(
    sessions: Sessions, hosts: frozenset[str]
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    async def middleware(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if _host_of(request.headers.get("host", "")) not in hosts:
            return PlainTextResponse(
                "Host not allowed: add it to [web] allowed_hosts", status_code=400
            )
        path = request.url.path
        if path == "/login" or path.startswith("/static/"):
            return _hardened(await call_next(request))
        session = session_of(request, sessions)
        if session is None:
            wants_page = request.method == "GET" and not path.startswith("/api/")
            if wants_page:
                return RedirectResponse(f"/login?next={quote(path)}", status_code=303)
            return PlainTextResponse("login required", status_code=401)
        request.state.session = session
        return _hardened(await call_next(request))

    return middleware


async def check_csrf(request: Request) -> None:
    """Dependency of every POST route: the session's CSRF token must come with it."""
    session: Session | None = getattr(request.state, "session", None)
    form = await request.form()
    sent = request.headers.get("x-csrf-token") or str(form.get("csrf") or "")
    if session is None or not sent or not hmac.compare_digest(sent, session.csrf):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
