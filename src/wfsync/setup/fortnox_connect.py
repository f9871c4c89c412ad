"""Connect wfsync to a Fortnox tenant: the OAuth consent an admin does once.

Two ways in, chosen by configuration:

* **Authorization code** (default): build the consent URL with the configured
  client id, scopes and redirect URI plus a random ``state``; show it to the
  admin (and open a browser); receive Fortnox's redirect on the local port of
  ``[fortnox] redirect_uri`` (:mod:`wfsync.setup.redirect`); check ``state``;
  exchange the code (HTTP Basic with client id and secret) and store the tokens
  in the state store, where every later run finds and rotates them.
* **Client credentials** (``[fortnox] tenant_id`` set, a service account that
  was consented once): no browser; prove that a token can be obtained.

Either way the connection is confirmed by reading ``/3/companyinformation``,
so the admin sees the company name and tenant id before leaving the terminal.
Every failure is a :class:`~wfsync.http.errors.WfsyncError` with one line that
says what to do; the CLI prints it and exits 1.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import httpx

from wfsync.clock import Clock, SystemClock
from wfsync.config import FortnoxSettings
from wfsync.fortnox.client import FortnoxClient
from wfsync.fortnox.tokens import MemoryTokenStore, TokenSet, TokenStore
from wfsync.http.errors import ApiError, AuthError, ConfigError, PermissionDeniedError
from wfsync.http.retry import RetryPolicy
from wfsync.setup.redirect import CallbackPage, RedirectReceiver
from wfsync.setup.scopes import ScopeReport, compare_scopes

__all__ = ["DEFAULT_TIMEOUT", "FortnoxConnection", "connect_fortnox", "require_credentials"]

DEFAULT_TIMEOUT = 300.0
#: Few quick retries: a person is waiting, and a retried token exchange is pointless.
PROBE_RETRY = RetryPolicy(attempts=2, base=0.5, cap=2.0)


@dataclass(frozen=True)
class FortnoxConnection:
    """What ``wfsync connect fortnox`` established."""

    mode: Literal["authorization_code", "client_credentials"]
    #: None when the companyinformation scope was not granted.
    company_name: str | None
    tenant_id: str
    scopes: ScopeReport
    refresh_expires_at: datetime | None


def require_credentials(settings: FortnoxSettings) -> None:
    """ConfigError naming the first missing credential."""
    if not settings.client_id.strip():
        raise ConfigError(
            "[fortnox] client_id: not set "
            "(the Client-Id of your app in the Fortnox Developer Portal)"
        )
    if not settings.client_secret.get_secret_value().strip():
        raise ConfigError(
            "[fortnox] client_secret: not set (set it in the file or WFSYNC_FORTNOX__CLIENT_SECRET)"
        )


async def connect_fortnox(
    settings: FortnoxSettings,
    token_store: TokenStore,
    *,
    show_url: Callable[[str], None],
    timeout: float = DEFAULT_TIMEOUT,
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> FortnoxConnection:
    """Run the consent (or client-credentials) flow and store the tokens in ``token_store``.

    ``show_url`` receives the consent URL once the local port is listening (the
    CLI prints it and opens a browser). ``timeout`` bounds the wait for the
    redirect, in real seconds: it waits for a person, not for our clock.
    """
    require_credentials(settings)
    clock = clock or SystemClock()
    if settings.tenant_id.strip():
        return await _client_credentials(settings, token_store, clock, transport)
    return await _authorization_code(settings, token_store, show_url, timeout, clock, transport)


async def _authorization_code(
    settings: FortnoxSettings,
    token_store: TokenStore,
    show_url: Callable[[str], None],
    timeout: float,
    clock: Clock,
    transport: httpx.AsyncBaseTransport | None,
) -> FortnoxConnection:
    state = secrets.token_urlsafe(24)
    async with (
        RedirectReceiver(settings.redirect_uri) as receiver,
        FortnoxClient(
            settings, token_store, clock=clock, transport=transport, retry=PROBE_RETRY
        ) as client,
    ):
        show_url(client.auth.authorize_url(state))
        params = await receiver.wait(timeout)
        try:
            code = _code_from(params, state)
            tokens = await client.auth.exchange_code(code, settings.redirect_uri)
            connection = await _confirm(client, tokens, "authorization_code")
        except ApiError as exc:
            receiver.finish(CallbackPage(False, "wfsync could not connect", exc.message))
            raise
        receiver.finish(
            CallbackPage(
                True,
                "wfsync is connected to Fortnox",
                f"Connected to {connection.company_name or 'your Fortnox company'}.",
            )
        )
        return connection


def _code_from(params: dict[str, str], state: str) -> str:
    """The authorization code, after checking the redirect answers *our* request."""
    if params.get("state") != state:
        raise AuthError(
            "the Fortnox redirect carried a different state than this run sent (an old browser "
            "tab or a forged link); nothing was stored: run `wfsync connect fortnox` again",
            system="fortnox",
        )
    if "error" in params:
        reason = params.get("error_description") or params["error"]
        denied = params["error"] == "access_denied"
        raise AuthError(
            ("consent was declined in Fortnox" if denied else "Fortnox refused the consent")
            + f" ({reason}); nothing was stored",
            system="fortnox",
        )
    code = params.get("code", "")
    if not code:
        raise AuthError(
            "the Fortnox redirect carried no code; nothing was stored", system="fortnox"
        )
    return code


async def _client_credentials(
    settings: FortnoxSettings,
    token_store: TokenStore,
    clock: Clock,
    transport: httpx.AsyncBaseTransport | None,
) -> FortnoxConnection:
    # Prove a *new* token can be obtained: an empty scratch store forces the grant,
    # and the stored tokens are only replaced once that worked.
    scratch = MemoryTokenStore()
    async with FortnoxClient(
        settings, scratch, clock=clock, transport=transport, retry=PROBE_RETRY
    ) as client:
        await client.auth.authorization()
        tokens = await scratch.load()
        if tokens is None:  # pragma: no cover - authorization() always saves or raises
            raise AuthError("no token was obtained", system="fortnox")
        async with token_store.exclusive():
            await token_store.save(tokens)
        return await _confirm(client, tokens, "client_credentials")


async def _confirm(
    client: FortnoxClient,
    tokens: TokenSet,
    mode: Literal["authorization_code", "client_credentials"],
) -> FortnoxConnection:
    """Read company information with the new token: the proof the admin sees.

    Without the ``companyinformation`` scope (optional for syncing) the
    connection still stands — the token exchange proved client and consent —
    and ``company_name`` is None so the CLI can say why nothing is shown.
    """
    scopes = compare_scopes(tokens.scope)
    try:
        company = await client.company.get()
    except PermissionDeniedError as exc:
        if "companyinformation" in scopes.granted:
            raise PermissionDeniedError(
                f"tokens stored, but reading company information failed ({exc.message}); "
                "run `wfsync check`",
                system="fortnox",
                status=exc.status,
                code=exc.code,
            ) from None
        company = None
    return FortnoxConnection(
        mode=mode,
        company_name=(company.company_name or "(no company name)") if company else None,
        tenant_id=str((company.database_number if company else None) or tokens.tenant_id or "?"),
        scopes=scopes,
        refresh_expires_at=tokens.refresh_expires_at,
    )
