"""Simulator contract: deliveries, quotation lines, totals, moves and typed custom slots."""

from __future__ import annotations

import pytest

from tests.webcrm_kit import api, catalogue_item, create, new_delivery, new_line, new_organisation
from wfsync.clock import FakeClock
from wfsync.simulators.webcrm import WebcrmSimulator


@pytest.fixture
def sim(clock: FakeClock) -> WebcrmSimulator:
    return WebcrmSimulator(clock=clock)


async def test_delivery_dto_has_136_properties_and_webcrm_defaults(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        org_id = await new_organisation(client)
        delivery_id = await new_delivery(client, org_id)
        body = (await client.get(f"/Deliveries/{delivery_id}")).json()
    assert len(body) == 136
    assert body["DeliveryStatus"] == "New"
    assert body["DeliveryErpStatus"] == "NotReadyForSynchronization"
    assert body["DeliveryRisk"] == "NoRisk"
    assert body["DeliveryOrderDate"] is None and body["DeliveryWonDate"] is None
    assert body["DeliveryOrderValue"] == 0.0 and isinstance(body["DeliveryOrderValue"], float)
    assert body["DeliveryDiscount"] == 0.0 and body["DeliveryPercent"] == 0
    assert body["DeliveryProduct"] == "-- Välj --"
    assert body["DeliveryCustom5"] == "No"  # the "Fakturan bokförd" checkbox slot
    assert body["DeliveryCustom2"] == ""  # the "Leveransdatum" date slot
    assert body["DeliveryWinYesNo"] is False


async def test_order_date_is_stored_as_utc_instant(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        org_id = await new_organisation(client)
        local = await new_delivery(client, org_id, DeliveryOrderDate="2024-05-02T00:00:00+02:00")
        utc = await new_delivery(client, org_id, DeliveryOrderDate="2024-05-02T00:00:00Z")
        bare = await new_delivery(client, org_id, DeliveryOrderDate="2024-05-02")
        dates = [
            (await client.get(f"/Deliveries/{d}")).json()["DeliveryOrderDate"]
            for d in (local, utc, bare)
        ]
    assert dates == [
        "2024-05-01T22:00:00.000",
        "2024-05-02T00:00:00.000",
        "2024-05-02T00:00:00.000",
    ]


async def test_delivery_needs_an_existing_organisation_and_moves_only_by_move(
    sim: WebcrmSimulator,
) -> None:
    async with api(sim) as client:
        org_id = await new_organisation(client)
        other = await new_organisation(client, OrganisationName="Annan AB")
        orphan = await client.post("/Deliveries", json={"DeliveryId": 0})
        delivery_id = await new_delivery(client, org_id, DeliveryDescription="Order")
        line_id = await new_line(client, delivery_id, QuotationLineOrganisationId=org_id)
        body = (await client.get(f"/Deliveries/{delivery_id}")).json()
        body["DeliveryOrganisationId"] = other
        put = await client.put(f"/Deliveries/{delivery_id}", json=body)
        moved = await client.post(
            f"/Deliveries/{delivery_id}/Move", json={"NewOrganisationId": other}
        )
        after = (await client.get(f"/Deliveries/{delivery_id}")).json()
        line = (await client.get(f"/QuotationLines/{line_id}")).json()
        bad_target = await client.post(
            f"/Deliveries/{delivery_id}/Move", json={"NewOrganisationId": 999}
        )
        by_org = (
            await client.get(f"/Deliveries/ByOrganisation/{other}", params={"Size": 9})
        ).json()
    assert orphan.status_code == 400
    assert put.status_code == 400
    assert moved.status_code == 204 and moved.content == b""
    assert after["DeliveryOrganisationId"] == other
    assert line["QuotationLineOrganisationId"] == other
    assert bad_target.status_code == 400
    assert [d["DeliveryId"] for d in by_org] == [delivery_id]


async def test_no_delete_and_no_update_window_for_deliveries(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        org_id = await new_organisation(client)
        delivery_id = await new_delivery(client, org_id)
        delete = await client.delete(f"/Deliveries/{delivery_id}")
        window = await client.get(
            "/Deliveries/FindByUpdateDates/2020-01-01T00:00:00/2099-01-01T00:00:00"
        )
        created = await client.get(
            "/Deliveries/FindByCreateDates/2020-01-01T00:00:00/2099-01-01T00:00:00"
        )
    assert delete.status_code == 405
    assert window.status_code == 404
    assert [d["DeliveryId"] for d in created.json()] == [delivery_id]


@pytest.mark.parametrize(
    ("slot", "value", "ok"),
    [
        ("DeliveryCustom5", "Yes", True),
        ("DeliveryCustom5", "true", False),
        ("DeliveryCustom2", "2024-05-31", True),
        ("DeliveryCustom2", "2024-05-31T00:00:00", False),
        ("DeliveryCustom2", "2024-02-30", False),
        ("DeliveryCustom1", "x" * 51, False),
        ("DeliveryCustom9", "x" * 51, True),  # not a configured slot: no limit
    ],
)
async def test_typed_custom_slots_are_enforced(
    sim: WebcrmSimulator, slot: str, value: str, ok: bool
) -> None:
    async with api(sim) as client:
        org_id = await new_organisation(client)
        response = await client.post(
            "/Deliveries", json={"DeliveryId": 0, "DeliveryOrganisationId": org_id, slot: value}
        )
    assert (response.status_code == 200) is ok, response.text


async def test_status_filter_and_enum_validation(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        org_id = await new_organisation(client)
        planned = await new_delivery(client, org_id, DeliveryStatus="Planned")
        await new_delivery(client, org_id)
        wrong = await client.post(
            "/Deliveries",
            json={"DeliveryId": 0, "DeliveryOrganisationId": org_id, "DeliveryStatus": "planned"},
        )
        listed = (await client.get("/Deliveries/ByStatus/Planned", params={"Size": 9})).json()
    assert wrong.status_code == 400
    assert [d["DeliveryId"] for d in listed] == [planned]


async def test_lines_are_filtered_sorted_and_hide_the_write_only_catalogue_id(
    sim: WebcrmSimulator,
) -> None:
    async with api(sim) as client:
        org_id = await new_organisation(client)
        delivery_id = await new_delivery(client, org_id)
        other = await new_delivery(client, org_id)
        item = await create(client, "/QuotationLines/LinkedData", catalogue_item())
        late = await new_line(client, delivery_id, QuotationLineSortOrder=20)
        early = await new_line(
            client, delivery_id, QuotationLineSortOrder=10, QuotationLineLinkedDataId=item
        )
        tie = await new_line(client, delivery_id, QuotationLineSortOrder=10)
        await new_line(client, other)
        lines = (
            await client.get(f"/Deliveries/{delivery_id}/QuotationLines", params={"Size": 50})
        ).json()
        bad_item = await client.post(
            "/QuotationLines",
            json={
                "QuotationLineId": 0,
                "QuotationLineOpportunityId": delivery_id,
                "QuotationLineLinkedDataId": 999,
            },
        )
        no_parent = await client.post(
            "/QuotationLines", json={"QuotationLineId": 0, "QuotationLineOpportunityId": 999}
        )
        missing_delivery = await client.get("/Deliveries/999/QuotationLines")
    assert [line["QuotationLineId"] for line in lines] == [early, tie, late]
    assert len(lines[0]) == 27 and "QuotationLineLinkedDataId" not in lines[0]
    assert bad_item.status_code == 400 and no_parent.status_code == 400
    assert missing_delivery.status_code == 404


async def test_order_totals_follow_the_lines(sim: WebcrmSimulator, clock: FakeClock) -> None:
    async with api(sim) as client:
        org_id = await new_organisation(client)
        delivery_id = await new_delivery(client, org_id)
        clock.advance(1)
        first = await new_line(
            client,
            delivery_id,
            QuotationLineQuantity=10.0,
            QuotationLinePrice=4050.0,
            QuotationLineDiscount=10.0,
            QuotationLineCostPrice=500.0,
        )
        await new_line(
            client,
            delivery_id,
            QuotationLineQuantity=1.0,
            QuotationLinePrice=400.0,
            QuotationLineCostPrice=200.0,
        )
        totals = (await client.get(f"/Deliveries/{delivery_id}")).json()
        clock.advance(1)
        line = (await client.get(f"/QuotationLines/{first}")).json()
        line["QuotationLineMemo"] = "Bara text"
        await client.put(f"/QuotationLines/{first}", json=line)
        after_memo = (await client.get(f"/Deliveries/{delivery_id}")).json()
        deleted = await client.delete(f"/QuotationLines/{first}")
        after_delete = (await client.get(f"/Deliveries/{delivery_id}")).json()
        gone = await client.get(f"/QuotationLines/{first}")
    assert totals["DeliveryOrderValue"] == 36850.0
    assert totals["DeliveryOrderGmValue"] == 31650.0
    assert totals["DeliveryUpdatedAt"] == "2026-01-15T09:00:01.000"
    assert after_memo["DeliveryUpdatedAt"] == totals["DeliveryUpdatedAt"]
    assert deleted.status_code == 200
    assert after_delete["DeliveryOrderValue"] == 400.0
    assert after_delete["DeliveryOrderGmValue"] == 200.0
    assert after_delete["DeliveryUpdatedAt"] == "2026-01-15T09:00:02.000"
    assert gone.status_code == 404


async def test_written_totals_are_ignored(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        org_id = await new_organisation(client)
        delivery_id = await new_delivery(client, org_id, DeliveryOrderValue=999.0)
        body = (await client.get(f"/Deliveries/{delivery_id}")).json()
    assert body["DeliveryOrderValue"] == 0.0


async def test_a_line_may_only_refer_to_an_existing_catalogue_item(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        org_id = await new_organisation(client)
        delivery_id = await new_delivery(client, org_id)
        item = await create(client, "/QuotationLines/LinkedData", catalogue_item())
        line_id = await new_line(client, delivery_id, QuotationLineLinkedDataId=item)
        read = (await client.get(f"/QuotationLines/{line_id}")).json()
        await client.delete(f"/QuotationLines/LinkedData/{item}")
        plain = await client.put(f"/QuotationLines/{line_id}", json=read)
        stale = await client.put(
            f"/QuotationLines/{line_id}", json={**read, "QuotationLineLinkedDataId": item}
        )
    assert plain.status_code == 200
    assert stale.status_code == 400 and "QuotationLineLinkedDataId" in stale.json()["Message"]


async def test_patch_quotation_lines(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        org_id = await new_organisation(client)
        delivery_id = await new_delivery(client, org_id)
        answer = await client.patch(
            "/QuotationLines",
            json=[
                {
                    "QuotationLineId": 0,
                    "QuotationLineOpportunityId": delivery_id,
                    "QuotationLineQuantity": 2.0,
                    "QuotationLinePrice": 50.0,
                },
                {"QuotationLineId": 0, "QuotationLineOpportunityId": 12345},
                "not an object",
            ],
        )
        total = (await client.get(f"/Deliveries/{delivery_id}")).json()["DeliveryOrderValue"]
    assert answer.status_code == 200
    result = answer.json()
    assert result[0].isdigit() and not result[1].isdigit() and not result[2].isdigit()
    assert total == 100.0


async def test_duplicate_delivery_numbers_lock_both_deliveries_when_enabled(
    sim: WebcrmSimulator,
) -> None:
    sim.tenant.lock_duplicate_delivery_numbers = True
    async with api(sim) as client:
        org_id = await new_organisation(client)
        first = await new_delivery(client, org_id, DeliveryNumber="1234")
        await new_delivery(client, org_id, DeliveryNumber="1234")
        body = (await client.get(f"/Deliveries/{first}")).json()
        locked = await client.put(f"/Deliveries/{first}", json={**body, "DeliveryNote": "x"})
        renumbered = await client.put(
            f"/Deliveries/{first}", json={**body, "DeliveryNumber": "1235"}
        )
    assert locked.status_code == 400 and "locked" in locked.json()["Message"]
    assert renumbered.status_code == 200


async def test_dotnet_min_value_with_an_offset_is_a_400_not_a_crash(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        org_id = await new_organisation(client)
        response = await client.post(
            "/Deliveries",
            json={
                "DeliveryId": 0,
                "DeliveryOrganisationId": org_id,
                "DeliveryWonDate": "0001-01-01T00:30:00+01:00",
            },
        )
        min_utc = await new_delivery(client, org_id, DeliveryWonDate="0001-01-01T00:00:00+00:00")
        stored = (await client.get(f"/Deliveries/{min_utc}")).json()["DeliveryWonDate"]
    assert response.status_code == 400
    assert stored == "0001-01-01T00:00:00.000"
