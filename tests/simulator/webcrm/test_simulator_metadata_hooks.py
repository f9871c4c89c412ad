"""Simulator contract: /FieldsMetadata and webhook subscriptions."""

from __future__ import annotations

import httpx
import pytest

from tests.webcrm_kit import AUTH_CODE, api, new_organisation
from wfsync.clock import FakeClock
from wfsync.simulators.webcrm import WebcrmSimulator

HOOK = {
    "Id": 0,
    "TargetUrl": "https://sync.example.com/hooks/1",
    "EventType": "Update",
    "IsEnabled": True,
    "Filter": ["All"],
}


@pytest.fixture
def sim(clock: FakeClock) -> WebcrmSimulator:
    return WebcrmSimulator(clock=clock)


async def test_default_metadata_lists_the_configured_slots_and_type_options(
    sim: WebcrmSimulator,
) -> None:
    async with api(sim) as client:
        organisation = (await client.get("/FieldsMetadata/Organisation")).json()
        delivery = (await client.get("/fieldsmetadata/delivery")).json()
        everything = (await client.get("/FieldsMetadata")).json()
    by_name = {item["FieldMetadataFriendlyFieldName"]: item for item in organisation}
    assert set(by_name) == {
        "OrganisationType",
        "OrganisationExtraCustom1",
        "OrganisationExtraCustom2",
        *(f"OrganisationCustom{n}" for n in range(1, 8)),
    }
    assert by_name["OrganisationExtraCustom1"]["FieldMetadataLabel"] == "Kundnummer"
    assert by_name["OrganisationExtraCustom1"]["FieldMetadataTextFieldMaxLength"] == 50
    options = by_name["OrganisationType"]["FieldMetadataDropdownListData"]
    assert options[0] == {"Text": "-- Välj --", "Value": "-- Välj --"}
    assert [o["Text"] for o in options][1:3] == ["Kund – Företag", "Kund – Privat"]
    assert set(organisation[1]) == {
        "FieldMetadataId",
        "FieldMetadataDbFieldName",
        "FieldMetadataFriendlyFieldName",
        "FieldMetadataLabel",
        "FieldMetadataSortOrder",
        "FieldMetadataDisplayType",
        "FieldMetadataTextFieldMaxLength",
        "FieldMetadataDropdownListData",
    }
    labels = {i["FieldMetadataFriendlyFieldName"]: i["FieldMetadataLabel"] for i in delivery}
    assert labels == {
        "DeliveryCustom1": "Ordernummer",
        "DeliveryCustom2": "Leveransdatum",
        "DeliveryCustom3": "Fakturanummer",
        "DeliveryCustom4": "Fakturadatum",
        "DeliveryCustom5": "Fakturan bokförd",
        "DeliveryMemo": "Ordertext",
    }
    types = {i["FieldMetadataFriendlyFieldName"]: i["FieldMetadataDisplayType"] for i in delivery}
    assert types["DeliveryCustom2"] == "D" and types["DeliveryCustom5"] == "C"
    assert len(everything) == len(organisation) + len(delivery)


async def test_custom_configuration_replaces_the_defaults(clock: FakeClock) -> None:
    sim = WebcrmSimulator(
        clock=clock,
        organisation_types=["-- vælg --", "A Kunde", "Leverandør"],
        custom_fields={"OrganisationExtraCustom8": "ERP-id", "DeliveryCustom9": "Faktura"},
    )
    async with api(sim) as client:
        items = (await client.get("/FieldsMetadata/All")).json()
        bad = await client.get("/FieldsMetadata/Spaceship")
        default_type = await new_organisation(client)
        org = (await client.get(f"/Organisations/{default_type}")).json()
        old_type = await client.post(
            "/Organisations",
            json={"OrganisationId": 0, "OrganisationName": "X", "OrganisationType": "Prospekt"},
        )
    assert [i["FieldMetadataFriendlyFieldName"] for i in items] == [
        "OrganisationType",
        "OrganisationExtraCustom8",
        "DeliveryCustom9",
    ]
    assert bad.status_code == 400
    assert org["OrganisationType"] == "-- vælg --"
    assert old_type.status_code == 400


