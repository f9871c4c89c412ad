"""What an organisation changed in webCRM costs in Fortnox, and what it must not cost.

The merge needs the Fortnox customer as it is now. A customer that Fortnox's
``lastmodified`` list does not name (read from where the Fortnox feed will next
read) holds what we last synced: its snapshot is merged, with no ``GET``. These
tests count the calls (deterministic) and prove the shortcut never hides a
Fortnox edit: one not polled yet, one whose read failed, one made while a long
batch of writes travels.
"""

from __future__ import annotations

from tests.scenario.sync.conftest import PersonMeanwhile, World

COMPANY = "Kund – Företag"


def customer_calls(world: World, since: int) -> dict[str, int]:
    """Fortnox customer calls after request ``since``: list pages, GETs, PUTs."""
    counts = {"list": 0, "get": 0, "put": 0}
    for request in world.fortnox.requests[since:]:
        if request.path == "/3/customers" and request.method == "GET":
            counts["list"] += 1
        elif request.path.startswith("/3/customers/") and request.method == "GET":
            counts["get"] += 1
        elif request.path.startswith("/3/customers/") and request.method == "PUT":
            counts["put"] += 1
    return counts


async def linked(world: World, count: int) -> list[tuple[int, str]]:
    """``count`` customers made in Fortnox, imported, and left to settle."""
    numbers = [
        world.fortnox.ui.create_customer(Name=f"Kund {n} AB", City="Uppsala", Phone1="08-1")
        for n in range(count)
    ]
    world.clock.advance(3600)
    await world.import_all()
    for _ in range(2):
        await world.sync()
    pairs = []
    for number in numbers:
        link = world.store.get_link("customer", fortnox_id=number)
        assert link is not None and link.webcrm_id is not None
        pairs.append((int(link.webcrm_id), number))
    return pairs


async def test_an_organisation_change_costs_a_write_and_one_later_read(world: World) -> None:
    pairs = await linked(world, 3)
    start = len(world.fortnox.requests)
    for org, _ in pairs:
        world.webcrm.ui.update_organisation(org, OrganisationTelephone="08-555 12 12")
    await world.sync()
    first = customer_calls(world, start)
    # One list names what moved in Fortnox (nothing), three writes; the Fortnox poll
    # right after lists the three and takes Fortnox's answers to them: no GET.
    assert first == {"list": 2, "get": 0, "put": 3}
    for _, number in pairs:
        assert world.fortnox.ui.customer(number)["Phone1"] == "08-555 12 12"

    start = len(world.fortnox.requests)
    await world.sync()
    # The next poll lists them again (our writes, or an edit since): each is read once.
    assert customer_calls(world, start) == {"list": 1, "get": 3, "put": 0}
    start = len(world.fortnox.requests)
    await world.sync()
    assert customer_calls(world, start) == {"list": 1, "get": 0, "put": 0}


async def test_a_fortnox_edit_not_polled_yet_is_read_and_merged(world: World) -> None:
    """Fortnox changed after its last poll: the list names it, so it is read, and the
    same-field conflict goes by the rule instead of the webCRM value running over it."""
    world.configure(conflict_winner="fortnox")
    [(org, number)] = await linked(world, 1)
    world.fortnox.ui.update_customer(number, VisitingCity="Malmö")  # a person, not polled yet
    world.webcrm.ui.update_organisation(org, OrganisationCity="Lund")
    await world.sync()
    assert world.fortnox.ui.customer(number)["VisitingCity"] == "Malmö"
    assert world.webcrm.ui.organisation(org)["OrganisationCity"] == "Malmö"
    assert [c.field for c in world.store.conflicts()] == ["visiting_city"]


async def test_a_fortnox_change_that_failed_to_sync_is_read_before_the_merge(
    world: World,
) -> None:
    """A customer listed and not merged (its read failed: it waits in the inbox) has a
    stale snapshot although it is out of the list's window by now."""
    world.configure(conflict_winner="fortnox")
    [(org, number)] = await linked(world, 1)
    world.fortnox.ui.update_customer(number, VisitingCity="Malmö")
    world.fortnox.faults.add(f"/3/customers/{number}", method="GET", status=400, times=None)
    await world.sync()  # the poll lists it; its read is refused: the inbox holds it
    assert [f.source_id for f in world.store.failures()] == [number]
    world.fortnox.faults.clear()
    world.webcrm.ui.update_organisation(org, OrganisationCity="Lund")
    await world.sync()
    assert world.fortnox.ui.customer(number)["VisitingCity"] == "Malmö"
    assert world.webcrm.ui.organisation(org)["OrganisationCity"] == "Malmö"


async def test_a_fortnox_edit_during_a_long_batch_is_seen_before_its_write(
    world: World,
) -> None:
    """The list is taken again once it is a rate window old: a person's edit made while
    the batch's writes travel (paced, seconds) is read, not written over."""
    world.configure(conflict_winner="fortnox")
    pairs = await linked(world, 30)
    for org, _ in pairs:
        world.webcrm.ui.update_organisation(org, OrganisationTelephone="08-555 12 12")
    first_number, (last_org, last_number) = pairs[0][1], pairs[-1]
    meanwhile = PersonMeanwhile(
        world.fortnox.app,
        "PUT",
        f"/3/customers/{first_number}",
        lambda: world.fortnox.ui.update_customer(last_number, Phone1="08-999"),
    )
    start = len(world.fortnox.requests)
    world.clock.advance(360)
    async with world.engine(fortnox_transport=meanwhile) as engine:
        await engine.sync_webcrm()
    assert world.fortnox.ui.customer(last_number)["Phone1"] == "08-999"
    assert world.webcrm.ui.organisation(last_org)["OrganisationTelephone"] == "08-999"
    assert world.fortnox.ui.customer(first_number)["Phone1"] == "08-555 12 12"
    calls = customer_calls(world, start)
    # 30 writes but one (the refused last); a list per rate window; one GET (the edit).
    assert calls["put"] == 29 and calls["get"] == 1 and 2 <= calls["list"] <= 3
