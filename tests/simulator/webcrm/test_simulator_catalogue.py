"""Simulator contract: the product catalogue at /QuotationLines/LinkedData."""

from __future__ import annotations

import pytest

from tests.webcrm_kit import api, catalogue_item, create
from wfsync.clock import FakeClock
from wfsync.simulators.webcrm import WebcrmSimulator

PREFIX = "QuotationLineLinkedDataItem"


@pytest.fixture
def sim(clock: FakeClock) -> WebcrmSimulator:
    return WebcrmSimulator(clock=clock)


async def test_catalogue_item_round_trip_with_exact_fields(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        item_id = await create(
            client,
            "/QuotationLines/LinkedData",
            catalogue_item(
                QuotationLineLinkedDataItemData1="200",
                QuotationLineLinkedDataItemData2="Te",
                QuotationLineLinkedDataItemPrice=450,
                QuotationLineLinkedDataItemVatCode="3000",
            ),
        )
        body = (await client.get(f"/QuotationLines/LinkedData/{item_id}")).json()
    assert set(body) == {
        f"{PREFIX}CostPrice",
        f"{PREFIX}VatCode",
        *(f"{PREFIX}Data{n}" for n in range(1, 10)),
        f"{PREFIX}DataMemo",
        f"{PREFIX}EntityType",
        f"{PREFIX}Id",
        f"{PREFIX}ItemGroup",
        f"{PREFIX}Price",
    }
    assert body[f"{PREFIX}Price"] == 450.0 and isinstance(body[f"{PREFIX}Price"], float)
    assert body[f"{PREFIX}CostPrice"] is None
    assert body[f"{PREFIX}EntityType"] == "Product"


@pytest.mark.parametrize("blank", ["", "   ", None])
async def test_empty_data_columns_are_rejected(sim: WebcrmSimulator, blank: str | None) -> None:
    async with api(sim) as client:
        response = await client.post(
            "/QuotationLines/LinkedData", json=catalogue_item(**{f"{PREFIX}Data7": blank})
        )
        missing = catalogue_item()
        del missing[f"{PREFIX}Data9"]
        absent = await client.post("/QuotationLines/LinkedData", json=missing)
    assert response.status_code == 400 and f"{PREFIX}Data7" in response.json()["Message"]
    assert absent.status_code == 400


async def test_list_is_unpaged_and_in_creation_order(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        ids = [
            await create(
                client,
                "/QuotationLines/LinkedData",
                catalogue_item(**{f"{PREFIX}Data1": f"A{n}"}),
            )
            for n in range(15)
        ]
        listed = (await client.get("/QuotationLines/LinkedData", params={"Size": 5})).json()
    assert [item[f"{PREFIX}Id"] for item in listed] == ids


async def test_update_delete_one_and_delete_all(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        first = await create(client, "/QuotationLines/LinkedData", catalogue_item())
        second = await create(client, "/QuotationLines/LinkedData", catalogue_item())
        body = (await client.get(f"/QuotationLines/LinkedData/{first}")).json()
        body[f"{PREFIX}Data2"] = "Nytt namn"
        put = await client.put(f"/QuotationLines/LinkedData/{first}", json=body)
        renamed = (await client.get(f"/QuotationLines/LinkedData/{first}")).json()
        one = await client.delete(f"/QuotationLines/LinkedData/{second}")
        after_one = (await client.get("/QuotationLines/LinkedData")).json()
        everything = await client.delete("/QuotationLines/LinkedData")
        after_all = (await client.get("/QuotationLines/LinkedData")).json()
        patch = await client.patch("/QuotationLines/LinkedData", json=[])
    assert put.status_code == 200 and renamed[f"{PREFIX}Data2"] == "Nytt namn"
    assert one.status_code == 200 and [i[f"{PREFIX}Id"] for i in after_one] == [first]
    assert everything.status_code == 200 and after_all == []
    assert patch.status_code == 405


async def test_entity_type_must_be_an_enum_name(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        numeric = await client.post(
            "/QuotationLines/LinkedData", json=catalogue_item(**{f"{PREFIX}EntityType": 7})
        )
        unset = catalogue_item()
        del unset[f"{PREFIX}EntityType"]
        item_id = await create(client, "/QuotationLines/LinkedData", unset)
        body = (await client.get(f"/QuotationLines/LinkedData/{item_id}")).json()
    assert numeric.status_code == 400
    assert body[f"{PREFIX}EntityType"] == "Undefined"


async def test_linked_setup_describes_the_data_columns(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        setup = (await client.get("/QuotationLines/LinkedSetup")).json()
    assert setup["QuotationLineLinkedSetupField1"] == 1
    assert setup["QuotationLineLinkedSetupUseLinkedField2"] is True
    assert setup["QuotationLineLinkedSetupUseLinkedField9"] is False
