"""webCRM hooks inside `wfsync run`: registered once, a callback is a doorbell."""

from __future__ import annotations

import httpx

from tests.scenario.events.conftest import COMPANY, running, until
from tests.scenario.sync.conftest import World
from wfsync.runtime.events_webcrm import HOOK_PATH, ensure_hooks, remove_hooks

FOREIGN = {
    "Id": 0,
    "TargetUrl": "https://someone-else.example/hook",
    "EventType": "Update",
    "IsEnabled": True,
    "Filter": ["All"],
}


def _our_hooks(world: World) -> list[tuple[str, str, str]]:
    return sorted(
        (hook.entity, hook.fields["EventType"], hook.fields["TargetUrl"])
        for hook in world.webcrm.hooks._hooks.values()
        if HOOK_PATH in hook.fields["TargetUrl"]
    )


async def test_hooks_are_registered_once_and_removed_without_touching_others(
    world: World,
) -> None:
    await world.import_all()
    async with world.engine() as engine:
        await engine.webcrm.hooks.create("Organisation", FOREIGN["TargetUrl"], "Update")
        first = await ensure_hooks(engine.webcrm, "https://sync.example.com", "tok3n")
        again = await ensure_hooks(engine.webcrm, "https://sync.example.com", "tok3n")
        registered = _our_hooks(world)
        moved = await ensure_hooks(engine.webcrm, "https://new.example.com", "tok3n")
        after_move = _our_hooks(world)
        removed = await remove_hooks(engine.webcrm)
    assert (first, again, moved) == (12, 0, 12)
    entities = {entity for entity, _, _ in registered}
    assert entities == {"Organisation", "Delivery", "QuotationLine", "Product"}
    assert len(registered) == 12
    assert (
        "Organisation",
        "Delete",
        f"https://sync.example.com{HOOK_PATH}/tok3n/organisations/delete",
    ) in registered
    assert all(url.startswith("https://new.example.com/") for _, _, url in after_move)
    assert len(after_move) == 12
    assert removed == 12 and _our_hooks(world) == []
    assert [h.fields["TargetUrl"] for h in world.webcrm.hooks._hooks.values()] == [
        FOREIGN["TargetUrl"]
    ]


async def test_a_webcrm_edit_crosses_on_its_callback(world: World) -> None:
    org_id, number = await world.linked_customer(**COMPANY)
    async with running(world):
        world.webcrm.ui.update_organisation(org_id, OrganisationCity="Kiruna")
        await until(lambda: world.fortnox.ui.customer(number)["VisitingCity"] == "Kiruna")
    await world.sync()
    assert world.last_writes == 0  # the poll finds nothing left to do


async def test_a_burst_of_callbacks_costs_one_feed_read_and_the_body_is_ignored(
    world: World,
) -> None:
    org_id, number = await world.linked_customer(**COMPANY)
    async with running(world) as (_engine, runtime):
        reader = runtime.reader
        reader.debounce = 3600.0  # hold the worker: the burst lands before it reads
        world.webcrm.hooks.auto_deliver = None
        world.webcrm.ui.update_organisation(org_id, OrganisationCity="Umeå")
        url = f"http://x{HOOK_PATH}/{runtime.token}/organisations/update"
        transport = httpx.ASGITransport(app=runtime.receiver)
        async with httpx.AsyncClient(transport=transport) as client:
            answers = [
                (await client.post(url, json={"Id": 999999, "EventType": "Delete"})).status_code,
                (await client.get(url)).status_code,
                (await client.put(url, content=b"not json")).status_code,
                (await client.post(url.replace(runtime.token, "guess"))).status_code,
                (
                    await client.post(f"http://x{HOOK_PATH}/{runtime.token}/spaceships/update")
                ).status_code,
            ]
        reads = reader.reads
        queries = len([r for r in world.webcrm.requests if r.path == "/Queries"])
        await reader.drain()
        assert reader.reads == reads + 1
        assert len([r for r in world.webcrm.requests if r.path == "/Queries"]) == queries + 1
        assert world.fortnox.ui.customer(number)["VisitingCity"] == "Umeå"
    assert answers == [200, 200, 200, 404, 404]


async def test_an_organisation_deleted_in_webcrm_pauses_its_link_on_the_delete_callback(
    world: World,
) -> None:
    org_id, number = await world.linked_customer(**COMPANY)
    async with running(world):
        world.webcrm.ui.delete_organisation(org_id)
        await until(
            lambda: (
                (link := world.store.get_link("customer", fortnox_id=number)) is not None
                and link.state == "paused"
            )
        )
    link = world.store.get_link("customer", fortnox_id=number)
    assert link is not None and link.note == "the organisation no longer exists in webCRM"
    assert world.fortnox.ui.customer(number)["Name"] == "Eventa AB"


async def test_a_lost_callback_is_caught_by_the_next_poll(world: World) -> None:
    org_id, number = await world.linked_customer(**COMPANY)
    async with running(world) as (_engine, runtime):
        world.webcrm.hooks.lose_callbacks = True
        world.webcrm.ui.update_organisation(org_id, OrganisationCity="Piteå")
        await until(lambda: world.webcrm.hooks.lost)
        assert runtime.reader.reads == 0
        assert world.fortnox.ui.customer(number)["VisitingCity"] != "Piteå"
    await world.sync()
    assert world.fortnox.ui.customer(number)["VisitingCity"] == "Piteå"
