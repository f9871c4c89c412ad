"""webCRM access tokens: ``POST /Auth/ApiLogin`` with the application token.

The application token (``[webcrm] auth_code``) never expires; the access token
it buys lives one hour (reference §2). We log in lazily, renew *before* expiry
on the injected clock (at 55 minutes for the usual 3600 s) so that a long sync
never meets a 401 mid-run, and renew on a 401 anyway — webCRM has been seen to
answer spurious 401s under parallel load. Renewal is serialised: when twenty
tasks find the token stale at once, one logs in and nineteen reuse its token.

``/Auth/ApiRefresh`` exists but its parameter placement is disputed; re-running
ApiLogin is always possible, so we never use refresh tokens.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from wfsync.clock import Clock
from wfsync.http.core import HttpCore, RequestOptions
from wfsync.http.errors import (
    ApiError,
    AuthError,
    ConfigError,
    RateLimitError,
    ServerError,
    TransportError,
)
from wfsync.webcrm.errors import SYSTEM, error_message

__all__ = ["LOGIN_PATH", "AccessToken", "ApiLoginAuth"]

log = logging.getLogger("wfsync.webcrm.auth")

LOGIN_PATH = "Auth/ApiLogin"
DEFAULT_LIFETIME = 3600.0
#: Renew this long before expiry (capped at 10 % of a short lifetime).
RENEW_MARGIN = 300.0


@dataclass(frozen=True)
class AccessToken:
    value: str
    #: ``clock.monotonic()`` after which we log in again before sending.
    renew_at: float

    @property
    def header(self) -> str:
        return f"Bearer {self.value}"


def _lifetime(value: Any) -> float:
    """``ExpiresIn`` in seconds (a number or numeric text); 3600 when absent or odd."""

    if isinstance(value, bool):
        return DEFAULT_LIFETIME
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return DEFAULT_LIFETIME
    return seconds if seconds > 0 else DEFAULT_LIFETIME


class ApiLoginAuth:
    """The :class:`~wfsync.http.core.AuthHook` for webCRM.

    Attach the :class:`HttpCore` it logs in through with :meth:`attach` (the core
    needs the hook and the hook needs the core). Logins go through the core too,
    so they are paced by the same limiter (they count against the 250/min) and
    retried on 5xx like any idempotent call.
    """

    def __init__(self, auth_code: SecretStr, clock: Clock) -> None:
        self._auth_code = auth_code
        self._clock = clock
        self._core: HttpCore | None = None
        self._token: AccessToken | None = None
        self._lock = asyncio.Lock()
        #: Successful logins so far (tests and the status page read it).
        self.logins = 0
        #: Login requests sent, successful or not (excluded from write counts).
        self.login_requests = 0

    def attach(self, core: HttpCore) -> None:
        self._core = core

    def _due(self) -> bool:
        return self._token is None or self._clock.monotonic() >= self._token.renew_at

    async def authorization(self) -> str:
        if self._due():
            async with self._lock:
                if self._due():  # another task may have logged in while we waited
                    await self._login()
        assert self._token is not None
        return self._token.header

    async def on_unauthorized(self, rejected: str) -> None:
        async with self._lock:
            if self._token is None or self._token.header == rejected:
                log.info("webCRM rejected the access token; logging in again")
                await self._login()

    def invalidate(self) -> None:
        """Forget the access token; the next request logs in again."""

        self._token = None

    async def _login(self) -> None:
        if self._core is None:
            raise RuntimeError("ApiLoginAuth.attach(core) was not called")
        code = self._auth_code.get_secret_value().strip()
        if not code:
            raise ConfigError("[webcrm] auth_code: not set (create an API token in webCRM)")
        self.login_requests += 1
        try:
            response = await self._core.request(
                "POST",
                LOGIN_PATH,
                data={"authCode": code},
                options=RequestOptions(authenticated=False),
            )
        except (ServerError, TransportError, RateLimitError):
            raise  # webCRM unreachable or throttling: not a credentials problem
        except ApiError as exc:
            raise AuthError(
                f"webCRM login failed: {exc.message}",
                system=SYSTEM,
                status=exc.status,
                body=exc.body,
                method="POST",
                url=LOGIN_PATH,
            ) from None
        try:
            body: Any = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        self._token = self._token_from(body, response.status_code)
        self.logins += 1

    def _token_from(self, body: Any, status: int) -> AccessToken:
        if not isinstance(body, dict):
            raise self._failure("no token in the answer", status, body)
        value = body.get("AccessToken")
        if body.get("IsError") is True or not isinstance(value, str) or not value.strip():
            said = error_message(body, status)
            reason = "no AccessToken in the answer" if said.startswith("HTTP ") else said
            raise self._failure(reason, status, body)
        seconds = _lifetime(body.get("ExpiresIn"))
        margin = min(RENEW_MARGIN, seconds * 0.1)
        return AccessToken(value.strip(), self._clock.monotonic() + seconds - margin)

    @staticmethod
    def _failure(reason: str, status: int, body: Any) -> AuthError:
        if isinstance(body, dict):
            body = {k: v for k, v in body.items() if k not in ("AccessToken", "RefreshToken")}
        return AuthError(
            f"webCRM login failed: {reason} (check [webcrm] auth_code)",
            system=SYSTEM,
            status=status,
            body=body,
            method="POST",
            url=LOGIN_PATH,
        )
