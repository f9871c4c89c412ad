"""OAuth2 against the simulator: consent, code exchange, rotation, concurrency, expiry."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from wfsync.clock import FakeClock
from wfsync.config import FortnoxSettings
from wfsync.fortnox import FileTokenStore, FortnoxClient, MemoryTokenStore, TokenSet
from wfsync.http.errors import AuthError
from wfsync.http.retry import RetryPolicy
from wfsync.simulators.fortnox import FortnoxSimulator

CLIENT_ID = "wfsync-test"
SECRET = "s3cret"
REDIRECT = "http://localhost:8765/fortnox/callback"


@pytest.fixture
def sim(clock: FakeClock) -> FortnoxSimulator:
    simulator = FortnoxSimulator(clock=clock)
    simulator.register_client(CLIENT_ID, SECRET, redirect_uri=REDIRECT)
    return simulator


def settings(**overrides: Any) -> FortnoxSettings:
    values: dict[str, Any] = {"client_id": CLIENT_ID, "client_secret": SecretStr(SECRET)}
    values.update(overrides)
    return FortnoxSettings(**values)


def client_for(
    sim: FortnoxSimulator, store: Any, clock: FakeClock, **overrides: Any
) -> FortnoxClient:
    return FortnoxClient(
        settings(**overrides),
        store,
        clock=clock,
        transport=httpx.ASGITransport(app=sim.app),
        retry=RetryPolicy(rng=random.Random(7)),
    )


def token_calls(sim: FortnoxSimulator) -> list[int | None]:
    return [r.status for r in sim.requests if r.path == "/oauth-v1/token"]


def api_statuses(sim: FortnoxSimulator) -> list[int | None]:
    return [r.status for r in sim.requests if r.path.startswith("/3/")]


@pytest.fixture
def customer(sim: FortnoxSimulator) -> str:
    return sim.ui.create_customer(Name="Bergström Bygg AB")


async def test_bootstrap_token_is_spent_once_and_the_rotated_one_saved(
    sim: FortnoxSimulator, clock: FakeClock, customer: str
) -> None:
    bootstrap = sim.issue_refresh_token(CLIENT_ID)
    store = MemoryTokenStore()
    async with client_for(sim, store, clock, refresh_token=SecretStr(bootstrap)) as fortnox:
        assert (await fortnox.customers.get(customer)).name == "Bergström Bygg AB"
        assert (await fortnox.customers.get(customer)).customer_number == customer
    assert token_calls(sim) == [200]
    saved = store.tokens
    assert saved is not None and saved.refresh_token not in (None, bootstrap)
    assert saved.access_expires_at == clock.now() + timedelta(hours=1)
    assert saved.refresh_expires_at == clock.now() + timedelta(days=45)
    assert "customer" in saved.scope.split()
    # A second install that still only has the bootstrap token finds it dead.
    async with client_for(
        sim, MemoryTokenStore(), clock, refresh_token=SecretStr(bootstrap)
    ) as late:
        with pytest.raises(AuthError, match="wfsync connect fortnox") as caught:
            await late.customers.get(customer)
    assert "invalid_grant" in caught.value.message


async def test_no_token_anywhere_tells_the_admin_to_connect(
    sim: FortnoxSimulator, clock: FakeClock
) -> None:
    async with client_for(sim, MemoryTokenStore(), clock) as fortnox:
        with pytest.raises(AuthError, match="wfsync connect fortnox"):
            await fortnox.company.get()
    assert sim.requests == []


async def test_wrong_client_secret_names_the_setting(
    sim: FortnoxSimulator, clock: FakeClock
) -> None:
    token = sim.issue_refresh_token(CLIENT_ID)
    fortnox = client_for(
        sim,
        MemoryTokenStore(),
        clock,
        client_secret=SecretStr("wrong"),
        refresh_token=SecretStr(token),
    )
    async with fortnox:
        with pytest.raises(AuthError, match="client_secret") as caught:
            await fortnox.customers.get("1")
    assert caught.value.status == 401
    assert token_calls(sim) == [401]


async def test_consent_url_round_trip_and_code_exchange(
    sim: FortnoxSimulator, clock: FakeClock, customer: str
) -> None:
    store = MemoryTokenStore()
    fortnox = client_for(
        sim, store, clock, auth_url="https://apps.fortnox.se/oauth-v1/auth", scopes=["customer"]
    )
    url = fortnox.auth.authorize_url("csrf-123")
    query = parse_qs(urlsplit(url).query)
    assert query == {
        "client_id": [CLIENT_ID],
        "redirect_uri": [REDIRECT],
        "scope": ["customer"],
        "state": ["csrf-123"],
        "access_type": ["offline"],
        "response_type": ["code"],
    }
    # What the browser does: the consent endpoint redirects back with a code.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app)) as browser:
        consent = await browser.get(url)
    assert consent.status_code == 302
    callback = parse_qs(urlsplit(consent.headers["location"]).query)
    assert callback["state"] == ["csrf-123"]
    async with fortnox:
        tokens = await fortnox.auth.exchange_code(callback["code"][0], REDIRECT)
        assert store.tokens == tokens and tokens.refresh_token
        assert tokens.scope == "customer"
        assert (await fortnox.customers.get(customer)).customer_number == customer
        with pytest.raises(AuthError, match="wfsync connect fortnox"):
            await fortnox.auth.exchange_code(callback["code"][0], REDIRECT)  # single use
    assert token_calls(sim) == [200, 400]


async def test_consent_url_encodes_scopes_with_percent_20() -> None:
    async with FortnoxClient(settings(scopes=["customer", "article"]), MemoryTokenStore()) as fx:
        url = fx.auth.authorize_url("s", service_account=True)
    assert url.startswith("https://apps.fortnox.se/oauth-v1/auth?")
    assert "scope=customer%20article" in url
    assert "account_type=service" in url


async def test_proactive_refresh_five_minutes_before_expiry(
    sim: FortnoxSimulator, clock: FakeClock, customer: str
) -> None:
    store = MemoryTokenStore()
    token = SecretStr(sim.issue_refresh_token(CLIENT_ID))
    async with client_for(sim, store, clock, refresh_token=token) as fortnox:
        await fortnox.customers.get(customer)
        clock.advance(54 * 60)
        await fortnox.customers.get(customer)
        assert len(token_calls(sim)) == 1
        clock.advance(2 * 60)  # 56 minutes: inside the 5-minute margin
        await fortnox.customers.get(customer)
        assert fortnox.auth.grants == {"refresh_token": 2}
    assert token_calls(sim) == [200, 200]
    assert 401 not in api_statuses(sim)


async def test_many_concurrent_requests_at_expiry_refresh_exactly_once(
    sim: FortnoxSimulator, clock: FakeClock, customer: str
) -> None:
    store = MemoryTokenStore()
    token = SecretStr(sim.issue_refresh_token(CLIENT_ID))
    async with client_for(sim, store, clock, refresh_token=token) as fortnox:
        await fortnox.customers.get(customer)
        clock.advance(3600)
        results = await asyncio.gather(*(fortnox.customers.get(customer) for _ in range(40)))
    assert {r.customer_number for r in results} == {customer}
    assert token_calls(sim) == [200, 200]  # bootstrap + exactly one rotation, no invalid_grant
    assert set(api_statuses(sim)) == {200}


async def test_two_clients_sharing_a_store_never_spend_the_same_token(
    sim: FortnoxSimulator, clock: FakeClock, customer: str
) -> None:
    """Two workers (processes, in production) on one store: one refresh between them."""
    store = MemoryTokenStore()
    token = SecretStr(sim.issue_refresh_token(CLIENT_ID))
    first = client_for(sim, store, clock, refresh_token=token)
    second = client_for(sim, store, clock, refresh_token=token)
    async with first, second:
        await asyncio.gather(
            *(c.customers.get(customer) for c in (first, second) for _ in range(10))
        )
        clock.advance(3600)
        await asyncio.gather(
            *(c.customers.get(customer) for c in (first, second) for _ in range(10))
        )
    assert token_calls(sim) == [200, 200]
    assert (
        first.auth.grants.get("refresh_token", 0) + second.auth.grants.get("refresh_token", 0) == 2
    )


async def test_two_file_stores_on_one_file_refresh_once(
    sim: FortnoxSimulator, clock: FakeClock, customer: str, tmp_path: Path
) -> None:
    """As two worker processes would: separate stores, one token file, one refresh."""
    path = tmp_path / "fortnox-tokens.json"
    token = SecretStr(sim.issue_refresh_token(CLIENT_ID))
    first = client_for(sim, FileTokenStore(path), clock, refresh_token=token)
    second = client_for(sim, FileTokenStore(path), clock, refresh_token=token)
    async with first, second:
        await first.customers.get(customer)  # bootstrap, saved to the file
        await second.customers.get(customer)  # finds it in the file: no refresh
        clock.advance(3600)
        await asyncio.gather(
            *(c.customers.get(customer) for c in (first, second) for _ in range(5))
        )
    assert token_calls(sim) == [200, 200]
    assert 401 not in api_statuses(sim)


async def test_a_401_renews_once_and_retries(
    sim: FortnoxSimulator, clock: FakeClock, customer: str
) -> None:
    # The store believes in an access token the server does not know (revoked, clock skew).
    store = MemoryTokenStore(
        TokenSet(
            access_token="stale",
            access_expires_at=clock.now() + timedelta(minutes=30),
            refresh_token=sim.issue_refresh_token(CLIENT_ID),
        )
    )
    async with client_for(sim, store, clock) as fortnox:
        assert (await fortnox.customers.get(customer)).customer_number == customer
    assert api_statuses(sim) == [401, 200]
    assert token_calls(sim) == [200]


async def test_a_second_401_is_an_auth_error(
    sim: FortnoxSimulator, clock: FakeClock, customer: str
) -> None:
    token = SecretStr(sim.issue_refresh_token(CLIENT_ID))
    async with client_for(sim, MemoryTokenStore(), clock, refresh_token=token) as fortnox:
        await fortnox.customers.get(customer)
        sim.revoke_consent(CLIENT_ID)  # the customer removed the integration
        with pytest.raises(AuthError, match="wfsync connect fortnox"):
            await fortnox.customers.get(customer)
    assert api_statuses(sim) == [200, 401]
    # The stored token is rejected; the (already spent) configured one is tried once.
    assert token_calls(sim) == [200, 400, 400]


class SaveFails(MemoryTokenStore):
    async def save(self, tokens: TokenSet) -> None:
        raise OSError("disk full")


async def test_new_tokens_are_persisted_before_they_are_used(
    sim: FortnoxSimulator, clock: FakeClock, customer: str
) -> None:
    token = SecretStr(sim.issue_refresh_token(CLIENT_ID))
    async with client_for(sim, SaveFails(), clock, refresh_token=token) as fortnox:
        with pytest.raises(OSError, match="disk full"):
            await fortnox.customers.get(customer)
    assert token_calls(sim) == [200]
    assert api_statuses(sim) == []  # the unsaved access token was never sent


class Exclusive(MemoryTokenStore):
    """Records whether load/save happen while exclusive() is held."""

    def __init__(self) -> None:
        super().__init__()
        self.held = False
        self.unguarded: list[str] = []

    async def load(self) -> TokenSet | None:
        if not self.held:
            self.unguarded.append("load")
        return await super().load()

    async def save(self, tokens: TokenSet) -> None:
        if not self.held:
            self.unguarded.append("save")
        await super().save(tokens)

    def exclusive(self) -> AbstractAsyncContextManager[None]:
        return self._flagged()

    @asynccontextmanager
    async def _flagged(self) -> AsyncIterator[None]:
        async with super().exclusive():
            self.held = True
            try:
                yield
            finally:
                self.held = False


async def test_refresh_happens_entirely_under_the_store_lock(
    sim: FortnoxSimulator, clock: FakeClock, customer: str
) -> None:
    store = Exclusive()
    token = SecretStr(sim.issue_refresh_token(CLIENT_ID))
    async with client_for(sim, store, clock, refresh_token=token) as fortnox:
        await fortnox.customers.get(customer)
        clock.advance(3600)
        await fortnox.customers.get(customer)
    assert store.saves == 2
    assert store.unguarded == []


async def test_client_credentials_flow_with_tenant_id(
    sim: FortnoxSimulator, clock: FakeClock, customer: str
) -> None:
    sim.issue_refresh_token(CLIENT_ID)  # the admin consented (service account) once
    store = MemoryTokenStore()
    async with client_for(sim, store, clock, tenant_id=sim.tenant_id) as fortnox:
        await fortnox.customers.get(customer)
        clock.advance(3600)
        await fortnox.customers.get(customer)
        assert fortnox.auth.grants == {"client_credentials": 2}
    assert store.tokens is not None
    assert store.tokens.refresh_token is None
    assert store.tokens.tenant_id == sim.tenant_id
    assert token_calls(sim) == [200, 200]


async def test_client_credentials_for_the_wrong_tenant_is_an_auth_error(
    sim: FortnoxSimulator, clock: FakeClock
) -> None:
    sim.issue_refresh_token(CLIENT_ID)
    async with client_for(sim, MemoryTokenStore(), clock, tenant_id="999") as fortnox:
        with pytest.raises(AuthError, match="service-account consent"):
            await fortnox.company.get()


async def test_a_new_configured_refresh_token_replaces_a_dead_stored_one(
    sim: FortnoxSimulator, clock: FakeClock, customer: str
) -> None:
    first = sim.issue_refresh_token(CLIENT_ID)
    store = MemoryTokenStore()
    async with client_for(sim, store, clock, refresh_token=SecretStr(first)) as fortnox:
        await fortnox.customers.get(customer)
    sim.revoke_consent(CLIENT_ID)  # the customer removed the integration …
    renewed = sim.issue_refresh_token(CLIENT_ID)  # … and an admin consented again
    clock.advance(2 * 3600)
    async with client_for(sim, store, clock, refresh_token=SecretStr(renewed)) as fortnox:
        assert (await fortnox.customers.get(customer)).customer_number == customer
    assert store.tokens is not None and store.tokens.refresh_token not in (first, renewed)
    # Without a new configured token the dead stored one still fails clearly.
    sim.revoke_consent(CLIENT_ID)
    clock.advance(2 * 3600)
    async with client_for(sim, store, clock, refresh_token=SecretStr(renewed)) as fortnox:
        with pytest.raises(AuthError, match="wfsync connect fortnox"):
            await fortnox.customers.get(customer)
