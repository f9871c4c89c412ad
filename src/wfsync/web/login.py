"""``/login`` and ``/logout``: password or one-time link in, a strict session cookie out."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Form, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.requests import Request
from starlette.responses import Response

from wfsync.web.auth import verify_password
from wfsync.web.context import Console
from wfsync.web.guard import LOGIN_COOKIE, SESSION_COOKIE, check_csrf

__all__ = ["local_path", "login_routes"]


def local_path(target: str) -> str:
    """Where to go after login: a path on this console only (never ``//elsewhere``)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def login_routes(c: Console) -> APIRouter:
    router = APIRouter()

    def start_session(target: str) -> RedirectResponse:
        key, _ = c.sessions.create()
        response = RedirectResponse(local_path(target), status_code=303)
        response.set_cookie(
            SESSION_COOKIE, key, httponly=True, samesite="strict", secure=c.secure_cookies, path="/"
        )
        response.delete_cookie(LOGIN_COOKIE, path="/login")
        return response

    def login_form(request: Request, next_: str, error: str | None, status: int) -> Response:
        # Reuse the nonce this browser already holds: a second tab or a favicon
        # request sent to /login must not invalidate the form already on screen.
        nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
        response = c.render(request, "login.html", next=next_, error=error, login_csrf=nonce)
        response.status_code = status
        response.set_cookie(
            LOGIN_COOKIE,
            nonce,
            httponly=True,
            samesite="strict",
            secure=c.secure_cookies,
            path="/login",
        )
        return response

    @router.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/", token: str = "") -> Response:
        if token:
            if c.sessions.use_login_token(token):
                return start_session(next)
            return login_form(request, next, "That login link has been used or is wrong.", 403)
        return login_form(request, next, None, 200)

    @router.post("/login", response_class=HTMLResponse)
    def login(
        request: Request,
        password: str = Form(""),
        csrf: str = Form(""),
        next: str = Form("/"),
    ) -> Response:
        client = request.client.host if request.client else "?"
        if not csrf or csrf != request.cookies.get(LOGIN_COOKIE):
            raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
        if c.throttle.blocked(client):
            return login_form(request, next, "Too many attempts; wait a few minutes.", 429)
        stored = c.password_hash()
        if stored is None or not verify_password(password, stored):
            c.throttle.failed(client)
            why = "Wrong password." if stored else "No password is set: use the login link."
            return login_form(request, next, why, 401)
        c.throttle.succeeded(client)
        return start_session(next)

    @router.post("/logout", dependencies=[Depends(check_csrf)])
    def logout(request: Request) -> Response:
        c.sessions.end(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return router
