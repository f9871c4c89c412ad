"""Simulator contract: GET /Queries, the single-table SQL subset of reference §9.1/§11."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.webcrm_kit import api, catalogue_item, create, new_delivery, new_organisation
from wfsync.clock import FakeClock
from wfsync.simulators.webcrm import WebcrmSimulator


@pytest.fixture
def sim(clock: FakeClock) -> WebcrmSimulator:
    return WebcrmSimulator(clock=clock, rate_limit=None)


async def run(client: httpx.AsyncClient, script: str, **params: Any) -> httpx.Response:
    return await client.get("/Queries", params={"script": script, "Size": 100, **params})


async def names(client: httpx.AsyncClient, script: str) -> list[str]:
    response = await run(client, script)
    assert response.status_code == 200, response.text
    return [row["OrganisationName"] for row in response.json()]


async def seed_orgs(client: httpx.AsyncClient, clock: FakeClock) -> None:
    await new_organisation(
        client,
        OrganisationName="Alfa AB",
        OrganisationType="Kund – Företag",
        OrganisationCity="Lund",
        OrganisationExtraCustom1="1001",
    )
    clock.advance(60)
    await new_organisation(
        client, OrganisationName="Beta HB", OrganisationType="Prospekt", OrganisationCity="LUND"
    )
    clock.advance(60)
    await new_organisation(
        client,
        OrganisationName="Gamma AB",
        OrganisationType="Kund – Privat",
        OrganisationCity="Malmö",
        OrganisationXDate1="2024-05-01T00:00:00Z",
    )


async def test_select_star_returns_dto_rows_with_row_numbers(
    sim: WebcrmSimulator, clock: FakeClock
) -> None:
    async with api(sim) as client:
        await seed_orgs(client, clock)
        rows = (await run(client, "SELECT * FROM Organisation")).json()
    assert [row["RowNumber"] for row in rows] == [1, 2, 3]
    assert rows[0]["OrganisationName"] == "Alfa AB"
    assert rows[0]["OrganisationUpdatedAt"] == "2026-01-15T09:00:00.000"
    assert "OrganisationId" in rows[0] and "o_lastUpdatedById" in rows[0]


async def test_column_list_and_case_insensitive_keywords_and_table(
    sim: WebcrmSimulator, clock: FakeClock
) -> None:
    async with api(sim) as client:
        await seed_orgs(client, clock)
        rows = (
            await run(client, "select organisationid, OrganisationName from organisation")
        ).json()
    assert rows[0] == {"OrganisationId": 1, "OrganisationName": "Alfa AB", "RowNumber": 1}


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("OrganisationCity = 'lund'", ["Alfa AB", "Beta HB"]),
        ("OrganisationCity <> 'Lund'", ["Gamma AB"]),
        ("OrganisationName LIKE '%ab'", ["Alfa AB", "Gamma AB"]),
        ("OrganisationName NOT LIKE 'B_ta%'", ["Alfa AB", "Gamma AB"]),
        ("OrganisationType IN ('Kund – Företag', 'Kund – Privat')", ["Alfa AB", "Gamma AB"]),
        ("OrganisationId NOT IN (1, 3)", ["Beta HB"]),
        ("OrganisationXDate1 IS NULL", ["Alfa AB", "Beta HB"]),
        ("OrganisationXDate1 IS NOT NULL", ["Gamma AB"]),
        ("OrganisationXDate1 <> '2000-01-01'", ["Gamma AB"]),  # NULL is never unequal
        ("NOT (OrganisationXDate1 = '2000-01-01')", ["Gamma AB"]),
        (
            "OrganisationId >= 2 AND (OrganisationCity = 'Lund' OR OrganisationCity = 'Malmö')",
            ["Beta HB", "Gamma AB"],
        ),
        ("OrganisationId > 1 AND NOT OrganisationCity = 'Malmö'", ["Beta HB"]),
        ("OrganisationExtraCustom1 = '1001'", ["Alfa AB"]),
        ("OrganisationExtraCustom1 = ''", ["Beta HB", "Gamma AB"]),
        ("OrganisationUpdatedAt >= '2026-01-15T09:01:00.0000000Z'", ["Beta HB", "Gamma AB"]),
        ("OrganisationUpdatedAt > '2026-01-15T09:01:00'", ["Gamma AB"]),
        ("OrganisationUpdatedAt < '2026-01-15T10:01:00+01:00'", ["Alfa AB"]),
        ("OrganisationNoAds = 0", ["Alfa AB", "Beta HB", "Gamma AB"]),
        ("OrganisationId = '2'", ["Beta HB"]),
    ],
)
async def test_where_clauses(
    sim: WebcrmSimulator, clock: FakeClock, where: str, expected: list[str]
) -> None:
    async with api(sim) as client:
        await seed_orgs(client, clock)
        found = await names(client, f"SELECT * FROM Organisation WHERE {where}")
    assert found == expected


async def test_order_by_and_paging(sim: WebcrmSimulator, clock: FakeClock) -> None:
    async with api(sim) as client:
        await seed_orgs(client, clock)
        script = "SELECT * FROM Organisation ORDER BY OrganisationUpdatedAt DESC"
        page1 = (await run(client, script, Size=2, Page=1)).json()
        page2 = (await run(client, script, Size=2, Page=2)).json()
        default = await client.get("/Queries", params={"script": script})
        by_city = await names(
            client, "SELECT * FROM Organisation ORDER BY OrganisationCity, OrganisationName DESC"
        )
        too_big = await run(client, script, Size=1001)
    assert [r["OrganisationName"] for r in page1] == ["Gamma AB", "Beta HB"]
    assert [(r["OrganisationName"], r["RowNumber"]) for r in page2] == [("Alfa AB", 3)]
    assert len(default.json()) == 3
    assert by_city == ["Beta HB", "Alfa AB", "Gamma AB"]
    assert too_big.status_code == 400


async def test_delivery_person_and_linked_data_tables(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        org_id = await new_organisation(client)
        await new_delivery(client, org_id, DeliveryCustom1="F-1234")
        await create(
            client,
            "/Persons",
            {
                "PersonId": 0,
                "PersonOrganisationId": org_id,
                "PersonEmail": "o'brien@example.com",
                "PersonLastName": "O'Brien",
            },
        )
        await create(
            client,
            "/QuotationLines/LinkedData",
            catalogue_item(
                QuotationLineLinkedDataItemData1="200", QuotationLineLinkedDataItemPrice=450.0
            ),
        )
        deliveries = (
            await run(client, "SELECT * FROM Delivery WHERE DeliveryCustom1 = 'f-1234'")
        ).json()
        persons = (
            await run(
                client,
                "SELECT PersonId, PersonEmail FROM Person "
                "WHERE PersonEmail = 'o''brien@example.com'",
            )
        ).json()
        linked = (
            await run(
                client,
                "SELECT * FROM LinkedData WHERE LinkedDataItemEntityType = 7 "
                "AND LinkedDataItemData1 = '200'",
            )
        ).json()
        opportunities = await run(client, "SELECT * FROM Opportunity")
    assert [d["DeliveryId"] for d in deliveries] == [1]
    assert deliveries[0]["DeliveryStatus"] == "New"
    assert persons == [{"PersonId": 1, "PersonEmail": "o'brien@example.com", "RowNumber": 1}]
    assert linked[0]["LinkedDataItemId"] == 1 and linked[0]["LinkedDataItemEntityType"] == 7
    assert linked[0]["LinkedDataItemPrice"] == 450.0
    assert "QuotationLineLinkedDataItemId" not in linked[0]
    assert opportunities.status_code == 200 and opportunities.json() == []


@pytest.mark.parametrize(
    "script",
    [
        "SELECT * FROM Person JOIN Organisation ON (Person.PersonOrganisationId = "
        "Organisation.OrganisationId)",
        "SELECT TOP 5 * FROM Organisation",
        "SELECT DISTINCT OrganisationCity FROM Organisation",
        "SELECT OrganisationCity FROM Organisation GROUP BY OrganisationCity",
        "SELECT * FROM Organisation WHERE OrganisationId IN (SELECT PersonId FROM Person)",
        "SELECT * FROM Organisation WHERE OrganisationName = N'Alfa AB'",
        "SELECT * FROM Organisation t",
        "SELECT * FROM Organisation; DELETE FROM Organisation",
        "SELECT * FROM Organisation -- comment",
        "SELECT * FROM Organisation WHERE OrganisationName = 'O'Brien'",
        "SELECT * FROM Organisation WHERE OrganisationName = 'unterminated",
        "SELECT * FROM Organisation WHERE OrganisationName != 'x'",
        "SELECT * FROM QuotationLine",
        "SELECT * FROM Organisation WHERE NoSuchColumn = 1",
        "SELECT NoSuchColumn FROM Organisation",
        "SELECT * FROM Organisation WHERE OrganisationExtraCustom1 = 1001",
        "SELECT * FROM Organisation WHERE OrganisationUpdatedAt > 'yesterday'",
        "SELECT * FROM Organisation WHERE OrganisationId LIKE '1%'",
        "SELECT * FROM Organisation ORDER BY NoSuchColumn",
        "SELECT * FROM Organisation WHERE",
        "UPDATE Organisation SET OrganisationName = 'x'",
        "",
    ],
)
async def test_anything_outside_the_subset_is_a_400(
    sim: WebcrmSimulator, clock: FakeClock, script: str
) -> None:
    async with api(sim) as client:
        await seed_orgs(client, clock)
        response = await run(client, script)
    assert response.status_code == 400, response.text
    assert response.json()["Type"] == "BadRequestException"


async def test_a_correctly_escaped_injection_is_only_a_value(
    sim: WebcrmSimulator, clock: FakeClock
) -> None:
    async with api(sim) as client:
        await seed_orgs(client, clock)
        hostile = "x' OR '1'='1"
        escaped = hostile.replace("'", "''")
        found = await names(
            client, f"SELECT * FROM Organisation WHERE OrganisationName = '{escaped}'"
        )
        unescaped = await run(
            client, f"SELECT * FROM Organisation WHERE OrganisationName = '{hostile}'"
        )
    assert found == []
    assert unescaped.status_code == 400


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(value=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40))
async def test_any_escaped_text_matches_exactly_itself(value: str) -> None:
    sim = WebcrmSimulator(clock=FakeClock(), rate_limit=None)
    async with api(sim) as client:
        target = await new_organisation(client, OrganisationName="Mål", OrganisationComment=value)
        await new_organisation(client, OrganisationName="Annan", OrganisationComment=value + "x")
        escaped = value.replace("'", "''")
        response = await run(
            client,
            f"SELECT OrganisationId FROM Organisation WHERE OrganisationComment = '{escaped}'",
        )
    assert response.status_code == 200, response.text
    assert [row["OrganisationId"] for row in response.json()] == [target]


CITIES = ["Lund", "lund", "Malmö", "Umeå", ""]


def _condition() -> st.SearchStrategy[tuple[str, Any]]:
    """(SQL text, Python predicate over (city, owner)) pairs, nested with AND/OR/NOT."""
    city = st.sampled_from(["Lund", "MALMÖ", "Umeå", "Kiruna", ""]).flatmap(
        lambda value: st.sampled_from(
            [
                (
                    f"OrganisationCity = '{value}'",
                    lambda c, o, v=value: c.casefold() == v.casefold(),
                ),
                (
                    f"OrganisationCity <> '{value}'",
                    lambda c, o, v=value: c.casefold() != v.casefold(),
                ),
            ]
        )
    )
    owner = st.integers(min_value=0, max_value=4).flatmap(
        lambda value: st.sampled_from(
            [
                (f"OrganisationOwner < {value}", lambda c, o, v=value: o < v),
                (f"OrganisationOwner >= {value}", lambda c, o, v=value: o >= v),
                (f"OrganisationOwner IN ({value}, 2)", lambda c, o, v=value: o in (v, 2)),
            ]
        )
    )

    def combine(children: st.SearchStrategy[tuple[str, Any]]) -> st.SearchStrategy[tuple[str, Any]]:
        both = st.tuples(children, children)
        return st.one_of(
            both.map(
                lambda p: (
                    f"({p[0][0]}) AND ({p[1][0]})",
                    lambda c, o, p=p: p[0][1](c, o) and p[1][1](c, o),
                )
            ),
            both.map(
                lambda p: (
                    f"({p[0][0]}) OR ({p[1][0]})",
                    lambda c, o, p=p: p[0][1](c, o) or p[1][1](c, o),
                )
            ),
            children.map(lambda x: (f"NOT ({x[0]})", lambda c, o, x=x: not x[1](c, o))),
        )

    return st.recursive(st.one_of(city, owner), combine, max_leaves=6)


@settings(max_examples=60, deadline=None)
@given(
    records=st.lists(
        st.tuples(st.sampled_from(CITIES), st.integers(min_value=0, max_value=4)), max_size=8
    ),
    condition=_condition(),
)
async def test_where_agrees_with_a_reference_evaluator(
    records: list[tuple[str, int]], condition: tuple[str, Any]
) -> None:
    script, predicate = condition
    sim = WebcrmSimulator(clock=FakeClock(), rate_limit=None)
    for city, owner in records:
        sim.ui.create_organisation(Name="X", City=city, Owner=owner)
    async with api(sim) as client:
        response = await run(
            client, f"SELECT OrganisationId FROM Organisation WHERE {script}", Size=1000
        )
    assert response.status_code == 200, response.text
    expected = [n for n, (city, owner) in enumerate(records, start=1) if predicate(city, owner)]
    assert [row["OrganisationId"] for row in response.json()] == expected


async def test_paging_sees_writes_made_between_pages(sim: WebcrmSimulator) -> None:
    """A query result is reused across pages only while nothing changed: a write (or
    a rendering switch) between two pages is in the next page, as on the server."""
    for n in range(5):
        sim.ui.create_organisation(OrganisationName=f"Org {n}")
    script = (
        "SELECT OrganisationName, OrganisationUpdatedAt FROM Organisation ORDER BY OrganisationName"
    )
    async with api(sim) as client:

        async def page(number: int) -> list[Any]:
            response = await client.get(
                "/Queries", params={"script": script, "Page": number, "Size": 2}
            )
            assert response.status_code == 200, response.text
            return [row["OrganisationName"] for row in response.json()]

        assert await page(1) == ["Org 0", "Org 1"]
        sim.ui.create_organisation(OrganisationName="Org 00")
        assert await page(2) == ["Org 1", "Org 2"]  # the new row sorts before
        sim.quirks.timestamps_with_offset = True
        response = await client.get("/Queries", params={"script": script, "Page": 1, "Size": 1})
    assert response.json()[0]["OrganisationUpdatedAt"].endswith("+00:00")
