"""What an organisation changed in webCRM costs in Fortnox, and what it must not cost.

The merge needs the Fortnox customer as it is now. A customer that Fortnox's
``lastmodified`` list does not name (read from where the Fortnox feed will next
read) holds what we last synced: its snapshot is merged, with no ``GET``. These
tests count the calls (deterministic) and prove the shortcut never hides a
Fortnox edit: one not polled yet, one whose read failed, one made while a long
batch of writes travels.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.scenario.sync.conftest import PersonMeanwhile, World, www_edited_during_our_put
from wfsync.clock import FakeClock
from wfsync.sync.customers import unmoved

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


def assert_fortnox_value_stands(world: World, org: int, number: str) -> None:
    """The person's Fortnox edit (visiting city Malmö) won and is on both sides."""
    assert world.fortnox.ui.customer(number)["VisitingCity"] == "Malmö"
    assert world.webcrm.ui.organisation(org)["OrganisationCity"] == "Malmö"


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
    assert_fortnox_value_stands(world, org, number)
    assert [c.field for c in world.store.conflicts()] == ["visiting_city"]


@pytest.mark.parametrize("inbox", ["open", "skipped"])
async def test_a_fortnox_change_that_failed_to_sync_is_read_before_the_merge(
    world: World, inbox: str
) -> None:
    """A customer listed and not merged (its read failed: it waits in the inbox, or an
    admin skipped it) has a stale snapshot although it is out of the list's window."""
    world.configure(conflict_winner="fortnox")
    [(org, number)] = await linked(world, 1)
    world.fortnox.ui.update_customer(number, VisitingCity="Malmö")
    world.fortnox.faults.add(f"/3/customers/{number}", method="GET", status=400, times=None)
    await world.sync()  # the poll lists it; its read is refused: the inbox holds it
    [failure] = world.store.failures()
    assert failure.source_id == number
    if inbox == "skipped":
        world.store.skip_failure(failure.id)
    world.fortnox.faults.clear()
    world.webcrm.ui.update_organisation(org, OrganisationCity="Lund")
    await world.sync()
    assert_fortnox_value_stands(world, org, number)


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


async def test_a_fortnox_edit_while_the_link_was_paused_is_read_when_it_resumes(
    world: World,
) -> None:
    world.configure(conflict_winner="fortnox")
    [(org, number)] = await linked(world, 1)
    world.webcrm.ui.update_organisation(org, OrganisationType="Leverantör")
    await world.sync()
    link = world.store.get_link("customer", fortnox_id=number)
    assert link is not None and link.state == "paused"
    world.fortnox.ui.update_customer(number, VisitingCity="Malmö")
    for _ in range(3):
        await world.sync()  # long out of any list's window now
    world.webcrm.ui.update_organisation(org, OrganisationType=COMPANY, OrganisationCity="Lund")
    await world.sync()
    assert_fortnox_value_stands(world, org, number)


async def test_an_import_run_again_does_not_move_the_fortnox_feed_past_an_edit(
    world: World,
) -> None:
    """`wfsync import` again skips linked customers: had it moved the Fortnox feed to its
    own start, a Fortnox edit made before that would never be listed, and the next
    webCRM edit of the field would run over it against a stale snapshot."""
    world.configure(conflict_winner="fortnox")
    [(org, number)] = await linked(world, 1)
    world.clock.advance(60)
    world.fortnox.ui.update_customer(number, VisitingCity="Malmö")
    world.clock.advance(600)
    await world.import_all()
    world.webcrm.ui.update_organisation(org, OrganisationCity="Lund")
    await world.sync()
    assert_fortnox_value_stands(world, org, number)
    assert [c.field for c in world.store.conflicts()] == ["visiting_city"]


async def test_an_interrupted_import_resumed_later_starts_the_feeds_where_it_began(
    world: World,
) -> None:
    world.configure(conflict_winner="fortnox")
    first = world.fortnox.ui.create_customer(
        Name="Kund A AB", VisitingCity="Uppsala", OrganisationNumber="556677-8899"
    )
    world.webcrm.ui.create_organisation(  # matched by the import: linked at once
        OrganisationName="Kund A AB",
        OrganisationType=COMPANY,
        OrganisationCity="Uppsala",
        OrganisationExtraCustom2="556677-8899",
    )
    second = world.fortnox.ui.create_customer(Name="Kund B AB", VisitingCity="Uppsala")
    world.clock.advance(3600)
    world.fortnox.faults.add(f"/3/customers/{second}", method="GET", status=401, times=None)
    with pytest.raises(Exception, match=r"401|rejected|token"):
        await world.import_all()  # dies after linking the first customer
    world.fortnox.faults.clear()
    link = world.store.get_link("customer", fortnox_id=first)
    assert link is not None and link.webcrm_id is not None
    world.clock.advance(60)
    world.fortnox.ui.update_customer(first, VisitingCity="Malmö")  # between the two runs
    world.clock.advance(600)
    await world.import_all()
    await world.sync()
    assert world.webcrm.ui.organisation(int(link.webcrm_id))["OrganisationCity"] == "Malmö"


class AfterOurWrite(httpx.AsyncBaseTransport):
    """Fortnox: a person edits ``number`` right after our PUT of it lands."""

    def __init__(self, world: World, number: str, edit: Callable[[], object]) -> None:
        self.inner = httpx.ASGITransport(app=world.fortnox.app)
        self.number, self.edit, self.wrote = number, edit, False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "PUT" and request.url.path == f"/3/customers/{self.number}":
            self.wrote = True
            self.edit()
        return response


