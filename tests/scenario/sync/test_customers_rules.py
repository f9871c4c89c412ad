"""Customer rules: number ownership, matching, crash safety, the error inbox."""

from __future__ import annotations

import pytest

from tests.scenario.sync.conftest import World
from wfsync.cli.status_view import collect_status
from wfsync.state import StateStore

FORETAG = "Kund – Företag"


def fortnox_names(world: World) -> list[str]:
    return sorted(c["Name"] for c in world.fortnox.store.customers.values())


async def test_webcrm_owned_number_is_used_and_missing_number_is_reported(world: World) -> None:
    world.configure(customer_number_owner="webcrm")
    await world.import_all()
    org_id = world.webcrm.ui.create_organisation(
        OrganisationName="Utan Nummer AB", OrganisationType=FORETAG
    )
    await world.sync()
    assert world.fortnox.store.customers == {}
    (failure,) = world.store.failures()
    assert failure.source_id == str(org_id) and "no customer number" in failure.message
    world.webcrm.ui.update_organisation(org_id, OrganisationExtraCustom1="K-4711")
    await world.sync()
    assert list(world.fortnox.store.customers) == ["K-4711"]
    assert world.fortnox.ui.customer("K-4711")["Name"] == "Utan Nummer AB"
    assert world.store.failures() == []


async def test_webcrm_owned_number_already_used_in_fortnox_is_reported_once(world: World) -> None:
    world.configure(customer_number_owner="webcrm")
    await world.import_all()
    world.fortnox.ui.create_customer(CustomerNumber="500", Name="Gammal Kund AB")
    world.fortnox.ui.delete_customer("500")  # its number stays reserved for ever
    org_id = world.webcrm.ui.create_organisation(
        OrganisationName="Ny Kund AB", OrganisationType=FORETAG, OrganisationExtraCustom1="500"
    )
    await world.sync()
    (failure,) = world.store.failures()
    assert "500" in failure.message and "already used" in failure.message
    writes_before = len(world.fortnox.writes())
    await world.sync()
    await world.sync()
    # Not retried while the organisation is unchanged: no more create attempts.
    assert len(world.fortnox.writes()) == writes_before
    # … unless the admin says `wfsync retry`: then it is tried once more, now.
    async with world.engine() as engine:
        await engine.retry_failures(force=True)
    assert len(world.fortnox.writes()) == writes_before + 1
    assert world.store.failures()[0].attempts >= 2
    world.webcrm.ui.update_organisation(org_id, OrganisationExtraCustom1="501")
    await world.sync()
    assert world.fortnox.ui.customer("501")["Name"] == "Ny Kund AB"
    assert world.store.failures() == []


async def test_fortnox_owned_number_is_written_back(world: World) -> None:
    await world.import_all()
    org_id = world.webcrm.ui.create_organisation(OrganisationName="Nr AB", OrganisationType=FORETAG)
    await world.sync()
    (link,) = world.store.links("customer")
    assert world.webcrm.ui.organisation(org_id)["OrganisationExtraCustom1"] == link.fortnox_id


async def test_import_links_existing_customers_instead_of_duplicating(world: World) -> None:
    number = world.fortnox.ui.create_customer(Name="Acme AB", OrganisationNumber="556677-8899")
    world.fortnox.ui.create_customer(Name="Solo AB")
    org_id = world.webcrm.ui.create_organisation(
        OrganisationName="ACME Aktiebolag (Sverige)",
        OrganisationType=FORETAG,
        OrganisationExtraCustom2="5566778899",
    )
    await world.import_all()
    links = {link.fortnox_id: link.webcrm_id for link in world.store.links("customer")}
    assert links[number] == str(org_id)
    assert len(links) == 2
    assert fortnox_names(world) == ["Acme AB", "Solo AB"]
    # Only one new organisation: Solo AB; Acme was linked and got its number.
    org = world.webcrm.ui.organisation(org_id)
    assert org["OrganisationExtraCustom1"] == number


async def test_ambiguous_match_goes_to_the_admin(world: World) -> None:
    await world.import_all()
    world.fortnox.ui.create_customer(Name="Kopia AB", OrganisationNumber="556677-8899")
    world.fortnox.ui.create_customer(Name="Kopia AB", OrganisationNumber="556000-0001")
    # Both arrive in webCRM (different org numbers). A third record names both keys:
    await world.sync()
    world.webcrm.ui.create_organisation(
        OrganisationName="Kopia AB",
        OrganisationType=FORETAG,
        OrganisationVatNumber="SE556677889901",
        OrganisationExtraCustom2="556000-0001",
    )
    before = fortnox_names(world)
    await world.sync()
    assert fortnox_names(world) == before
    messages = [f.message for f in world.store.failures()]
    assert any("not created in Fortnox" in m for m in messages), messages


