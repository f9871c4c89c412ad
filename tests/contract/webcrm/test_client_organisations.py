"""Organisations against the simulator: CRUD to the documented contract, paging, queries, feeds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import parse_qs

import httpx
import pytest
from pydantic import SecretStr

from wfsync.clock import FakeClock
from wfsync.config import WebcrmSettings
from wfsync.http.errors import ApiError, NotFoundError, ValidationError
from wfsync.simulators.webcrm import WebcrmSimulator
from wfsync.webcrm import WebcrmClient


class CreateAnswersNothing(httpx.AsyncBaseTransport):
    """A server whose ``POST /Organisations`` returns no body — what the spec declares."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and request.url.path == "/Organisations":
            await response.aread()
            return httpx.Response(response.status_code, request=request)
        return response


@pytest.fixture
def sim(clock: FakeClock) -> WebcrmSimulator:
    return WebcrmSimulator(clock=clock)


def settings_for(sim: WebcrmSimulator, page_size: int = 500) -> WebcrmSettings:
    return WebcrmSettings(
        base_url="https://api.webcrm.test",
        auth_code=SecretStr(sim.add_api_token()),
        page_size=page_size,
    )


@pytest.fixture
async def client(sim: WebcrmSimulator, clock: FakeClock) -> AsyncIterator[WebcrmClient]:
    transport = httpx.ASGITransport(app=sim.app)
    async with WebcrmClient(settings_for(sim, 3), clock=clock, transport=transport) as webcrm:
        yield webcrm


def gets(sim: WebcrmSimulator, path: str) -> list[dict[str, list[str]]]:
    return [parse_qs(r.query) for r in sim.requests if r.method == "GET" and r.path == path]


async def test_create_get_and_full_object_update(
    client: WebcrmClient, sim: WebcrmSimulator
) -> None:
    org_id = await client.organisations.create(
        {
            "OrganisationName": "Kund AB",
            "OrganisationCity": "Stockholm",
            "OrganisationExtraCustom1": "1042",
            "OrganisationType": "Kund – Företag",
        }
    )
    written = await client.organisations.update(org_id, {"OrganisationName": "Kund & Co AB"})
    assert written.name == "Kund & Co AB"
    assert written.field("OrganisationCity") == "Stockholm"
    again = await client.organisations.get(org_id)
    # The simulator replaces on PUT: anything not sent would have been reset.
    assert again.name == "Kund & Co AB"
    assert again.field("OrganisationCity") == "Stockholm"
    assert again.field("OrganisationExtraCustom1") == "1042"
    assert again.type == "Kund – Företag"
    assert again.updated_at is not None and again.updated_at.tzinfo is not None
    assert [r.method for r in sim.requests if r.path == f"/Organisations/{org_id}"] == [
        "GET",
        "PUT",
        "GET",
    ]


async def test_create_without_an_id_in_the_answer_is_resolved_by_lookup(
    sim: WebcrmSimulator, clock: FakeClock
) -> None:
    transport = CreateAnswersNothing(httpx.ASGITransport(app=sim.app))
    async with WebcrmClient(settings_for(sim), clock=clock, transport=transport) as webcrm:
        other = await webcrm.organisations.create(
            {"OrganisationName": "Annan AB", "OrganisationExtraCustom1": "1"},
            lookup=("OrganisationExtraCustom1", "1"),
        )
        new_id = await webcrm.organisations.create(
            {"OrganisationName": "Ny AB", "OrganisationExtraCustom1": "2001"},
            lookup=("OrganisationExtraCustom1", "2001"),
        )
        assert new_id != other
        assert (await webcrm.organisations.get(new_id)).name == "Ny AB"
        with pytest.raises(ValidationError, match="no lookup"):
            await webcrm.organisations.create({"OrganisationName": "Okänd AB"})


async def test_list_pages_with_size_until_a_short_page(
    client: WebcrmClient, sim: WebcrmSimulator
) -> None:
    for n in range(7):
        await client.organisations.create({"OrganisationName": f"Kund {n}"})
    names = [org.name async for org in client.organisations.list()]
    assert names == [f"Kund {n}" for n in range(7)]
    pages = gets(sim, "/Organisations")
    assert [(p["Page"], p["Size"]) for p in pages] == [
        (["1"], ["3"]),
        (["2"], ["3"]),
        (["3"], ["3"]),
    ]


