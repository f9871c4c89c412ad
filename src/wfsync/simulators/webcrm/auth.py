"""``POST /Auth/ApiLogin`` and bearer-token checks (reference §2, §11).

An application token (a GUID an admin creates in webCRM) is exchanged for a
one-hour access token. Expiry runs on the injected clock, so a test can jump
an hour ahead instead of waiting. Decisions where the reference is unsure
(docs/webcrm-simulator.md): an unknown ``authCode`` is a 401 whose body is a
``TokenResponseDto`` with ``IsError: true``; ``/Auth/ApiRefresh`` takes the
refresh token from the ``refreshToken`` header only (as the spec declares), and
a refresh token works once.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

from wfsync.clock import Clock
from wfsync.simulators.webcrm.errors import BadRequest, UnsupportedMediaType
from wfsync.simulators.webcrm.ratelimit import RateLimiter
from wfsync.simulators.webcrm.routing import Call, json_response

__all__ = ["ACCESS_TOKEN_LIFETIME", "ApplicationToken", "Authenticator"]

ACCESS_TOKEN_LIFETIME = 3600
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass(frozen=True)
class ApplicationToken:
    """An API key as configured in webCRM: its GUID and the name shown as …UpdatedBy."""

    code: str
    name: str


@dataclass(frozen=True)
class _Grant:
    application: ApplicationToken
    expires_at: datetime
    refresh_token: str


class Authenticator:
    """Issues and checks access tokens for the registered application tokens."""

    def __init__(self, clock: Clock, limiter: RateLimiter | None = None) -> None:
        self._clock = clock
        #: Logins count against their application token's quota like any other request.
        self._limiter = limiter
        self._applications: dict[str, ApplicationToken] = {}
        self._grants: dict[str, _Grant] = {}
        self._refresh: dict[str, ApplicationToken] = {}

    def add_application(self, code: str | None = None, name: str = "API wfsync") -> str:
        code = code or str(uuid.uuid4())
        self._applications[code.casefold()] = ApplicationToken(code, name)
        return code

    def revoke_access_tokens(self) -> None:
        """Forget every issued access token (a server restart; the next call is a 401)."""
        self._grants.clear()

    def authenticate(self, request: Request) -> ApplicationToken | Response:
        """The caller's application token, or the 401 to answer with."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _unauthorized("Bearer")
        grant = self._grants.get(token.strip())
        if grant is None:
            return _unauthorized('Bearer error="invalid_token"')
        if self._clock.now() >= grant.expires_at:
            expired = grant.expires_at.strftime("%m/%d/%Y %H:%M:%S")
            return _unauthorized(
                f'Bearer error="invalid_token", '
                f"error_description=\"The token expired at '{expired}'\""
            )
        return grant.application

    async def api_login(self, call: Call) -> Response:
        form = await _form(call.request)
        code = _field(form, "authCode")
        application = self._applications.get(code.strip().casefold())
        if application is None:
            return json_response(
                _token_response(None, error="invalid_grant", description="Invalid authCode."),
                status=401,
            )
        throttled = self._limiter.admit(application.code) if self._limiter else None
        if throttled is not None:
            return throttled
        return json_response(_token_response(self._issue(application)))

    async def api_refresh(self, call: Call) -> Response:
        presented = call.request.headers.get("refreshToken", "")
        if not presented:
            raise BadRequest("The refreshToken header is required.")
        application = self._refresh.pop(presented, None)
        if application is None:
            return json_response(
                _token_response(None, error="invalid_grant", description="Invalid refresh token."),
                status=401,
            )
        return json_response(_token_response(self._issue(application)))

    def _issue(self, application: ApplicationToken) -> tuple[str, str]:
        expires = self._clock.now() + timedelta(seconds=ACCESS_TOKEN_LIFETIME)
        access = _jwt(application, expires)
        refresh = secrets.token_hex(32)
        self._grants[access] = _Grant(application, expires, refresh)
        self._refresh[refresh] = application
        return access, refresh


async def _form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in _FORM_TYPES:
        raise UnsupportedMediaType(
            f"Content type '{content_type or '(none)'}' is not supported; "
            "send authCode as a form field."
        )
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _field(form: dict[str, str], name: str) -> str:
    for key, value in form.items():
        if key.casefold() == name.casefold() and value.strip():
            return value
    raise BadRequest(f"The {name} field is required.")


def _token_response(
    tokens: tuple[str, str] | None, *, error: str | None = None, description: str | None = None
) -> dict[str, object]:
    access, refresh = tokens if tokens else (None, None)
    return {
        "AccessToken": access,
        "RefreshToken": refresh,
        "Error": error,
        "ErrorDescription": description,
        "IsError": tokens is None,
        "ExpiresIn": ACCESS_TOKEN_LIFETIME if tokens else 0,
        "TokenType": "Bearer" if tokens else None,
    }


def _unauthorized(challenge: str) -> Response:
    return Response(b"", status_code=401, headers={"WWW-Authenticate": challenge})


def _b64(data: dict[str, object]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _jwt(application: ApplicationToken, expires: datetime) -> str:
    """A JWT-shaped opaque token (clients must not need to decode it)."""
    header = _b64({"alg": "HS256", "typ": "JWT"})
    payload = _b64(
        {"sub": application.name, "exp": int(expires.timestamp()), "jti": uuid.uuid4().hex}
    )
    signature = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    return f"{header}.{payload}.{signature}"