async def test_hook_crud_is_per_token_and_validated(sim: WebcrmSimulator, clock: FakeClock) -> None:
    async with api(sim) as client, api(sim, "0b5c8e1a-2d3f-4a6b-8c9d-0e1f2a3b4c5d") as other:
        created = await client.post("/Organisations/Hooks", json=HOOK)
        hook_id = created.json()
        listed = (await client.get("/Organisations/Hooks", params={"Size": 10})).json()
        foreign = (await other.get("/Organisations/Hooks")).json()
        foreign_get = await other.get(f"/Organisations/Hooks/{hook_id}")
        clock.advance(2)
        put = await client.put(
            f"/Organisations/Hooks/{hook_id}", json={**HOOK, "Id": hook_id, "IsEnabled": False}
        )
        read = (await client.get(f"/Organisations/Hooks/{hook_id}")).json()
        bad_filter = await client.post("/Organisations/Hooks", json={**HOOK, "Filter": ["Mine"]})
        bad_url = await client.post("/Deliveries/Hooks", json={**HOOK, "TargetUrl": "/relative"})
        no_filter = await client.post("/Persons/Hooks", json={**HOOK, "Filter": []})
        deleted = await client.delete(f"/Organisations/Hooks/{hook_id}")
        after = (await client.get("/Organisations/Hooks")).json()
    assert created.status_code == 200 and isinstance(hook_id, int)
    assert [h["Id"] for h in listed] == [hook_id] and foreign == []
    assert foreign_get.status_code == 404
    assert put.status_code == 200
    assert read["IsEnabled"] is False and read["UpdatedAt"] == "2026-01-15T09:00:02.000"
    assert read["CreatedAt"] == "2026-01-15T09:00:00.000" and read["Filter"] == ["All"]
    assert {bad_filter.status_code, bad_url.status_code, no_filter.status_code} == {400}
    assert deleted.status_code == 200 and after == []


async def test_hooks_fire_for_api_and_ui_changes_and_can_be_delivered(
    sim: WebcrmSimulator,
) -> None:
    received: list[dict[str, object]] = []

    def target(request: httpx.Request) -> httpx.Response:
        import json

        received.append(json.loads(request.content))
        return httpx.Response(200)

    async with api(sim) as client:
        await client.post("/Organisations/Hooks", json=HOOK)
        await client.post("/Organisations/Hooks", json={**HOOK, "EventType": "Create"})
        org_id = await new_organisation(client)
        body = (await client.get(f"/Organisations/{org_id}")).json()
        await client.put(f"/Organisations/{org_id}", json=body)
        sim.ui.update_organisation(org_id, Name="Ändrad i UI")
    assert [(e.event_type, e.record_id) for e in sim.hooks.events] == [
        ("Create", org_id),
        ("Update", org_id),
        ("Update", org_id),
    ]
    async with httpx.AsyncClient(transport=httpx.MockTransport(target)) as hook_client:
        sent = await sim.hooks.deliver(hook_client)
        again = await sim.hooks.deliver(hook_client)
    assert sent == 3 and again == 0
    assert received[0]["EventType"] == "Create" and received[0]["EntityType"] == "Organisation"
    assert received[0]["Id"] == org_id


async def test_hooks_are_authenticated(sim: WebcrmSimulator) -> None:
    sim.add_api_token(AUTH_CODE)
    transport = httpx.ASGITransport(app=sim.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
        response = await client.get("/Organisations/Hooks")
    assert response.status_code == 401


@pytest.mark.parametrize(
    "slot", ["OrganisationFoo", "OrganisationOwner", "OrganisationUpdatedBy", "ArticleCustom1"]
)
def test_custom_fields_must_name_writable_text_slots(slot: str) -> None:
    with pytest.raises(ValueError):
        WebcrmSimulator(custom_fields={slot: "Etikett"})


def test_organisation_types_must_not_repeat() -> None:
    with pytest.raises(ValueError):
        WebcrmSimulator(organisation_types=["-- Välj --", "Kund", "Kund"])


async def test_automatic_delivery_calls_the_target_after_each_request(
    sim: WebcrmSimulator,
) -> None:
    received: list[str] = []

    def target(request: httpx.Request) -> httpx.Response:
        received.append(str(request.url))
        return httpx.Response(500 if "broken" in str(request.url) else 200)

    async with httpx.AsyncClient(transport=httpx.MockTransport(target)) as hook_client:
        sim.hooks.auto_deliver = hook_client
        async with api(sim) as client:
            await client.post("/Organisations/Hooks", json={**HOOK, "EventType": "Create"})
            await client.post(
                "/Organisations/Hooks",
                json={**HOOK, "EventType": "Create", "TargetUrl": "https://broken.example/h"},
            )
            await new_organisation(client)
            after_create = list(received)
            await client.get("/Organisations")
    assert after_create == ["https://sync.example.com/hooks/1", "https://broken.example/h"]
    assert len(received) == 2  # nothing new to deliver after a read
    assert [reason for _, reason in sim.hooks.failures] == ["HTTP 500"]


async def test_callbacks_can_be_lost_and_product_hooks_registered(sim: WebcrmSimulator) -> None:
    received: list[str] = []

    def target(request: httpx.Request) -> httpx.Response:
        received.append(str(request.url))
        return httpx.Response(200)

    async with httpx.AsyncClient(transport=httpx.MockTransport(target)) as hook_client:
        sim.hooks.auto_deliver = hook_client
        async with api(sim) as client:
            product = await client.post("/Products/Hooks", json=HOOK)
            bad = await client.post("/Products/Hooks", json={**HOOK, "Filter": ["Owner"]})
            await client.post("/Organisations/Hooks", json={**HOOK, "EventType": "Create"})
            sim.hooks.lose_next(1)
            await new_organisation(client)
            await new_organisation(client)
            sim.hooks.lose_callbacks = True
            await new_organisation(client)
    assert product.status_code == 200 and bad.status_code == 400
    assert len(received) == 1
    assert len(sim.hooks.lost) == 2