async def test_crash_between_fortnox_create_and_link_makes_no_duplicate(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.import_all()
    world.webcrm.ui.create_organisation(OrganisationName="Krasch AB", OrganisationType=FORETAG)
    real_save = StateStore.save_link
    crashed = []

    def crash_once(self: StateStore, link):  # type: ignore[no-untyped-def]
        if not crashed:
            crashed.append(link)
            raise KeyboardInterrupt("killed")
        return real_save(self, link)

    monkeypatch.setattr(StateStore, "save_link", crash_once)
    with pytest.raises(KeyboardInterrupt):
        await world.sync()
    assert fortnox_names(world) == ["Krasch AB"]  # the create reached Fortnox
    assert world.store.links("customer") == []  # ... but was never recorded
    await world.sync()
    assert fortnox_names(world) == ["Krasch AB"]
    assert len(world.store.links("customer")) == 1
    assert world.store.open_intents() == []
    await world.sync()
    assert world.last_writes == 0


async def test_crash_between_webcrm_create_and_link_makes_no_duplicate(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.import_all()
    world.fortnox.ui.create_customer(Name="Avbrott AB")
    real_save = StateStore.save_link
    crashed = []

    def crash_once(self: StateStore, link):  # type: ignore[no-untyped-def]
        if not crashed:
            crashed.append(link)
            raise KeyboardInterrupt("killed")
        return real_save(self, link)

    monkeypatch.setattr(StateStore, "save_link", crash_once)
    with pytest.raises(KeyboardInterrupt):
        await world.sync()
    await world.sync()
    names = [o["OrganisationName"] for o in world.webcrm.backend.organisations.rows()]
    assert names.count("Avbrott AB") == 1
    assert len(world.store.links("customer")) == 1


async def test_failed_record_goes_to_inbox_and_the_rest_still_sync(world: World) -> None:
    await world.import_all()
    bad = world.webcrm.ui.create_organisation(
        OrganisationName="Fel Valuta AB", OrganisationType=FORETAG, OrganisationCustom7="XYZ"
    )
    world.webcrm.ui.create_organisation(OrganisationName="Bra AB", OrganisationType=FORETAG)
    await world.sync()
    assert fortnox_names(world) == ["Bra AB"]
    (failure,) = world.store.failures()
    assert (failure.source_id == str(bad) and failure.code is not None) or failure.message
    await world.sync()
    (again,) = world.store.failures()
    assert again.attempts >= 2
    world.webcrm.ui.update_organisation(bad, OrganisationCustom7="EUR")
    await world.sync()
    assert fortnox_names(world) == ["Bra AB", "Fel Valuta AB"]
    assert world.store.failures() == []


async def test_inactive_fortnox_customer_maps_to_configured_status(world: World) -> None:
    world.configure(inactive_statuses=["Inaktiv"])
    await world.import_all()
    number = world.fortnox.ui.create_customer(Name="Vilande AB")
    never = world.fortnox.ui.create_customer(Name="Aldrig AB", Active=False)
    await world.sync()
    (link,) = world.store.links("customer")
    assert link.fortnox_id == number and never != number
    world.fortnox.ui.update_customer(number, Active=False)
    await world.sync()
    org = world.webcrm.ui.organisation(int(link.webcrm_id or 0))
    assert org["OrganisationStatus"] == "Inaktiv"
    inactive = collect_status(world.store)["inactive_customers"]
    assert [row["fortnox_id"] for row in inactive] == [number]
    world.webcrm.ui.update_organisation(int(link.webcrm_id or 0), OrganisationStatus="")
    await world.sync()
    assert world.fortnox.ui.customer(number)["Active"] is True


async def test_dry_run_writes_nothing_and_keeps_the_cursor(world: World) -> None:
    await world.import_all()
    world.webcrm.ui.create_organisation(OrganisationName="Plan AB", OrganisationType=FORETAG)
    cursor = world.store.get_cursor("webcrm", "organisations")
    world.clock.advance(360)
    async with world.engine() as engine:
        report = await engine.sync_webcrm(dry_run=True)
    assert world.last_writes == 0
    assert [op.action for op in report.planned] == ["create"]
    assert world.store.get_cursor("webcrm", "organisations") == cursor
    await world.sync()
    assert fortnox_names(world) == ["Plan AB"]


async def test_waiting_entry_is_rechecked_when_the_other_side_changes(world: World) -> None:
    """An ambiguous match is often fixed in the *other* system (a duplicate's key
    corrected in Fortnox). The webCRM record never changes, yet its entry must be
    tried again once the record it waits on was synced, and then resolve."""
    await world.import_all()
    # Inactive Fortnox customers are never brought into webCRM: they stay unlinked.
    first = world.fortnox.ui.create_customer(
        Name="Dubbel AB", OrganisationNumber="556677-8899", Active=False
    )
    second = world.fortnox.ui.create_customer(
        Name="Dubbel AB", OrganisationNumber="556677-8899", Active=False
    )
    await world.sync()
    org_id = world.webcrm.ui.create_organisation(
        OrganisationName="Dubbel AB",
        OrganisationType=FORETAG,
        OrganisationExtraCustom2="5566778899",
    )
    await world.sync()
    (failure,) = world.store.failures()
    assert "several Fortnox customers match" in failure.message
    assert f"fortnox:{second}" in failure.detail["waits_on"]
    # Nothing changed anywhere: the entry waits (no new attempt).
    await world.sync()
    assert [f.attempts for f in world.store.failures()] == [failure.attempts]
    # The duplicate's org number is corrected in Fortnox: only the first one matches now.
    world.fortnox.ui.update_customer(second, OrganisationNumber="556000-0001")
    await world.sync()  # the Fortnox cycle syncs the duplicate and wakes the entry
    await world.sync()  # the webCRM cycle tries the organisation again
    assert world.store.failures() == []
    link = world.store.get_link("customer", webcrm_id=str(org_id))
    assert link is not None and link.fortnox_id == first


async def test_vendor_error_on_an_unlinked_record_names_it(world: World) -> None:
    """A Fortnox 400 on the create of a new organisation: the entry carries the
    organisation's name, not only its id."""
    await world.import_all()
    world.fortnox.faults.add("/3/customers", method="POST", status=400, times=None)
    world.webcrm.ui.create_organisation(OrganisationName="Namngiven AB", OrganisationType=FORETAG)
    await world.sync()
    (row,) = collect_status(world.store)["errors"]
    assert row["name"] == "Namngiven AB"
