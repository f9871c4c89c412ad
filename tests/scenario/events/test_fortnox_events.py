"""Fortnox WebSocket events inside `wfsync run`: edits cross in one targeted sync."""

from __future__ import annotations

from tests.scenario.events.conftest import COMPANY, running, until
from tests.scenario.sync.conftest import World


def _offset(world: World, topic: str) -> str | None:
    return world.store.get_cursor("events", f"fortnox.{topic}")


def _last_offset(world: World, topic: str) -> str:
    return world.fortnox.events.log[topic][-1].offset


async def test_a_fortnox_edit_crosses_on_its_event_and_the_offset_follows(world: World) -> None:
    org_id, number = await world.linked_customer(**COMPANY)
    async with running(world):
        world.fortnox.ui.update_customer(number, VisitingCity="Visby")
        await until(lambda: world.webcrm.ui.organisation(org_id)["OrganisationCity"] == "Visby")
        await until(lambda: _offset(world, "customers") == _last_offset(world, "customers"))
    health = world.store.get_cursor("events", "fortnox.health")
    assert health is not None and '"events": 1' in health


async def test_our_own_write_coming_back_as_an_event_writes_nothing(world: World) -> None:
    org_id, number = await world.linked_customer(**COMPANY)
    async with running(world) as (engine, _runtime):
        world.webcrm.ui.update_organisation(org_id, OrganisationCity="Kiruna")
        await engine.sync_record("webcrm", "customer", str(org_id))
        assert world.fortnox.ui.customer(number)["VisitingCity"] == "Kiruna"
        writes = engine.fortnox.http.write_calls + engine.webcrm.http.write_calls
        # Our PUT to Fortnox comes back as customer-updated: synced, and nothing written.
        await until(lambda: _offset(world, "customers") == _last_offset(world, "customers"))
        assert engine.fortnox.http.write_calls + engine.webcrm.http.write_calls == writes


async def test_duplicates_and_foreign_event_types_are_harmless(world: World) -> None:
    org_id, number = await world.linked_customer(**COMPANY)
    async with running(world) as (engine, _runtime):
        before = engine.webcrm.http.write_calls
        world.fortnox.events.duplicate_next(1)
        world.fortnox.ui.update_customer(number, VisitingCity="Ystad")
        await until(lambda: world.webcrm.ui.organisation(org_id)["OrganisationCity"] == "Ystad")
        world.fortnox.events.publish("invoices", "invoicepayment-bookkeep-v1", "99")
        world.fortnox.events.publish("customers", "customer-merged-v7", number)
        await until(lambda: _offset(world, "customers") == _last_offset(world, "customers"))
        await until(lambda: _offset(world, "invoices") == _last_offset(world, "invoices"))
        writes = engine.webcrm.http.write_calls - before
    assert writes == 1  # the one real edit; the duplicate and the rest wrote nothing
    assert not [r for r in world.fortnox.requests if r.path.startswith("/3/invoices/99")]


async def test_a_dropped_connection_resumes_from_the_stored_offset(world: World) -> None:
    org_id, number = await world.linked_customer(**COMPANY)
    hub = world.fortnox.events
    async with running(world) as (_engine, runtime):
        world.fortnox.ui.update_customer(number, VisitingCity="Visby")
        await until(lambda: _offset(world, "customers") == _last_offset(world, "customers"))
        hub.refuse_connections = True
        hub.drop_connections()
        await until(lambda: not runtime.fortnox.subscribed.is_set())
        world.fortnox.ui.update_customer(number, VisitingCity="Mora")  # while we are away
        hub.refuse_connections = False
        await until(lambda: world.webcrm.ui.organisation(org_id)["OrganisationCity"] == "Mora")
        assert hub.connections >= 2
        assert runtime.fortnox_health.record.state == "connected"


async def test_the_tenant_is_re_added_after_a_token_refresh(world: World) -> None:
    org_id, number = await world.linked_customer(**COMPANY)
    async with running(world) as (_engine, runtime):
        first = runtime.fortnox.tenant_token
        world.clock.advance(3600)  # the access token expires; the stream stops serving it
        await until(lambda: runtime.fortnox.tenant_token != first)
        world.fortnox.ui.update_customer(number, VisitingCity="Luleå")
        await until(lambda: world.webcrm.ui.organisation(org_id)["OrganisationCity"] == "Luleå")


async def test_a_customer_deleted_event_pauses_the_link_and_deletes_nothing(world: World) -> None:
    org_id, number = await world.linked_customer(**COMPANY)
    async with running(world):
        world.fortnox.ui.delete_customer(number)
        assert world.fortnox.events.log["customers"][-1].type == "customer-deleted-v1"
        await until(lambda: _offset(world, "customers") == _last_offset(world, "customers"))
    link = world.store.get_link("customer", webcrm_id=str(org_id))
    assert link is not None and link.state == "paused"
    assert link.note == "the customer no longer exists in Fortnox"
    assert world.webcrm.ui.organisation(org_id)["OrganisationName"] == "Eventa AB"
