"""Our own write to a Fortnox customer comes back through Fortnox's lastmodified
feed and must be read: the list row cannot tell it from a person's edit made
right after it, and that edit must cross in the very next cycle."""

from __future__ import annotations

from tests.scenario.sync.conftest import World, www_edited_during_our_put

COMPANY = "Kund – Företag"


async def test_an_edit_right_after_our_write_crosses_in_the_next_cycle(world: World) -> None:
    org, number = await world.linked_customer(OrganisationName="Eko AB", OrganisationType=COMPANY)
    world.webcrm.ui.update_organisation(org, OrganisationTelephone="08-555 12 12")
    await world.sync()  # our write to Fortnox
    assert world.fortnox.ui.customer(number)["Phone1"] == "08-555 12 12"
    world.fortnox.ui.update_customer(number, WWW="www.eko.se")  # a person, at once
    await world.sync(minutes=0.5)  # `wfsync sync --once` run straight after
    shown = world.webcrm.ui.organisation(org)
    assert shown["OrganisationWww"] == "www.eko.se"
    assert shown["OrganisationTelephone"] == "08-555 12 12"


async def test_an_edit_between_our_read_and_our_write_is_not_taken_for_synced(
    world: World,
) -> None:
    """A person edits another field of the Fortnox customer while our update is on
    its way: Fortnox's answer carries their edit, and it must still reach webCRM
    (recording the answer whole as the synced state would hide it for good)."""
    org, number = await world.linked_customer(OrganisationName="Eko AB", OrganisationType=COMPANY)
    world.webcrm.ui.update_organisation(org, OrganisationTelephone="08-555 12 12")
    meanwhile = www_edited_during_our_put(world, number)
    world.clock.advance(360)
    async with world.engine(fortnox_transport=meanwhile) as engine:
        await engine.sync_webcrm()
    assert world.fortnox.ui.customer(number)["WWW"] == "www.eko.se"
    await world.sync()
    shown = world.webcrm.ui.organisation(org)
    assert shown["OrganisationWww"] == "www.eko.se"
    assert shown["OrganisationTelephone"] == "08-555 12 12"
