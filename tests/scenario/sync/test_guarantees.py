"""The promises under faults: no duplicate from a lost answer, one writer at a time,
one attempt per failing record per cycle, skips that only hold until an edit."""

from __future__ import annotations

import pytest

from tests.scenario.sync.conftest import World
from wfsync.state import InboxStateError, StateStore
from wfsync.state.lease import LeaseBusyError, WriterLease

FORETAG = "Kund – Företag"


def fortnox_named(world: World, name: str) -> list[str]:
    return [n for n, c in world.fortnox.store.customers.items() if c["Name"] == name]


def webcrm_named(world: World, name: str) -> list[int]:
    return [
        int(o["OrganisationId"])
        for o in world.webcrm.backend.organisations.rows()
        if o["OrganisationName"] == name
    ]


def customer_posts(world: World) -> int:
    return sum(1 for r in world.fortnox.requests if r.method == "POST" and r.path == "/3/customers")


@pytest.mark.parametrize("land_after", [31, 8 * 60])
async def test_fortnox_create_that_lands_late_is_adopted_not_sent_again(
    world: World, land_after: int
) -> None:
    await world.import_all()
    org = world.webcrm.ui.create_organisation(
        OrganisationName="Sen Ankomst AB", OrganisationType=FORETAG
    )
    world.fortnox.faults.add(
        "/3/customers", method="POST", timeout=True, land_after=land_after, times=1
    )
    await world.sync()  # the create times out; the inbox retry of this cycle must not resend
    assert fortnox_named(world, "Sen Ankomst AB") == []
    (failure,) = world.store.failures()
    assert "never confirmed" in failure.message or "did not confirm" in failure.message
    for _ in range(3):
        await world.sync()
    (number,) = fortnox_named(world, "Sen Ankomst AB")  # exactly one: the late one
    link = world.store.get_link("customer", webcrm_id=str(org))
    assert link is not None and link.fortnox_id == number
    assert world.store.failures() == [] and world.store.open_intents() == []


async def test_fortnox_create_that_never_lands_is_sent_again_after_the_settle_time(
    world: World,
) -> None:
    await world.import_all()
    org = world.webcrm.ui.create_organisation(
        OrganisationName="Aldrig Fram AB", OrganisationType=FORETAG
    )
    world.fortnox.faults.add("/3/customers", method="POST", timeout=True, times=1)
    await world.sync()
    await world.sync()  # 6 minutes: still inside the settle time, nothing resent
    assert customer_posts(world) == 1
    await world.sync()  # 12 minutes: looked up, not there, sent again
    (number,) = fortnox_named(world, "Aldrig Fram AB")
    link = world.store.get_link("customer", webcrm_id=str(org))
    assert link is not None and link.fortnox_id == number


async def test_webcrm_create_that_lands_late_is_adopted_not_sent_again(world: World) -> None:
    await world.import_all()
    world.fortnox.ui.create_customer(Name="Försenad Handel AB")
    world.webcrm.faults.add(
        "/Organisations", method="POST", timeout=True, land_after=5 * 60, times=1
    )
    await world.sync()
    assert webcrm_named(world, "Försenad Handel AB") == []
    for _ in range(3):
        await world.sync()
    (org,) = webcrm_named(world, "Försenad Handel AB")
    (number,) = fortnox_named(world, "Försenad Handel AB")
    link = world.store.get_link("customer", fortnox_id=number)
    assert link is not None and link.webcrm_id == str(org)


async def test_a_failing_record_is_tried_once_per_cycle(world: World) -> None:
    await world.import_all()
    world.webcrm.ui.create_organisation(OrganisationName="Trasig AB", OrganisationType=FORETAG)
    world.fortnox.faults.add("/3/customers", method="POST", status=400, times=None)
    await world.sync()
    (failure,) = world.store.failures()
    assert failure.attempts == 1 and customer_posts(world) == 1
    await world.sync()  # the org is unchanged: the inbox retry is its one attempt
    (failure,) = world.store.failures()
    assert failure.attempts == 2 and customer_posts(world) == 2


