"""``FortnoxSimulator``: the in-memory Fortnox that tests and ``wfsync simulate`` run.

It wires the pieces together — one tenant's store, the OAuth authority, the
route table, the rate limiter, fault injection and the optional event stream —
and offers the set-up a test needs: registering a client, consenting on a
user's behalf, loading seed data, and ``sim.ui`` for the edits a person makes in
Fortnox's own user interface.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp

from wfsync.clock import Clock, SystemClock
from wfsync.simulators.fortnox import actions
from wfsync.simulators.fortnox.app import FortnoxRequest, SimulatorApp
from wfsync.simulators.fortnox.articles import add_article_routes, create_article
from wfsync.simulators.fortnox.auth import ALL_SCOPES, Authority
from wfsync.simulators.fortnox.customers import add_customer_routes, create_customer
from wfsync.simulators.fortnox.document_api import add_document_routes
from wfsync.simulators.fortnox.documents import INVOICE, ORDER, create_document
from wfsync.simulators.fortnox.events import EventHub
from wfsync.simulators.fortnox.prices import add_price_routes, create_price
from wfsync.simulators.fortnox.registers import add_register_routes
from wfsync.simulators.fortnox.routing import Router
from wfsync.simulators.fortnox.seed import (
    SeedActions,
    install_standard_registers,
    load_seed,
    sample_data,
)
from wfsync.simulators.fortnox.store import Record, TenantStore
from wfsync.simulators.fortnox.ui import FortnoxUI
from wfsync.simulators.kit import FaultPlan, RequestWindow

__all__ = ["DEMO_CLIENT_ID", "FortnoxSimulator", "build_standalone_app"]

DEMO_CLIENT_ID = "wfsync-demo"
DEFAULT_TENANT = "1234567"


class FortnoxSimulator:
    """A faithful, in-memory Fortnox tenant served as an ASGI app (``sim.app``)."""

    def __init__(
        self,
        clock: Clock | None = None,
        base_url: str = "https://api.fortnox.se",
        rate_limit: int | None = 25,
        seed: bool = False,
        tenant_id: str = DEFAULT_TENANT,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.base_url = base_url.rstrip("/")
        self.store = TenantStore(self.clock, self.base_url, tenant_id)
        install_standard_registers(self.store)
        self.authority = Authority(self.clock, tenant_id)
        self.faults = FaultPlan()
        self.limiter = RequestWindow(self.clock, rate_limit, 5.0, count_rejected=True)
        router = Router()
        add_customer_routes(router)
        add_article_routes(router)
        add_price_routes(router)
        add_document_routes(router)
        add_register_routes(router)
        self.router = router
        self.events = EventHub(self.clock, self.authority, tenant_id)
        self.store.listeners.append(self.events.publish)
        self.app = SimulatorApp(
            self.clock,
            self.store,
            self.authority,
            router,
            self.limiter,
            self.faults,
            websocket=self.events,
        )
        self.ui = FortnoxUI(self.store)
        if seed:
            self.load_seed(sample_data())

    def publish_events_to(self, hub: EventHub) -> None:
        """Send this tenant's events through another simulator's hub (one WebSocket
        endpoint for many tenants, as ``ws.fortnox.se`` is)."""
        self.store.listeners.remove(self.events.publish)
        self.store.listeners.append(hub.admit(self.tenant_id, self.authority))
        self.events = hub

    @property
    def tenant_id(self) -> str:
        """The tenant (``DatabaseNumber`` in companyinformation, ``tenantId`` in JWTs)."""
        return self.store.tenant_id

    @property
    def requests(self) -> list[FortnoxRequest]:
        """Every request received, in order (method, path, query, status, body)."""
        return self.app.requests

    def writes(self, path_prefix: str = "/3/") -> list[FortnoxRequest]:
        """Recorded API requests that could change data (non-GET) under ``path_prefix``."""
        return self.app.log.writes(path_prefix)

    def register_client(
        self,
        client_id: str,
        client_secret: str,
        *,
        service_account: bool = True,
        redirect_uri: str | None = None,
    ) -> None:
        self.authority.register_client(
            client_id, client_secret, service_account=service_account, redirect_uri=redirect_uri
        )

    def issue_refresh_token(self, client_id: str, *, scopes: list[str] | None = None) -> str:
        """A refresh token as if a user had just consented (all scopes by default)."""
        return self.authority.issue_refresh_token(client_id, scopes)

    def issue_authorization_code(self, client_id: str, redirect_uri: str, scopes: list[str]) -> str:
        """An authorization code as the consent redirect would carry it."""
        return self.authority.issue_authorization_code(client_id, redirect_uri, scopes)

    def spend_refresh_token(self, token: str) -> None:
        """As if another worker had already refreshed with ``token``: its next use fails."""
        self.authority.spend_refresh_token(token)

    def expire_access_tokens(self) -> None:
        """Invalidate every issued access token now (forces the client's 401 path)."""
        self.authority.expire_access_tokens()

    def revoke_consent(self, client_id: str) -> None:
        """The customer removes the integration: all its tokens stop working."""
        self.authority.revoke_consent(client_id)

    def load_seed(self, source: Path | str | Mapping[str, Any]) -> None:
        """Load a seed file (path) or dict; format in docs/fortnox-simulator.md."""
        load_seed(self.store, source, self._seed_creators())

    def _seed_creators(self) -> SeedActions:
        return {
            "customers": lambda store, payload: _discard(create_customer(store, payload)),
            "articles": lambda store, payload: _discard(create_article(store, payload)),
            "prices": lambda store, payload: _discard(create_price(store, payload)),
            "orders": _seed_order,
            "invoices": _seed_invoice,
        }


def _discard(_: object) -> None:
    return None


def _seed_order(store: TenantStore, payload: dict[str, Any]) -> None:
    steps = payload.pop("_actions", [])
    invoice_steps = payload.pop("_invoice_actions", [])
    number = str(create_document(store, ORDER, payload)["DocumentNumber"])
    performers = {
        "createinvoice": actions.create_invoice_from_order,
        "cancel": actions.cancel_order,
    }
    for step in steps:
        invoice: Record = performers[step](store, number)
        if step == "createinvoice":
            for follow_up in invoice_steps:
                _invoice_step(store, follow_up, str(invoice["DocumentNumber"]))


def _seed_invoice(store: TenantStore, payload: dict[str, Any]) -> None:
    steps = payload.pop("_actions", [])
    number = str(create_document(store, INVOICE, payload)["DocumentNumber"])
    for step in steps:
        _invoice_step(store, step, number)


def _invoice_step(store: TenantStore, step: str, number: str) -> None:
    performers = {
        "bookkeep": actions.bookkeep_invoice,
        "cancel": actions.cancel_invoice,
        "credit": actions.credit_invoice,
        "pay": actions.register_payment,
    }
    performers[step](store, number)


def build_standalone_app(
    *, seed: Path | None = None, empty: bool = False, base_url: str = "http://127.0.0.1:8081"
) -> tuple[ASGIApp, str]:
    """The simulator for ``wfsync simulate fortnox``: the app plus a banner that is
    valid TOML (paste it into ``wfsync.toml``). The app also answers
    ``/_simulator/ui/…`` for ``wfsync simulate edit`` (:mod:`wfsync.simulators.ui_bridge`)."""
    from wfsync.http.errors import ConfigError
    from wfsync.simulators.fortnox.errors import ApiProblem
    from wfsync.simulators.ui_bridge import UiBridge

    sim = FortnoxSimulator(base_url=base_url, seed=not empty and seed is None)
    if seed is not None and not empty:
        try:
            sim.load_seed(seed)
        except (OSError, ValueError, KeyError, TypeError, ApiProblem) as exc:
            reason = exc.message if isinstance(exc, ApiProblem) else str(exc)
            raise ConfigError(f"{seed}: not a usable Fortnox seed file: {reason}") from None
    sim.faults.real_server = True
    secret = secrets.token_urlsafe(18)
    sim.register_client(DEMO_CLIENT_ID, secret)
    refresh = sim.issue_refresh_token(DEMO_CLIENT_ID, scopes=list(ALL_SCOPES))
    root = sim.base_url
    contents = "empty" if empty else (str(seed) if seed else "sample data")
    banner = "\n".join(
        [
            f"# Fortnox simulator for tenant {sim.tenant_id} at {root} ({contents}; in memory)",
            "# The refresh token is single use (it rotates on every refresh); the consent",
            "# page auto-approves. Paste into wfsync.toml:",
            "[fortnox]",
            f'base_url = "{root}/3"',
            f'token_url = "{root}/oauth-v1/token"',
            f'auth_url = "{root}/oauth-v1/auth"',
            f'websocket_url = "{"ws" + root.removeprefix("http")}/topics-v1"',
            f'client_id = "{DEMO_CLIENT_ID}"',
            f'client_secret = "{secret}"',
            f'refresh_token = "{refresh}"',
        ]
    )
    return UiBridge(sim.app, sim.ui, (ApiProblem,)), banner
