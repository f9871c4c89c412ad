"""Fortnox's OAuth 2 server: consent, the token endpoint and bearer checks (§2).

What makes Fortnox hard to integrate is reproduced on purpose: refresh tokens
are single use and die the moment they are spent (a second refresh with the
same token is ``invalid_grant``), authorization codes live ten minutes, access
tokens one hour on the injected clock, and error bodies come with the odd
content types the live service sends (``text/html`` for a JSON ``invalid_grant``,
``text/plain`` for ``invalid_client``).
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from wfsync.clock import Clock

__all__ = ["ALL_SCOPES", "AccessGrant", "Authority"]

ALL_SCOPES: tuple[str, ...] = (
    "companyinformation",
    "customer",
    "article",
    "price",
    "order",
    "invoice",
    "settings",
    "currency",
    "payment",
    "profile",
    "bookkeeping",
    "costcenter",
    "project",
    "supplier",
    "supplierinvoice",
)
ACCESS_TTL = timedelta(hours=1)
REFRESH_TTL = timedelta(days=45)
CODE_TTL = timedelta(minutes=10)


@dataclass
class _ClientApp:
    secret: str
    service_account: bool
    redirect_uri: str | None


@dataclass
class _RefreshGrant:
    client_id: str
    scopes: tuple[str, ...]
    expires_at: datetime
    spent: bool = False


@dataclass
class _CodeGrant:
    client_id: str
    redirect_uri: str | None
    scopes: tuple[str, ...]
    expires_at: datetime


@dataclass(frozen=True)
class AccessGrant:
    """What a valid bearer token stands for."""

    client_id: str
    scopes: frozenset[str]
    expires_at: datetime


class Authority:
    """Clients, consents and live tokens of one simulated Fortnox tenant."""

    def __init__(self, clock: Clock, tenant_id: str) -> None:
        self.clock = clock
        self.tenant_id = tenant_id
        self._clients: dict[str, _ClientApp] = {}
        self._consents: dict[str, tuple[str, ...]] = {}
        self._refresh: dict[str, _RefreshGrant] = {}
        self._codes: dict[str, _CodeGrant] = {}
        self._access: dict[str, AccessGrant] = {}

    # -- set-up (what the Developer Portal and a consenting user do) ---------

    def register_client(
        self,
        client_id: str,
        client_secret: str,
        *,
        service_account: bool = True,
        redirect_uri: str | None = None,
    ) -> None:
        self._clients[client_id] = _ClientApp(client_secret, service_account, redirect_uri)

    def issue_refresh_token(self, client_id: str, scopes: list[str] | None = None) -> str:
        granted = self._consent(client_id, scopes)
        return self._new_refresh(client_id, granted)

    def issue_authorization_code(
        self, client_id: str, redirect_uri: str | None, scopes: list[str]
    ) -> str:
        granted = self._consent(client_id, scopes)
        code = secrets.token_urlsafe(24)
        self._codes[code] = _CodeGrant(
            client_id, redirect_uri, granted, self.clock.now() + CODE_TTL
        )
        return code

    def spend_refresh_token(self, token: str) -> None:
        """Mark ``token`` used, as if another worker had refreshed with it first."""
        grant = self._refresh.get(token)
        if grant is None:
            raise KeyError("unknown refresh token")
        grant.spent = True

    def expire_access_tokens(self) -> None:
        """Every live access token stops working (the next API call gets 401)."""
        self._access.clear()

    def revoke_consent(self, client_id: str) -> None:
        """The customer removes the integration: every token of the client dies."""
        self._consents.pop(client_id, None)
        for grant in self._refresh.values():
            if grant.client_id == client_id:
                grant.spent = True
        for token in [t for t, g in self._access.items() if g.client_id == client_id]:
            del self._access[token]

    def secret_matches(self, client_id: str, secret: object) -> bool:
        """Whether ``secret`` is the client's secret (the event stream checks it)."""
        client = self._clients.get(client_id)
        return (
            client is not None
            and isinstance(secret, str)
            and secrets.compare_digest(client.secret, secret)
        )

    def authenticate(self, authorization: str | None) -> AccessGrant | None:
        """The grant behind ``Authorization: Bearer …``; None if absent/unknown/expired."""
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        grant = self._access.get(token.strip())
        if grant is None or self.clock.now() >= grant.expires_at:
            return None
        return grant

    # -- HTTP endpoints -------------------------------------------------------

    async def consent_endpoint(self, request: Request) -> Response:
        """``GET /oauth-v1/auth``: auto-approves (the real one shows a consent page)."""
        query = request.query_params
        client = self._clients.get(query.get("client_id", ""))
        if client is None:
            return _consent_error("Auth code or ClientID supplied is invalid")
        if query.get("response_type") != "code" or not query.get("state"):
            return _consent_error("Invalid request")
        scopes = query.get("scope", "").split()
        if not scopes or any(scope not in ALL_SCOPES for scope in scopes):
            return _consent_error("Invalid scope")
        if "account_type" in query:
            if query["account_type"] != "service":
                return _consent_error("Invalid account_type")
            if not client.service_account:
                return _consent_error("Client does not allow service account")
        sent_uri = query.get("redirect_uri")
        target = sent_uri or client.redirect_uri
        if target is None or (client.redirect_uri and target != client.redirect_uri):
            return _consent_error("Invalid redirect_uri")
        code = self.issue_authorization_code(query["client_id"], sent_uri, scopes)
        separator = "&" if "?" in target else "?"
        location = f"{target}{separator}{urlencode({'code': code, 'state': query['state']})}"
        return RedirectResponse(location, status_code=302)

    async def token_endpoint(self, request: Request) -> Response:
        """``POST /oauth-v1/token`` with Basic client authentication."""
        client_id = self._client_from_basic(request.headers.get("authorization"))
        if client_id is None:
            return _oauth_error(
                401,
                "invalid_client",
                "The client credentials are invalid",
                "text/plain;charset=UTF-8",
            )
        if not request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            return _oauth_error(400, "invalid_request", "Invalid content type")
        form = dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))
        grant_type = form.get("grant_type")
        if grant_type == "refresh_token":
            return self._grant_refresh(client_id, form.get("refresh_token", ""))
        if grant_type == "authorization_code":
            return self._grant_code(client_id, form.get("code", ""), form.get("redirect_uri"))
        if grant_type == "client_credentials":
            return self._grant_client_credentials(client_id, request.headers.get("tenantid"))
        return _oauth_error(400, "unsupported_grant_type", "Unsupported grant type")

    # -- grants ---------------------------------------------------------------

    def _grant_refresh(self, client_id: str, token: str) -> Response:
        grant = self._refresh.get(token)
        if (
            grant is None
            or grant.spent
            or grant.client_id != client_id
            or self.clock.now() >= grant.expires_at
        ):
            return _oauth_error(400, "invalid_grant", "Invalid refresh token")
        grant.spent = True
        return self._token_response(client_id, grant.scopes, with_refresh=True)

    def _grant_code(self, client_id: str, code: str, redirect_uri: str | None) -> Response:
        grant = self._codes.pop(code, None)
        if (
            grant is None
            or grant.client_id != client_id
            or self.clock.now() >= grant.expires_at
            or (grant.redirect_uri is not None and redirect_uri != grant.redirect_uri)
        ):
            return _oauth_error(400, "invalid_grant", "Invalid authorization code")
        return self._token_response(client_id, grant.scopes, with_refresh=True)

    def _grant_client_credentials(self, client_id: str, tenant: str | None) -> Response:
        if not tenant:
            return _oauth_error(400, "invalid_request", "Missing TenantId")
        if not self._clients[client_id].service_account:
            return _oauth_error(400, "unauthorized_client", "Client does not allow service account")
        scopes = self._consents.get(client_id)
        if tenant != self.tenant_id or scopes is None:
            return _oauth_error(400, "invalid_grant", "No service account consent for tenant")
        return self._token_response(client_id, scopes, with_refresh=False)

    def _token_response(
        self, client_id: str, scopes: tuple[str, ...], *, with_refresh: bool
    ) -> Response:
        access = self._new_access(client_id, scopes)
        body: dict[str, object] = {
            "access_token": access,
            "expires_in": int(ACCESS_TTL.total_seconds()),
            "token_type": "bearer",
            "scope": " ".join(scopes),
        }
        if with_refresh:
            body["refresh_token"] = self._new_refresh(client_id, scopes)
        return Response(json.dumps(body), status_code=200, media_type="application/json")

    # -- internals --------------------------------------------------------------

    def _consent(self, client_id: str, scopes: list[str] | None) -> tuple[str, ...]:
        if client_id not in self._clients:
            raise KeyError(f"unknown client {client_id!r}: register_client first")
        granted = tuple(scopes) if scopes is not None else ALL_SCOPES
        unknown = [scope for scope in granted if scope not in ALL_SCOPES]
        if unknown:
            raise ValueError(f"unknown scopes: {unknown}")
        self._consents[client_id] = granted
        return granted

    def _new_refresh(self, client_id: str, scopes: tuple[str, ...]) -> str:
        token = str(uuid.uuid4())
        self._refresh[token] = _RefreshGrant(client_id, scopes, self.clock.now() + REFRESH_TTL)
        return token

    def _new_access(self, client_id: str, scopes: tuple[str, ...]) -> str:
        now = self.clock.now()
        claims = {
            "iss": "https://apps.fortnox.se/oauth-v1",
            "tenantId": int(self.tenant_id),
            "clientId": client_id,
            "scope": " ".join(scopes),
            "iat": int(now.timestamp()),
            "exp": int((now + ACCESS_TTL).timestamp()),
            "jti": str(uuid.uuid4()),
        }
        header = {"alg": "RS256", "typ": "JWT", "kid": "simulator"}
        token = ".".join(
            [
                _b64(json.dumps(header).encode()),
                _b64(json.dumps(claims).encode()),
                _b64(secrets.token_bytes(32)),
            ]
        )
        self._access[token] = AccessGrant(client_id, frozenset(scopes), now + ACCESS_TTL)
        return token

    def _client_from_basic(self, authorization: str | None) -> str | None:
        if not authorization:
            return None
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        client_id, sep, secret = decoded.partition(":")
        client = self._clients.get(client_id)
        if not sep or client is None or not secrets.compare_digest(client.secret, secret):
            return None
        return client_id


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _oauth_error(
    status: int,
    error: str,
    description: str,
    content_type: str = "text/html; charset=UTF-8",
) -> Response:
    """Token-endpoint error: JSON body, but the content type Fortnox really sends."""
    body = json.dumps({"error": error, "error_description": description})
    response = Response(body, status_code=status)
    response.headers["content-type"] = content_type
    return response


def _consent_error(message: str) -> Response:
    return HTMLResponse(f"<html><body><p>{message}</p></body></html>", status_code=400)