async def test_skip_holds_until_the_record_is_edited_and_only_for_open_entries(
    world: World,
) -> None:
    await world.import_all()
    org = world.webcrm.ui.create_organisation(OrganisationName="Hoppa AB", OrganisationType=FORETAG)
    fault = world.fortnox.faults.add("/3/customers", method="POST", status=400, times=None)
    await world.sync()
    (failure,) = world.store.failures()
    world.store.skip_failure(failure.id)
    with pytest.raises(InboxStateError):
        world.store.skip_failure(failure.id)  # already skipped
    posts = customer_posts(world)
    await world.sync()
    assert customer_posts(world) == posts  # skipped: not tried
    assert [f.id for f in world.store.failures(status="skipped")] == [failure.id]

    world.fortnox.faults.armed.remove(fault)
    world.webcrm.ui.update_organisation(org, OrganisationName="Hoppa Igen AB")
    await world.sync()  # edited since the skip: synced again
    assert len(fortnox_named(world, "Hoppa Igen AB")) == 1
    assert world.store.failures(status="skipped") == []
    with pytest.raises(InboxStateError):
        world.store.skip_failure(failure.id)  # resolved now


async def test_unskip_reopens_the_entry_for_the_next_cycle(world: World) -> None:
    await world.import_all()
    world.webcrm.ui.create_organisation(OrganisationName="Ångra AB", OrganisationType=FORETAG)
    fault = world.fortnox.faults.add("/3/customers", method="POST", status=400, times=None)
    await world.sync()
    (failure,) = world.store.failures()
    world.store.skip_failure(failure.id)
    world.fortnox.faults.armed.remove(fault)
    await world.sync()
    assert fortnox_named(world, "Ångra AB") == []
    world.store.unskip_failure(failure.id)
    await world.sync()
    assert len(fortnox_named(world, "Ångra AB")) == 1
    assert world.store.failures(status=None)[0].status == "resolved"


async def test_a_second_writer_waits_then_names_the_holder(world: World) -> None:
    await world.import_all()
    other = StateStore.open(world.settings.state.url, clock=world.clock)
    try:
        holder = WriterLease(other, "wfsync retry (pid 1 on elsewhere)")
        await holder.acquire(wait=0)
        with pytest.raises(LeaseBusyError, match="wfsync retry \\(pid 1 on elsewhere\\)"):
            await world.sync()
        assert world.store.last_run("webcrm") is None or (
            world.store.last_run("webcrm").status != "running"  # type: ignore[union-attr]
        )
        holder.release()
        await world.sync()  # free again: the next writer goes ahead
        assert world.store.last_run("webcrm").status == "ok"  # type: ignore[union-attr]
    finally:
        other.close()


async def test_taking_the_lease_closes_runs_a_killed_process_left_running(world: World) -> None:
    await world.import_all()
    dead = world.store.start_run("webcrm")  # as if the process was killed mid-cycle
    await world.sync()
    runs = {run.id: run for run in world.store.last_runs()}
    assert runs[dead.id].status == "interrupted"


async def linked_pair(world: World, name: str) -> tuple[int, str]:
    await world.import_all()
    org = world.webcrm.ui.create_organisation(OrganisationName=name, OrganisationType=FORETAG)
    await world.sync()
    link = world.store.get_link("customer", webcrm_id=str(org))
    assert link is not None and link.fortnox_id is not None
    return org, link.fortnox_id


