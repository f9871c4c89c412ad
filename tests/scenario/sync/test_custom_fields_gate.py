"""Configured custom-field slots are checked against webCRM before anything is written."""

from __future__ import annotations

import pytest

from tests.scenario.sync.conftest import World
from wfsync.http.errors import ConfigError
from wfsync.simulators.webcrm import WebcrmSimulator, default_custom_fields


def swap_webcrm(world: World, custom_fields: dict[str, str]) -> None:
    code = world.settings.webcrm.auth_code.get_secret_value()
    world.webcrm = WebcrmSimulator(clock=world.clock, custom_fields=custom_fields)
    world.webcrm.add_api_token(code)


async def test_a_missing_slot_stops_the_run_before_any_write(world: World) -> None:
    slots = default_custom_fields()
    del slots["OrganisationCustom7"]
    swap_webcrm(world, slots)
    world.fortnox.ui.create_customer(Name="Valuta AB", Currency="EUR")
    with pytest.raises(ConfigError, match=r"currency → OrganisationCustom7"):
        await world.import_all()
    assert world.webcrm.writes == []
    assert world.store.links("customer") == []


async def test_metadata_that_describes_no_delivery_slots_does_not_block(world: World) -> None:
    slots = {k: v for k, v in default_custom_fields().items() if k.startswith("Organisation")}
    swap_webcrm(world, slots)
    world.fortnox.ui.create_customer(Name="Metadata AB")
    await world.import_all()
    assert len(world.store.links("customer")) == 1
