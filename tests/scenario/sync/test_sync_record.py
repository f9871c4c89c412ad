"""`SyncEngine.sync_record`: the targeted sync of one record that events trigger."""

from __future__ import annotations

import pytest

from tests.scenario.sync.conftest import World
from wfsync.sync.entity import registry, target_of

COMPANY = {"OrganisationName": "Eventa AB", "OrganisationType": "Kund – Företag"}


async def test_a_fortnox_edit_crosses_with_one_targeted_sync_and_a_repeat_writes_nothing(
    world: World,
) -> None:
    org_id, number = await world.linked_customer(**COMPANY)
    world.fortnox.ui.update_customer(number, VisitingCity="Visby")
    async with world.engine() as engine:
        report = await engine.sync_record("fortnox", "customer", number)
    assert world.webcrm.ui.organisation(org_id)["OrganisationCity"] == "Visby"
    assert report.counts["customer.updated_webcrm"] == 1
    async with world.engine() as engine:
        again = await engine.sync_record("fortnox", "customer", number)
        await engine.sync_record("webcrm", "customer", str(org_id))  # our write coming back
    assert world.last_writes == 0
    assert again.counts["customer.unchanged"] == 1


async def test_a_webcrm_edit_crosses_and_the_next_poll_writes_nothing(world: World) -> None:
    org_id, number = await world.linked_customer(**COMPANY)
    world.webcrm.ui.update_organisation(org_id, OrganisationCity="Kiruna")
    async with world.engine() as engine:
        await engine.sync_record("webcrm", "customer", str(org_id))
    assert world.fortnox.ui.customer(number)["VisitingCity"] == "Kiruna"
    await world.sync()
    assert world.last_writes == 0


async def test_a_customer_deleted_in_fortnox_pauses_its_link_and_keeps_the_organisation(
    world: World,
) -> None:
    org_id, number = await world.linked_customer(**COMPANY)
    world.fortnox.ui.delete_customer(number)
    async with world.engine() as engine:
        await engine.sync_record("fortnox", "customer", number)
    link = world.store.get_link("customer", webcrm_id=str(org_id))
    assert link is not None and link.state == "paused"
    assert link.note == "the customer no longer exists in Fortnox"
    assert world.webcrm.ui.organisation(org_id)["OrganisationName"] == "Eventa AB"
    assert world.store.failures(status="open") == []


async def test_an_organisation_deleted_in_webcrm_pauses_its_link_and_keeps_the_customer(
    world: World,
) -> None:
    org_id, number = await world.linked_customer(**COMPANY)
    world.webcrm.ui.delete_organisation(org_id)
    async with world.engine() as engine:
        await engine.sync_record("webcrm", "customer", str(org_id))
    link = world.store.get_link("customer", fortnox_id=number)
    assert link is not None and link.state == "paused"
    assert link.note == "the organisation no longer exists in webCRM"
    assert world.fortnox.ui.customer(number)["Name"] == "Eventa AB"
    assert [r for r in world.fortnox.requests if r.method == "DELETE"] == []


async def test_an_unknown_entity_is_refused(world: World) -> None:
    await world.import_all()
    async with world.engine() as engine:
        with pytest.raises(ValueError):
            await engine.sync_record("webcrm", "article", "1")


async def test_every_entity_syncs_one_record_alone_through_the_registry(world: World) -> None:
    """The entity protocol: the registry, in dependence order, and each entity's
    ``sync_record`` usable on its own (no feed, no cursor, no cycle)."""
    org_id, number = await world.linked_customer(**COMPANY)
    world.fortnox.ui.create_article(ArticleNumber="A-1", Description="Kil", Unit="st")
    world.fortnox.ui.update_customer(number, VisitingCity="Mora")
    async with world.engine() as engine:
        ctx = engine.context()
        entities = registry(ctx)
        assert list(entities) == ["customer", "article", "delivery"]
        assert all(kind == entity.kind for kind, entity in entities.items())
        await entities["customer"].sync_record("fortnox", number)
        await entities["article"].sync_record("fortnox", "A-1")
        with pytest.raises(ValueError):
            await entities["article"].sync_record("webcrm", "A-1")
    assert world.webcrm.ui.organisation(org_id)["OrganisationCity"] == "Mora"
    assert "A-1" in {i["QuotationLineLinkedDataItemData1"] for i in world.webcrm.ui.catalogue()}
    assert target_of("invoice", "7") == ("delivery", "invoice-7")


async def test_a_retry_whose_read_fails_stays_in_the_inbox_and_the_cycle_goes_on(
    world: World,
) -> None:
    """An inbox retry whose read keeps failing (a 500) is that record's entry: the
    rest of the Fortnox cycle runs and its cursors move."""
    _, number = await world.linked_customer(**COMPANY)
    world.clock.advance(3600)  # the customer is out of the feed's overlap: only the
    await world.sync()  # inbox retry reads it
    world.store.record_failure(
        "customer", "fortnox", number, "sync", "earlier failure", None, {"retry": "always"}
    )
    world.fortnox.faults.add(f"/3/customers/{number}", method="GET", status=500, times=None)
    world.fortnox.ui.create_article(ArticleNumber="B-2", Description="Spik", Unit="st")
    before = world.store.get_cursor("fortnox", "customers")
    await world.sync()
    assert world.store.get_cursor("fortnox", "customers") != before
    assert "B-2" in {i["QuotationLineLinkedDataItemData1"] for i in world.webcrm.ui.catalogue()}
    open_entries = {(f.kind, f.source, f.source_id) for f in world.store.failures(status="open")}
    assert open_entries == {("customer", "fortnox", number)}, world.store.failures(status="open")