async def test_a_read_without_a_name_is_never_written_back(world: World) -> None:
    org, number = await linked_pair(world, "Namnlös Läsning AB")
    row = world.webcrm.backend.organisations.get(org)
    row["OrganisationName"] = None  # webCRM's answer lacks the name this time
    world.fortnox.ui.update_customer(number, Phone1="08-111 22 33")  # an unrelated edit
    webcrm_writes = len(world.webcrm.writes)
    await world.sync()
    assert len(world.webcrm.writes) == webcrm_writes  # nothing written with a blank name
    failures = world.store.failures()
    assert failures and all("without a name" in f.message for f in failures)
    row["OrganisationName"] = "Namnlös Läsning AB"  # the next read is whole again
    await world.sync()
    assert world.store.failures() == []
    assert world.webcrm.backend.organisations.get(org)["OrganisationName"] == "Namnlös Läsning AB"
    assert world.fortnox.ui.customer(number)["Name"] == "Namnlös Läsning AB"
    assert world.webcrm.backend.organisations.get(org)["OrganisationTelephone"] == "08-111 22 33"


async def test_a_malformed_fortnox_record_goes_to_the_inbox_and_the_run_goes_on(
    world: World,
) -> None:
    org, number = await linked_pair(world, "Trasigt Svar AB")
    other = world.fortnox.ui.create_customer(Name="Hel Kund AB")
    world.fortnox.ui.update_customer(number, Phone1="08-123 45 67")
    world.fortnox.faults.add(
        f"/3/customers/{number}", method="GET", malformed="<html>502 Bad Gateway</html>", times=1
    )
    await world.sync()
    (failure,) = world.store.failures()
    assert failure.source_id == number and "not JSON" in failure.message
    assert world.store.get_link("customer", fortnox_id=other) is not None  # others synced
    await world.sync()  # retried with a good answer
    assert world.store.failures() == []
    assert world.webcrm.backend.organisations.get(org)["OrganisationTelephone"] == "08-123 45 67"


async def test_a_malformed_feed_page_fails_its_direction_and_keeps_the_cursor(
    world: World,
) -> None:
    from wfsync.http.errors import MalformedResponseError

    await world.import_all()
    world.fortnox.ui.create_customer(Name="Ny i Fortnox AB")
    cursor = world.store.get_cursor("fortnox", "customers")
    world.fortnox.faults.add(
        "/3/customers", method="GET", malformed='{"Customers": [{"CustomerNumber": []}]}', times=1
    )
    world.clock.advance(360)
    async with world.engine() as engine:
        with pytest.raises(MalformedResponseError, match="does not match its documented shape"):
            await engine.sync_fortnox()
    assert world.store.get_cursor("fortnox", "customers") == cursor
    assert world.store.last_run("fortnox").status == "failed"  # type: ignore[union-attr]
    await world.sync()  # the next cycle reads the same window again
    assert world.store.last_run("fortnox").status == "ok"  # type: ignore[union-attr]
    assert len(webcrm_named(world, "Ny i Fortnox AB")) == 1


async def test_a_direction_that_cannot_complete_does_not_stop_the_other(world: World) -> None:
    from wfsync.http.errors import ServerError

    await world.import_all()
    world.webcrm.faults.add("/Queries", status=503, times=None)
    world.clock.advance(360)
    async with world.engine() as engine:
        with pytest.raises(ServerError):
            await engine.sync_once()
    assert world.store.last_run("webcrm").status == "failed"  # type: ignore[union-attr]
    assert world.store.last_run("fortnox").status == "ok"  # type: ignore[union-attr]


async def test_an_endless_retry_after_ends_the_run_instead_of_sleeping_for_a_day(
    world: World,
) -> None:
    from wfsync.http.core import WaitBudgetExceeded
    from wfsync.http.errors import RateLimitError

    await world.import_all()
    world.webcrm.faults.add("/Queries", status=429, retry_after=100000, times=None)
    started = world.clock.monotonic()
    world.clock.advance(360)
    async with world.engine() as engine:
        with pytest.raises((WaitBudgetExceeded, RateLimitError)):
            await engine.sync_webcrm()
    waited = world.clock.monotonic() - started - 360
    assert waited <= engine.webcrm.http.retry.run_wait_budget
    assert world.store.last_run("webcrm").status == "failed"  # type: ignore[union-attr]
