"""Simulator quirks: the other documented readings a client must survive."""

from __future__ import annotations

import pytest

from tests.webcrm_kit import api, new_delivery, new_organisation
from wfsync.clock import FakeClock
from wfsync.simulators.webcrm import WebcrmSimulator


@pytest.fixture
def sim(clock: FakeClock) -> WebcrmSimulator:
    return WebcrmSimulator(clock=clock)


async def test_organisation_create_can_answer_without_an_id(sim: WebcrmSimulator) -> None:
    sim.quirks.organisation_create_returns_id = False
    async with api(sim) as client:
        response = await client.post(
            "/Organisations",
            json={
                "OrganisationId": 0,
                "OrganisationName": "Tyst AB",
                "OrganisationExtraCustom1": "7",
            },
        )
        found = (
            await client.get(
                "/Queries",
                params={
                    "script": "SELECT OrganisationId FROM Organisation "
                    "WHERE OrganisationExtraCustom1 = '7'"
                },
            )
        ).json()
        delivery = await new_delivery(client, found[0]["OrganisationId"])
    assert response.status_code == 200 and response.content == b""
    assert found[0]["OrganisationId"] == 1
    assert delivery == 1  # other POSTs still answer the id


async def test_unset_dates_can_come_back_as_min_value_with_offsets(
    sim: WebcrmSimulator,
) -> None:
    sim.quirks.unset_dates_as_min_value = True
    sim.quirks.timestamps_with_offset = True
    async with api(sim) as client:
        org_id = await new_organisation(client)
        body = (await client.get(f"/Organisations/{org_id}")).json()
        rows = (
            await client.get(
                "/Queries",
                params={
                    "script": "SELECT OrganisationXDate1 FROM Organisation "
                    "WHERE OrganisationXDate1 IS NULL"
                },
            )
        ).json()
    assert body["OrganisationXDate1"] == "0001-01-01T00:00:00+00:00"
    assert body["OrganisationCreatedAt"] == "2026-01-15T09:00:00.000+00:00"
    assert rows == [{"OrganisationXDate1": "0001-01-01T00:00:00+00:00", "RowNumber": 1}]


async def test_default_reading_is_null_dates_without_offset(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        org_id = await new_organisation(client)
        body = (await client.get(f"/Organisations/{org_id}")).json()
    assert body["OrganisationXDate1"] is None
    assert body["OrganisationCreatedAt"] == "2026-01-15T09:00:00.000"
