"""Customers and settings registers through the client, against the simulator."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from wfsync.clock import FakeClock
from wfsync.config import FortnoxSettings
from wfsync.fortnox import API_BLANK, FortnoxClient, MemoryTokenStore
from wfsync.fortnox.mapping import customer_fields, customer_from_fortnox
from wfsync.http.errors import NotFoundError, PermissionDeniedError, ValidationError
from wfsync.http.retry import RetryPolicy
from wfsync.simulators.fortnox import FortnoxSimulator

CLIENT_ID, SECRET = "wfsync-test", "s3cret"


@pytest.fixture
def sim(clock: FakeClock) -> FortnoxSimulator:
    simulator = FortnoxSimulator(clock=clock)
    simulator.register_client(CLIENT_ID, SECRET)
    return simulator


def make_client(
    sim: FortnoxSimulator,
    clock: FakeClock,
    scopes: list[str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> FortnoxClient:
    settings = FortnoxSettings(
        client_id=CLIENT_ID,
        client_secret=SecretStr(SECRET),
        refresh_token=SecretStr(sim.issue_refresh_token(CLIENT_ID, scopes=scopes)),
    )
    return FortnoxClient(
        settings,
        MemoryTokenStore(),
        clock=clock,
        transport=transport or httpx.ASGITransport(app=sim.app),
        retry=RetryPolicy(rng=random.Random(3)),
    )


@pytest.fixture
async def fortnox(sim: FortnoxSimulator, clock: FakeClock) -> AsyncIterator[FortnoxClient]:
    async with make_client(sim, clock) as client:
        yield client


def list_calls(sim: FortnoxSimulator, path: str = "/3/customers") -> list[dict[str, str]]:
    return [r.query for r in sim.requests if r.method == "GET" and r.path == path]


async def test_create_get_update_and_clear(fortnox: FortnoxClient, sim: FortnoxSimulator) -> None:
    created = await fortnox.customers.create(
        {"Name": "Bergström Bygg AB", "CountryCode": "SE", "WWW": "https://bergstrom.se"}
    )
    number = created.customer_number
    assert created.country == "Sverige" and created.active is True
    assert sim.writes()[0].body == {
        "Customer": {
            "Name": "Bergström Bygg AB",
            "CountryCode": "SE",
            "WWW": "https://bergstrom.se",
        }
    }
    updated = await fortnox.customers.update(number, {"Phone1": "08-123 45 67", "WWW": API_BLANK})
    assert updated.phone1 == "08-123 45 67"
    assert not updated.www  # cleared
    fetched = await fortnox.customers.get(number)
    assert fetched.phone1 == "08-123 45 67" and fetched.name == "Bergström Bygg AB"


async def test_mapping_round_trip_through_the_api(fortnox: FortnoxClient) -> None:
    created = await fortnox.customers.create({"Name": "Eriksson Privat", "Type": "PRIVATE"})
    canonical = customer_from_fortnox(created)
    assert canonical.kind == "private" and canonical.customer_number == created.customer_number
    changed = canonical.model_copy(update={"visiting_city": "Malmö", "invoice_city": None})
    body = customer_fields(changed, ["visiting_city", "invoice_city"], create=False)
    assert (
        customer_from_fortnox(await fortnox.customers.update(created.customer_number, body))
        == changed
    )


async def test_full_scan_pages_lazily_with_limit_500(
    fortnox: FortnoxClient, sim: FortnoxSimulator
) -> None:
    for i in range(1100):
        sim.ui.create_customer(Name=f"Kund {i:04d}")
    numbers = [item.customer_number async for item in fortnox.customers.list()]
    assert len(numbers) == len(set(numbers)) == 1100
    calls = list_calls(sim)
    assert [(c["page"], c["limit"]) for c in calls] == [("1", "500"), ("2", "500"), ("3", "500")]

    listing = fortnox.customers.list()
    first = await anext(listing)
    assert first.name == "Kund 0000"
    assert len(list_calls(sim)) == 4  # one more page only: nothing read ahead


async def test_empty_list_is_one_call(fortnox: FortnoxClient, sim: FortnoxSimulator) -> None:
    assert await fortnox.customers.list() == []
    assert len(list_calls(sim)) == 1


async def test_list_items_are_the_documented_subset(
    fortnox: FortnoxClient, sim: FortnoxSimulator
) -> None:
    sim.ui.create_customer(Name="Acme AB", Phone1="08-1", City="Uppsala", WWW="https://acme.se")
    [item] = await fortnox.customers.list()
    assert (item.name, item.phone, item.city) == ("Acme AB", "08-1", "Uppsala")
    assert item.active is None  # not in list items
    assert "WWW" not in (item.model_extra or {})


async def test_lastmodified_is_sent_in_stockholm_time_and_filters(
    fortnox: FortnoxClient, sim: FortnoxSimulator, clock: FakeClock
) -> None:
    old = sim.ui.create_customer(Name="Gammal AB")
    clock.advance(600)
    cursor = clock.now()  # 2026-01-15 09:10 UTC = 10:10 in Stockholm
    clock.advance(120)
    changed = sim.ui.create_customer(Name="Ny AB")
    items = await fortnox.customers.list(lastmodified=cursor)
    assert [i.customer_number for i in items] == [changed]
    assert list_calls(sim)[-1]["lastmodified"] == "2026-01-15 10:10"
    sim.ui.update_customer(old, Name="Gammal & Son AB")
    later = await fortnox.customers.list(lastmodified=cursor)
    assert {i.customer_number for i in later} == {old, changed}


async def test_filter_and_search(fortnox: FortnoxClient, sim: FortnoxSimulator) -> None:
    sim.ui.create_customer(Name="Acme AB")
    sim.ui.create_customer(Name="Bacme Handel")
    gone = sim.ui.create_customer(Name="Nedlagd AB", Active=False)
    inactive = await fortnox.customers.list(filter="inactive")
    assert [(i.customer_number, i.active) for i in inactive] == [(gone, False)]
    active = await fortnox.customers.list(filter="active")
    assert {i.active for i in active} == {True} and len(active) == 2
    matches = await fortnox.customers.list(name="acme")  # case-insensitive substring
    assert {i.name for i in matches} == {"Acme AB", "Bacme Handel"}
    assert list_calls(sim)[-1]["name"] == "acme"
    calls = len(sim.requests)
    with pytest.raises(ValueError, match="one search or filter"):
        fortnox.customers.list(name="acme", city="Lund")
    with pytest.raises(ValueError, match="one search or filter"):
        fortnox.customers.list(name="acme", filter="active")
    assert len(sim.requests) == calls  # refused before sending
    sorted_matches = await fortnox.customers.list(
        name="acme", sortby="name", sortorder="descending"
    )
    assert [i.name for i in sorted_matches] == ["Bacme Handel", "Acme AB"]


async def test_not_found_carries_fortnox_code(fortnox: FortnoxClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        await fortnox.customers.get("9999")
    assert caught.value.code == 2000433
    assert caught.value.message == "Kan inte hitta kunden."
    assert caught.value.status == 404


async def test_validation_errors_carry_fortnox_code(fortnox: FortnoxClient) -> None:
    with pytest.raises(ValidationError) as bad_filter:
        await fortnox.customers.list(filter="everything")
    assert bad_filter.value.code == 2000587
    with pytest.raises(ValidationError) as unknown_field:
        await fortnox.customers.create({"Name": "X", "Nickname": "Y"})
    assert unknown_field.value.code == 2001399
    with pytest.raises(ValidationError) as empty_name:
        await fortnox.customers.create({"Name": ""})
    assert empty_name.value.code == 2000637


async def test_missing_scope_is_permission_denied(sim: FortnoxSimulator, clock: FakeClock) -> None:
    async with make_client(sim, clock, scopes=["customer"]) as fortnox:
        with pytest.raises(PermissionDeniedError) as caught:
            await fortnox.currencies.list()
    assert caught.value.code == 2000663 and caught.value.status == 403
    assert caught.value.fatal_for_run


async def test_settings_registers_and_company(
    fortnox: FortnoxClient, sim: FortnoxSimulator
) -> None:
    terms = await fortnox.terms_of_payments.list()
    assert {"0", "10", "30", "K"} <= {t.code for t in terms}
    assert (await fortnox.terms_of_payments.get("30")).description == "30 dagar"
    currencies = {c.code for c in await fortnox.currencies.list()}
    assert {"SEK", "EUR"} <= currencies
    price_lists = await fortnox.price_lists.list()
    assert "A" in {p.code for p in price_lists}
    company = await fortnox.company.get()
    assert company.database_number == sim.tenant_id
    with pytest.raises(NotFoundError) as caught:
        await fortnox.terms_of_payments.get("999")
    assert caught.value.code == 2000429


class Recording(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.raw_paths: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.raw_paths.append(request.url.raw_path)
        return await self.inner.handle_async_request(request)


async def test_keys_are_url_encoded_as_one_segment(sim: FortnoxSimulator, clock: FakeClock) -> None:
    recording = Recording(httpx.ASGITransport(app=sim.app))
    async with make_client(sim, clock, transport=recording) as fortnox:
        with pytest.raises(NotFoundError):
            await fortnox.customers.get("A/1 ö")
    assert recording.raw_paths[-1] == b"/3/customers/A%2F1%20%C3%B6"
