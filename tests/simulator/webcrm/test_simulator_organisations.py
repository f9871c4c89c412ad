"""Simulator contract: organisation DTO, create/replace/upsert, paging, date windows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.webcrm_kit import TIMESTAMP, api, create, new_organisation
from wfsync.clock import FakeClock
from wfsync.simulators.webcrm import WebcrmSimulator


@pytest.fixture
def sim(clock: FakeClock) -> WebcrmSimulator:
    return WebcrmSimulator(clock=clock)


async def test_get_returns_all_109_properties_with_webcrm_defaults(
    sim: WebcrmSimulator, clock: FakeClock
) -> None:
    clock.advance(0.123)
    async with api(sim) as client:
        org_id = await new_organisation(client, OrganisationName="Kund AB")
        body = (await client.get(f"/Organisations/{org_id}")).json()
    assert len(body) == 109
    assert body["OrganisationId"] == org_id
    assert body["OrganisationAddress"] == "" and body["OrganisationOwner"] == 0
    assert body["OrganisationNoAds"] is False
    assert body["OrganisationXDate1"] is None and body["OrganisationVatVerifiedAt"] is None
    assert body["OrganisationType"] == "-- Välj --"
    assert body["OrganisationLastItemType"] == "Undefined"
    assert body["OrganisationCreatedAt"] == "2026-01-15T09:00:00.123"
    assert TIMESTAMP.match(body["OrganisationUpdatedAt"])
    assert body["OrganisationCreatedBy"] == body["OrganisationUpdatedBy"] == "API wfsync"
    assert body["OrganisationCompareName"] == "KUNDAB"
    for name in ("OrganisationPhone", "OrganisationErpId"):
        assert name not in body


async def test_create_requires_id_zero_and_returns_a_bare_integer(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        first = await client.post(
            "/Organisations", json={"OrganisationId": 0, "OrganisationName": "A"}
        )
        second = await new_organisation(client, OrganisationName="B")
        missing = await client.post("/Organisations", json={"OrganisationName": "C"})
        nonzero = await client.post(
            "/Organisations", json={"OrganisationId": 99, "OrganisationName": "D"}
        )
        listed = (await client.get("/Organisations", params={"Size": 10})).json()
    assert first.status_code == 200 and first.text == "1"
    assert second == 2
    assert missing.status_code == 400 and "OrganisationId" in missing.json()["Message"]
    assert nonzero.status_code == 400
    assert [org["OrganisationName"] for org in listed] == ["A", "B"]


async def test_put_replaces_resets_absent_properties_and_bumps_updated_at(
    sim: WebcrmSimulator, clock: FakeClock
) -> None:
    async with api(sim) as client:
        org_id = await new_organisation(
            client, OrganisationCity="Lund", OrganisationType="Prospekt"
        )
        before = (await client.get(f"/Organisations/{org_id}")).json()
        clock.advance(5.5)
        put = await client.put(
            f"/Organisations/{org_id}",
            json={"OrganisationId": org_id, "OrganisationName": "Nytt namn AB"},
        )
        after = (await client.get(f"/Organisations/{org_id}")).json()
    assert put.status_code == 200 and put.content == b""
    assert after["OrganisationName"] == "Nytt namn AB"
    assert after["OrganisationCity"] == ""
    assert after["OrganisationType"] == "-- Välj --"
    assert after["OrganisationCreatedAt"] == before["OrganisationCreatedAt"]
    assert after["OrganisationUpdatedAt"] == "2026-01-15T09:00:05.500"


async def test_put_full_object_round_trip_keeps_everything(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        org_id = await new_organisation(
            client, OrganisationCity="Lund", OrganisationXDate1="2024-05-01T00:00:00Z"
        )
        read = (await client.get(f"/Organisations/{org_id}")).json()
        read["OrganisationTelephone"] = "046-12 34 56"
        await client.put(f"/Organisations/{org_id}", json=read)
        again = (await client.get(f"/Organisations/{org_id}")).json()
    assert again["OrganisationCity"] == "Lund"
    assert again["OrganisationXDate1"] == "2024-05-01T00:00:00.000"
    assert again["OrganisationTelephoneSearch"] == "-046123456-"


async def test_put_id_rules_and_missing_records(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        org_id = await new_organisation(client)
        mismatch = await client.put(f"/Organisations/{org_id}", json={"OrganisationId": org_id + 1})
        no_id = await client.put(f"/Organisations/{org_id}", json={"OrganisationName": "X"})
        absent_put = await client.put("/Organisations/999", json={"OrganisationId": 999})
        absent_get = await client.get("/Organisations/999")
    assert mismatch.status_code == 400 and no_id.status_code == 400
    assert absent_put.status_code == 404 and absent_get.status_code == 404
    assert absent_get.json()["Type"] == "NotFoundException"


async def test_there_is_no_delete_for_organisations(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        org_id = await new_organisation(client)
        response = await client.delete(f"/Organisations/{org_id}")
        still = await client.get(f"/Organisations/{org_id}")
    assert response.status_code == 405
    assert "DELETE" not in response.headers["Allow"] and "PUT" in response.headers["Allow"]
    assert still.status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("OrganisationName", 42),
        ("OrganisationOwner", "7"),
        ("OrganisationOwner", 1.5),
        ("OrganisationNoAds", "true"),
        ("OrganisationCity", "x" * 51),
        ("OrganisationXDate1", "yesterday"),
        ("OrganisationLastItemType", "Delivery"),  # server-set: ignored, not an error
    ],
)
async def test_values_of_the_wrong_json_type_are_rejected(
    sim: WebcrmSimulator, field: str, value: object
) -> None:
    async with api(sim) as client:
        response = await client.post(
            "/Organisations", json={"OrganisationId": 0, "OrganisationName": "A", field: value}
        )
    if field == "OrganisationLastItemType":
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert field in response.json()["Message"]


async def test_body_must_be_json(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        form = await client.post("/Organisations", data={"OrganisationId": "0"})
        broken = await client.post(
            "/Organisations", content=b"{", headers={"Content-Type": "application/json"}
        )
        array = await client.post("/Organisations", json=[{"OrganisationId": 0}])
    assert form.status_code == 415
    assert broken.status_code == 400 and array.status_code == 400


async def test_type_must_be_a_configured_option(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        good = await client.post(
            "/Organisations",
            json={
                "OrganisationId": 0,
                "OrganisationName": "A",
                "OrganisationType": "Kund – Privat",
            },
        )
        bad = await client.post(
            "/Organisations",
            json={"OrganisationId": 0, "OrganisationName": "B", "OrganisationType": "Kund"},
        )
    assert good.status_code == 200
    assert bad.status_code == 400 and "OrganisationType" in bad.json()["Message"]


async def test_customer_number_slot_is_unique(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        await new_organisation(client, OrganisationExtraCustom1="1042")
        duplicate = await client.post(
            "/Organisations",
            json={"OrganisationId": 0, "OrganisationName": "B", "OrganisationExtraCustom1": "1042"},
        )
        other_slot = await new_organisation(client, OrganisationExtraCustom2="1042")
    assert duplicate.status_code == 400 and "Kundnummer" in duplicate.json()["Message"]
    assert other_slot > 0


async def test_paging_defaults_to_10_and_validates_bounds(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        for n in range(23):
            await new_organisation(client, OrganisationName=f"Org {n:02d}")
        default = (await client.get("/Organisations")).json()
        last = (await client.get("/Organisations", params={"Page": 3, "Size": 10})).json()
        past = await client.get("/Organisations", params={"Page": 4, "Size": 10})
        whole = (await client.get("/Organisations", params={"Size": 1000})).json()
        bad = [
            (await client.get("/Organisations", params=params)).status_code
            for params in (
                {"Size": 0},
                {"Size": 1001},
                {"Page": 0},
                {"Page": 1_000_001},
                {"Size": "ten"},
            )
        ]
        lower_case = (await client.get("/Organisations", params={"page": 2, "size": 20})).json()
    assert len(default) == 10 and default[0]["OrganisationName"] == "Org 00"
    assert [o["OrganisationName"] for o in last] == ["Org 20", "Org 21", "Org 22"]
    assert past.status_code == 200 and past.json() == []
    assert [o["OrganisationId"] for o in whole] == list(range(1, 24))
    assert bad == [400] * 5
    assert len(lower_case) == 3


async def test_patch_upserts_and_answers_one_string_per_item(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        existing = await new_organisation(client, OrganisationName="Gammal")
        response = await client.patch(
            "/Organisations",
            json=[
                {"OrganisationId": 0, "OrganisationName": "Ny"},
                {"OrganisationId": existing, "OrganisationName": "Ändrad"},
                {"OrganisationId": 555, "OrganisationName": "Saknas"},
                {"OrganisationId": 0, "OrganisationType": "Okänd"},
            ],
        )
        names = [o["OrganisationName"] for o in (await client.get("/Organisations")).json()]
    assert response.status_code == 200
    answer = response.json()
    assert answer[0] == "2" and answer[1] == str(existing)
    assert all(isinstance(item, str) for item in answer) and len(answer) == 4
    assert "555" in answer[2] and "OrganisationType" in answer[3]
    assert names == ["Ändrad", "Ny"]


async def test_find_by_update_dates_is_a_half_open_utc_window(
    sim: WebcrmSimulator, clock: FakeClock
) -> None:
    async with api(sim) as client:
        first = await new_organisation(client, OrganisationName="A")  # 09:00:00
        clock.advance(1800)
        second = await new_organisation(client, OrganisationName="B")  # 09:30:00
        clock.advance(60)
        await client.put(
            f"/Organisations/{first}", json={"OrganisationId": first, "OrganisationName": "A2"}
        )  # 09:31:00
        window = "/Organisations/FindByUpdateDates/2026-01-15T09:30:00/2026-01-15T09:31:00"
        updated = (await client.get(window, params={"Size": 100})).json()
        created = (
            await client.get(
                "/Organisations/FindByCreateDates/2026-01-15T09:00:00/2026-01-15T09:30:00",
                params={"Size": 100},
            )
        ).json()
        with_offset = (
            await client.get(
                "/Organisations/FindByUpdateDates/2026-01-15T10:31:00+01:00/2099-01-01T00:00:00",
                params={"Size": 100},
            )
        ).json()
        bad = await client.get("/Organisations/FindByUpdateDates/igår/idag")
    assert [o["OrganisationId"] for o in updated] == [second]
    assert [o["OrganisationId"] for o in created] == [first]
    assert [o["OrganisationId"] for o in with_offset] == [first]
    assert bad.status_code == 400


async def test_persons_of_an_organisation(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        org_id = await new_organisation(client)
        other = await new_organisation(client, OrganisationName="Annan AB")
        person = await create(
            client,
            "/Persons",
            {
                "PersonId": 0,
                "PersonOrganisationId": org_id,
                "PersonFirstName": "Eva",
                "PersonLastName": "Ek",
            },
        )
        await create(
            client,
            "/Persons",
            {"PersonId": 0, "PersonOrganisationId": other, "PersonLastName": "X"},
        )
        persons = (await client.get(f"/Organisations/{org_id}/Persons", params={"Size": 50})).json()
        missing = await client.get("/Organisations/999/Persons")
    assert [p["PersonId"] for p in persons] == [person]
    assert persons[0]["PersonName"] == "Eva Ek" and persons[0]["PersonStatus"] == "Active"
    assert missing.status_code == 404


async def test_person_rules_last_name_and_fixed_organisation(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        org_id = await new_organisation(client)
        other = await new_organisation(client, OrganisationName="Annan AB")
        no_last = await client.post("/Persons", json={"PersonId": 0, "PersonFirstName": "Eva"})
        person = await create(
            client,
            "/Persons",
            {"PersonId": 0, "PersonOrganisationId": org_id, "PersonLastName": "-"},
        )
        body = (await client.get(f"/Persons/{person}")).json()
        body["PersonOrganisationId"] = other
        moved = await client.put(f"/Persons/{person}", json=body)
        delete = await client.delete(f"/Persons/{person}")
    assert no_last.status_code == 400
    assert moved.status_code == 400
    assert delete.status_code == 405


async def test_timestamps_are_stored_in_utc_with_millisecond_precision(
    sim: WebcrmSimulator, clock: FakeClock
) -> None:
    clock.advance(timedelta(milliseconds=1234.5678).total_seconds())
    async with api(sim) as client:
        org_id = await new_organisation(client)
        body = (await client.get(f"/Organisations/{org_id}")).json()
    assert body["OrganisationCreatedAt"] == "2026-01-15T09:00:01.234"


async def test_trailing_slash_and_json_media_type_variants(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        text_json = await client.post(
            "/Organisations/",
            content=b'{"OrganisationId": 0, "OrganisationName": "A"}',
            headers={"Content-Type": "text/json; charset=utf-8"},
        )
        patch_json = await client.post(
            "/Organisations",
            content=b'{"OrganisationId": 0, "OrganisationName": "B"}',
            headers={"Content-Type": "application/json-patch+json"},
        )
        read = await client.get(f"/Organisations/{text_json.json()}/")
    assert text_json.status_code == 200 and patch_json.status_code == 200
    assert read.json()["OrganisationName"] == "A"


async def test_persons_batch_upsert(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        org_id = await new_organisation(client)
        answer = await client.patch(
            "/Persons",
            json=[
                {"PersonId": 0, "PersonOrganisationId": org_id, "PersonLastName": "Ek"},
                {"PersonId": 0, "PersonOrganisationId": org_id},
            ],
        )
    assert answer.json()[0] == "1" and "PersonLastName" in answer.json()[1]
