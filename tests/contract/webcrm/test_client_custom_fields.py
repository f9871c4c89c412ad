"""Custom-field slots from /FieldsMetadata, the write guard, Type options, persons and hooks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from wfsync.clock import FakeClock
from wfsync.config import CustomFields, WebcrmSettings
from wfsync.http.errors import ConfigError, ValidationError
from wfsync.simulators.webcrm import WebcrmSimulator
from wfsync.simulators.webcrm.tenant import default_custom_fields
from wfsync.webcrm import WebcrmClient
from wfsync.webcrm.custom_fields import MissingCustomFieldError, check_custom_fields


async def connect(sim: WebcrmSimulator, clock: FakeClock) -> WebcrmClient:
    settings = WebcrmSettings(
        base_url="https://api.webcrm.test", auth_code=SecretStr(sim.add_api_token())
    )
    return WebcrmClient(settings, clock=clock, transport=httpx.ASGITransport(app=sim.app))


@pytest.fixture
def sim(clock: FakeClock) -> WebcrmSimulator:
    return WebcrmSimulator(clock=clock)


@pytest.fixture
async def client(sim: WebcrmSimulator, clock: FakeClock) -> AsyncIterator[WebcrmClient]:
    async with await connect(sim, clock) as webcrm:
        yield webcrm


async def test_default_configuration_matches_the_default_tenant(client: WebcrmClient) -> None:
    assert await check_custom_fields(client, CustomFields()) == []
    registry = client.custom_fields
    assert "OrganisationCustom4" in registry.slots("Organisation")
    assert registry.label("OrganisationCustom4") == "Fakturaort"
    assert registry.exists("OrganisationCustom15") is False
    assert registry.exists("OrganisationMemo") is True  # built-in column


async def test_a_missing_slot_is_reported_and_writes_to_it_refused(
    clock: FakeClock,
) -> None:
    slots = default_custom_fields()
    del slots["OrganisationCustom4"]
    sim = WebcrmSimulator(clock=clock, custom_fields=slots)
    async with await connect(sim, clock) as webcrm:
        problems = await check_custom_fields(webcrm, CustomFields())
        assert len(problems) == 1
        assert problems[0].startswith(
            "custom field invoice_city → OrganisationCustom4 does not exist in webCRM "
            "(configured slots: OrganisationExtraCustom1, "
        )
        assert "OrganisationCustom4," not in problems[0]

        org_id = await webcrm.organisations.create({"OrganisationName": "Kund AB"})
        writes_before = webcrm.http.write_calls
        with pytest.raises(MissingCustomFieldError) as refused:
            await webcrm.organisations.update(org_id, {"OrganisationCustom4": "Oslo"})
        assert isinstance(refused.value, ConfigError)
        with pytest.raises(MissingCustomFieldError):
            await webcrm.organisations.create({"OrganisationCustom4": "Oslo"})
        with pytest.raises(MissingCustomFieldError):
            await webcrm.organisations.upsert_many([{"OrganisationCustom4": "Oslo"}])
        assert webcrm.http.write_calls == writes_before  # nothing was sent


async def test_custom_values_read_and_written_by_slot_name(client: WebcrmClient) -> None:
    org_id = await client.organisations.create(
        {"OrganisationName": "Kund AB", "OrganisationCustom6": "30"}
    )
    await client.organisations.update(org_id, {"OrganisationCustom4": "Göteborg"})
    org = await client.organisations.get(org_id)
    assert (org.field("OrganisationCustom4"), org.field("OrganisationCustom6")) == (
        "Göteborg",
        "30",
    )


async def test_metadata_and_organisation_types(client: WebcrmClient) -> None:
    items = await client.fields_metadata("organisation")
    names = {item.friendly_name for item in items}
    assert {"OrganisationExtraCustom1", "OrganisationCustom7"} <= names
    types = await client.organisation_types()
    assert types[0] == "-- Välj --"
    assert {"Kund – Företag", "Kund – Privat"} <= set(types)
    with pytest.raises(ValueError):
        await client.fields_metadata("Organisations")


async def test_type_outside_the_list_is_rejected_with_webcrms_message(
    client: WebcrmClient,
) -> None:
    with pytest.raises(ValidationError, match="not an option of OrganisationType"):
        await client.organisations.create({"OrganisationName": "X", "OrganisationType": "Kund"})


async def test_persons_of_an_organisation(client: WebcrmClient) -> None:
    org_id = await client.organisations.create({"OrganisationName": "Kund AB"})
    person_id = await client.persons.create(
        {"PersonOrganisationId": org_id, "PersonFirstName": "Anna", "PersonLastName": "Berg"}
    )
    assert [p.id async for p in client.persons.by_organisation(org_id)] == [person_id]
    person = await client.persons.update(person_id, {"PersonEmail": "anna@kund.se"})
    assert person.email == "anna@kund.se"
    assert (await client.persons.get(person_id)).organisation_id == org_id


async def test_hooks_are_created_listed_and_deleted(client: WebcrmClient) -> None:
    url = "https://sync.example.com/webcrm/hooks/1"
    hook_id = await client.hooks.create("Organisations", url, "Update")
    hooks = await client.hooks.list("Organisation")
    assert [(h.id, h.target_url, h.event_type, h.enabled) for h in hooks] == [
        (hook_id, url, "Update", True)
    ]
    await client.hooks.delete("Organisation", hook_id)
    assert await client.hooks.list("Organisation") == []
    with pytest.raises(ValueError):
        await client.hooks.list("Activities")