class SlowRest(httpx.AsyncBaseTransport):
    """webCRM: after that write, the rest of the webCRM direction (other records,
    deliveries, the inbox) takes ``seconds``."""

    def __init__(self, world: World, fortnox: AfterOurWrite, seconds: float) -> None:
        self.inner = httpx.ASGITransport(app=world.webcrm.app)
        self.clock, self.fortnox, self.seconds, self.done = world.clock, fortnox, seconds, False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.fortnox.wrote and not self.done:
            self.done = True
            self.clock.advance(self.seconds)
        return await self.inner.handle_async_request(request)


class Behind:
    """Fortnox's clock, ``seconds`` behind ours (it stamps its records with it)."""

    def __init__(self, clock: FakeClock, seconds: float) -> None:
        self.clock, self.offset = clock, timedelta(seconds=seconds)

    def now(self) -> datetime:
        return self.clock.now() - self.offset

    def __getattr__(self, name: str) -> Any:
        return getattr(self.clock, name)


@pytest.mark.parametrize("skew", [0, 30])
async def test_an_edit_right_after_our_write_crosses_with_fortnox_clock_behind(
    world: World, skew: int
) -> None:
    """The write's answer stands in for the poll's read only when the next poll is sure
    to list the customer again, on Fortnox's clock too: written 115 s before this poll
    (5 s inside the 2-minute overlap), with Fortnox 30 s behind, it is read now."""
    [(org, number)] = await linked(world, 1)
    world.fortnox.store.clock = Behind(world.clock, skew)  # type: ignore[assignment]
    world.webcrm.ui.update_organisation(org, OrganisationTelephone="08-555 12 12")
    world.clock.set(world.clock.now().replace(second=25, microsecond=0) + timedelta(minutes=7))
    edit = lambda: world.fortnox.ui.update_customer(number, VisitingCity="Visby")  # noqa: E731
    fortnox = AfterOurWrite(world, number, edit)
    webcrm = SlowRest(world, fortnox, seconds=115)
    async with world.engine(fortnox_transport=fortnox, webcrm_transport=webcrm) as engine:
        await engine.sync_once()
    assert fortnox.wrote and webcrm.done
    await world.sync()
    assert world.webcrm.ui.organisation(org)["OrganisationCity"] == "Visby"


async def test_a_failing_list_means_reads_not_failed_records(world: World) -> None:
    pairs = await linked(world, 2)

    class ListDown(httpx.AsyncBaseTransport):
        inner = httpx.ASGITransport(app=world.fortnox.app)

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.method == "GET" and request.url.path == "/3/customers":
                return httpx.Response(503, json={"message": "down"})
            return await self.inner.handle_async_request(request)

    for org, _ in pairs:
        world.webcrm.ui.update_organisation(org, OrganisationTelephone="08-555 12 12")
    world.clock.advance(360)
    start = len(world.fortnox.requests)
    async with world.engine(fortnox_transport=ListDown()) as engine:
        await engine.sync_webcrm()
    assert world.store.failures() == []
    for _, number in pairs:
        assert world.fortnox.ui.customer(number)["Phone1"] == "08-555 12 12"
    assert customer_calls(world, start) == {"list": 0, "get": 2, "put": 2}


async def test_a_long_list_is_abandoned_for_reads(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(unmoved, "MAX_LISTED", 3)
    pairs = await linked(world, 4)
    for _, number in pairs[:3]:
        world.fortnox.ui.update_customer(number, WWW="www.example.se")  # a bulk edit
    org, number = pairs[3]
    world.webcrm.ui.update_organisation(org, OrganisationTelephone="08-555 12 12")
    world.clock.advance(360)
    start = len(world.fortnox.requests)
    async with world.engine() as engine:
        await engine.sync_webcrm()
    assert world.fortnox.ui.customer(number)["Phone1"] == "08-555 12 12"
    assert customer_calls(world, start) == {"list": 1, "get": 1, "put": 1}


async def test_an_answer_carrying_a_persons_edit_is_read_again_before_its_merge(
    world: World,
) -> None:
    """Fortnox's answer stands in for the poll's read only when it holds what we
    synced: one that carries a person's edit made while our write travelled is
    merged from a fresh read (the answer may be up to a minute old by then)."""
    [(org, number)] = await linked(world, 1)
    world.webcrm.ui.update_organisation(org, OrganisationTelephone="08-555 12 12")
    meanwhile = www_edited_during_our_put(world, number)
    world.clock.advance(360)
    start = len(world.fortnox.requests)
    async with world.engine(fortnox_transport=meanwhile) as engine:
        await engine.sync_once()
    assert customer_calls(world, start) == {"list": 2, "get": 1, "put": 1}
    assert world.webcrm.ui.organisation(org)["OrganisationWww"] == "www.eko.se"


async def test_an_import_that_failed_before_linking_leaves_no_old_start_behind(
    world: World,
) -> None:
    """Only customers an interrupted run linked pull the feeds back to its start: one
    that failed at once, followed by an import weeks later, starts every feed at
    the later import (older orders are not brought over)."""
    world.fortnox.ui.create_customer(Name="Kund A AB")
    world.fortnox.faults.add("/3/customers", method="GET", status=401, times=None)
    with pytest.raises(Exception, match=r"401|rejected|token"):
        await world.import_all()
    world.fortnox.faults.clear()
    world.clock.advance(30 * 24 * 3600)
    started = world.clock.now()
    await world.import_all()
    for source, entity in (("fortnox", "customers"), ("fortnox", "orders")):
        assert world.store.get_cursor(source, entity) == started.isoformat()
