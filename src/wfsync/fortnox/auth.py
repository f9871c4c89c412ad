"""Fortnox OAuth2: consent URL, code exchange, rotating refresh, client credentials.

The dangerous part is the refresh token: single use, rotated on every refresh
(reference §2.4). Two tasks — or two worker processes — that refresh with the
same token lock the integration out until a person re-consents. So every
renewal runs inside ``token_store.exclusive()`` as *load → (still needed?) →
refresh → save*, and the new token set is saved **before** the new access token
is handed to anyone. A task that waited for the lock re-loads first and, when
somebody else already renewed, simply uses that token set.

Access tokens live one hour; we renew ``refresh_margin`` (5 minutes) before
expiry on the injected clock, and once more when the API answers 401.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from wfsync.clock import Clock, SystemClock
from wfsync.config import FortnoxSettings
from wfsync.fortnox.errors import parse_error_body
from wfsync.fortnox.tokens import TokenSet, TokenStore
from wfsync.http.errors import ApiError, AuthError, ServerError, TransportError

__all__ = ["RECONNECT_HINT", "REFRESH_TOKEN_LIFETIME", "FortnoxAuth"]

log = logging.getLogger("wfsync.fortnox.auth")

#: What an admin must do when the refresh token is dead.
RECONNECT_HINT = "run `wfsync connect fortnox` to authorise wfsync in Fortnox again"
#: Documented lifetime of a refresh token (§2.4); used for "expires soon" alerts.
REFRESH_TOKEN_LIFETIME = timedelta(days=45)


class FortnoxAuth:
    """Implements :class:`wfsync.http.AuthHook` for Fortnox's bearer tokens.

    ``http`` is the client used for the token endpoint (``settings.token_url``);
    it is separate from the API client because the token server is another host
    with no share in the API's 25-requests-per-5-seconds budget.
    """

    def __init__(
        self,
        settings: FortnoxSettings,
        store: TokenStore,
        *,
        http: httpx.AsyncClient,
        clock: Clock | None = None,
        refresh_margin: timedelta = timedelta(minutes=5),
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock or SystemClock()
        self.refresh_margin = refresh_margin
        self._http = http
        self._current: TokenSet | None = None
        self._local = asyncio.Lock()
        #: Token-endpoint calls by grant type, for tests and metrics.
        self.grants: dict[str, int] = {}

    # -- consent ---------------------------------------------------------------------------

    def authorize_url(self, state: str, *, service_account: bool = False) -> str:
        """The browser URL where a Fortnox admin approves wfsync (§2.2)."""
        params = {
            "client_id": self.settings.client_id,
            "redirect_uri": self.settings.redirect_uri,
            "scope": " ".join(self.settings.scopes),
            "state": state,
            "access_type": "offline",
            "response_type": "code",
        }
        if service_account:
            params["account_type"] = "service"
        return f"{self.settings.auth_url}?{urlencode(params, quote_via=quote)}"

    async def exchange_code(self, code: str, redirect_uri: str | None = None) -> TokenSet:
        """Trade a one-time authorization code for tokens and save them (§2.3)."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri or self.settings.redirect_uri,
        }
        async with self.store.exclusive():
            tokens = await self._token_request(form)
            await self.store.save(tokens)
        self._current = tokens
        return tokens

    @property
    def current(self) -> TokenSet | None:
        """The token set last loaded or renewed (its expiry tells when to ask again)."""
        return self._current

    # -- AuthHook --------------------------------------------------------------------------

    async def authorization(self) -> str:
        tokens = self._current
        if tokens is None or not self._fresh(tokens):
            tokens = await self._renew(rejected=None)
        return f"Bearer {tokens.access_token}"

    async def on_unauthorized(self, rejected: str) -> None:
        await self._renew(rejected=rejected.removeprefix("Bearer "))

    # -- renewal ---------------------------------------------------------------------------

    def _fresh(self, tokens: TokenSet) -> bool:
        if not tokens.access_token or tokens.access_expires_at is None:
            return False
        return self.clock.now() < tokens.access_expires_at - self.refresh_margin

    async def _renew(self, *, rejected: str | None) -> TokenSet:
        """Serialised renewal; reuses whatever another holder saved meanwhile."""
        async with self._local, self.store.exclusive():
            stored = await self.store.load()
            if (
                stored is not None
                and self._fresh(stored)
                and (rejected is None or stored.access_token != rejected)
            ):
                self._current = stored
                return stored
            if self.settings.tenant_id:
                tokens = await self._token_request(
                    {"grant_type": "client_credentials"},
                    headers={"TenantId": self.settings.tenant_id},
                )
                tokens.tenant_id = self.settings.tenant_id
            else:
                refresh_token = (stored.refresh_token if stored else None) or (
                    self.settings.refresh_token.get_secret_value()
                )
                if not refresh_token:
                    raise AuthError(
                        f"no Fortnox refresh token stored or configured: {RECONNECT_HINT}",
                        system="fortnox",
                    )
                configured = self.settings.refresh_token.get_secret_value()
                try:
                    tokens = await self._token_request(
                        {"grant_type": "refresh_token", "refresh_token": refresh_token}
                    )
                except AuthError:
                    # The stored token is dead (revoked, expired, another install
                    # spent it). If the admin has put a new one in the config, that
                    # is the re-activation: use it once.
                    if not configured or configured == refresh_token:
                        raise
                    log.warning("stored Fortnox refresh token rejected; trying the configured one")
                    tokens = await self._token_request(
                        {"grant_type": "refresh_token", "refresh_token": configured}
                    )
            # Persist before use: the old refresh token is already dead.
            await self.store.save(tokens)
            self._current = tokens
            log.info("fortnox access token renewed (%s)", tokens.scope or "no scope reported")
            return tokens

    async def _token_request(
        self, form: dict[str, str], *, headers: dict[str, str] | None = None
    ) -> TokenSet:
        grant = form["grant_type"]
        self.grants[grant] = self.grants.get(grant, 0) + 1
        auth = httpx.BasicAuth(
            self.settings.client_id, self.settings.client_secret.get_secret_value()
        )
        try:
            response = await self._http.post(
                self.settings.token_url, data=form, auth=auth, headers=headers
            )
        except httpx.TransportError as exc:
            raise TransportError(
                f"token endpoint unreachable: {type(exc).__name__}",
                system="fortnox",
                method="POST",
                url=self.settings.token_url,
            ) from exc
        body = _json_body(response)
        if response.status_code >= 400:
            raise _token_error(response.status_code, body, grant)
        if not isinstance(body, dict) or not body.get("access_token"):
            raise ServerError(
                "token endpoint answered without an access_token",
                system="fortnox",
                status=response.status_code,
            )
        return self._token_set(body)

    def _token_set(self, body: dict[str, Any]) -> TokenSet:
        now = self.clock.now()
        refresh_token = body.get("refresh_token") or None
        return TokenSet(
            access_token=str(body["access_token"]),
            access_expires_at=now + timedelta(seconds=int(body.get("expires_in") or 3600)),
            refresh_token=refresh_token,
            refresh_expires_at=now + REFRESH_TOKEN_LIFETIME if refresh_token else None,
            scope=str(body.get("scope") or ""),
            tenant_id=self.settings.tenant_id or None,
        )


def _json_body(response: httpx.Response) -> Any:
    """Token responses are JSON even when labelled text/html or text/plain (§2.4)."""
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return response.text


def _token_error(status: int, body: Any, grant: str) -> ApiError:
    detail = parse_error_body(body)
    kind = str(body.get("error", "")) if isinstance(body, dict) else ""
    if status >= 500:
        return ServerError(
            f"token endpoint failed: {detail.message}", system="fortnox", status=status
        )
    if kind == "invalid_client" or status == 401:
        return AuthError(
            "Fortnox rejected the client id/secret ([fortnox] client_id, client_secret)"
            f" ({kind or status}: {detail.message})",
            system="fortnox",
            status=status,
        )
    if grant == "refresh_token":
        reason = "it was already used, has expired or the integration was revoked"
    elif grant == "authorization_code":
        reason = "the code was already used, has expired or the redirect URI differs"
    else:
        reason = "the service-account consent is missing or was revoked"
    return AuthError(
        f"Fortnox refused the {grant.replace('_', ' ')} ({kind or status}: {detail.message}); "
        f"{reason}: {RECONNECT_HINT}",
        system="fortnox",
        status=status,
    )