async def test_an_exact_multiple_of_the_page_size_ends_on_an_empty_page(
    client: WebcrmClient, sim: WebcrmSimulator
) -> None:
    for n in range(6):
        await client.organisations.create({"OrganisationName": f"Kund {n}"})
    assert len([org async for org in client.organisations.list()]) == 6
    assert len(gets(sim, "/Organisations")) == 3


async def test_find_quotes_names_with_apostrophes_and_cannot_be_injected(
    client: WebcrmClient,
) -> None:
    obrien = await client.organisations.create({"OrganisationName": "O'Brien Bygg AB"})
    await client.organisations.create({"OrganisationName": "Andra AB"})
    found = await client.organisations.find("OrganisationName", "O'Brien Bygg AB")
    assert [org.id for org in found] == [obrien]
    hostile = "x' OR OrganisationName <> 'x"
    assert await client.organisations.find("OrganisationName", hostile) == []
    with pytest.raises(ValueError):
        await client.organisations.find("OrganisationName = 'x' OR 1", "x")


async def test_changed_since_includes_the_boundary_and_excludes_older(
    client: WebcrmClient, clock: FakeClock
) -> None:
    old = await client.organisations.create({"OrganisationName": "Gammal AB"})
    clock.advance(5)
    boundary = await client.organisations.create({"OrganisationName": "Gräns AB"})
    cursor = (await client.organisations.get(boundary)).updated_at
    assert cursor is not None

    first = [org async for org in client.organisations.changed_since(cursor)]
    assert [org.id for org in first] == [boundary]  # >=: the record at the cursor is seen

    clock.advance(5)
    await client.organisations.update(old, {"OrganisationPostCode": "111 22"})
    newer = await client.organisations.create({"OrganisationName": "Ny AB"})
    second = [org async for org in client.organisations.changed_since(cursor)]
    assert sorted(org.id for org in second) == sorted([old, boundary, newer])
    next_cursor = max(org.updated_at for org in second if org.updated_at)
    assert next_cursor - cursor >= timedelta(seconds=5)

    everything = [org async for org in client.organisations.changed_since(None)]
    assert len(everything) == 3
    # Query rows become plain DTOs: no RowNumber or internal columns.
    assert all(key.startswith("Organisation") for key in everything[0].dto())


async def test_changed_since_reads_every_page(client: WebcrmClient, clock: FakeClock) -> None:
    since = clock.now() - timedelta(seconds=1)
    for n in range(8):
        await client.organisations.create({"OrganisationName": f"Kund {n}"})
    changed = [org async for org in client.organisations.changed_since(since)]
    assert len(changed) == 8


async def test_missing_record_and_rejected_data(client: WebcrmClient) -> None:
    with pytest.raises(NotFoundError) as missing:
        await client.organisations.get(999)
    assert missing.value.status == 404
    with pytest.raises(ValidationError) as rejected:
        await client.organisations.create(
            {"OrganisationName": "Lång AB", "OrganisationCustom4": "x" * 51}
        )
    assert rejected.value.status == 400
    assert "OrganisationCustom4" in rejected.value.message


async def test_upsert_many_reports_one_result_per_item(
    client: WebcrmClient, sim: WebcrmSimulator
) -> None:
    existing = await client.organisations.create(
        {"OrganisationName": "Finns AB", "OrganisationExtraCustom1": "100"}
    )
    current = (await client.organisations.get(existing)).dto()
    dtos = [
        {"OrganisationName": f"Import {n}", "OrganisationExtraCustom1": f"2{n:02d}"}
        for n in range(4)
    ]
    dtos.append({**current, "OrganisationName": "Finns & Co AB"})
    dtos.append({"OrganisationName": "Dubblett AB", "OrganisationExtraCustom1": "100"})
    results = await client.organisations.upsert_many(dtos)

    assert len(results) == 6
    new_ids = results[:4]
    assert all(isinstance(r, int) for r in new_ids)
    assert results[4] == existing
    assert isinstance(results[5], ApiError)
    for n, new_id in enumerate(new_ids):
        assert isinstance(new_id, int)
        assert (await client.organisations.get(new_id)).name == f"Import {n}"
    assert (await client.organisations.get(existing)).name == "Finns & Co AB"
    patches = [r for r in sim.requests if r.method == "PATCH"]
    assert len(patches) == 2  # chunks of page_size (3)
