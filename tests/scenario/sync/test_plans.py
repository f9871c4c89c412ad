"""Plans: a dry run lists exactly what the real run then does, and writes nothing —
the run up to the plan is the same code; only the applier differs."""

from __future__ import annotations

from collections import Counter

from tests.scenario.sync.conftest import World
from wfsync.sync.merge import FieldConflict
from wfsync.sync.plan import Create, Fail, Pause, Plan, Resume, Update
from wfsync.sync.report import PlannedOp

COMPANY = {"OrganisationName": "Planera AB", "OrganisationType": "Kund – Företag"}


async def test_the_dry_run_lists_what_the_real_run_then_does(world: World) -> None:
    world.fortnox.ui.create_article(
        ArticleNumber="501", Description="Hammare", PurchasePrice=80, Unit="st"
    )
    world.fortnox.ui.set_price("A", "501", 149)
    await world.import_all()
    org_id = world.webcrm.ui.create_organisation(**COMPANY)
    await world.sync()
    link = world.store.get_link("customer", webcrm_id=str(org_id))
    assert link is not None and link.fortnox_id is not None
    snapshots = (link.webcrm_snapshot, link.fortnox_snapshot)

    world.webcrm.ui.update_organisation(org_id, OrganisationCity="Visby")
    world.fortnox.ui.update_customer(link.fortnox_id, Phone1="08-123 45 67")
    world.fortnox.ui.update_article("501", Description="Släggа")
    world.clock.advance(360)
    async with world.engine() as engine:
        planned = [op for r in await engine.sync_once(dry_run=True) for op in r.planned]
    assert world.last_writes == 0
    after = world.store.get_link("customer", webcrm_id=str(org_id))
    assert after is not None and (after.webcrm_snapshot, after.fortnox_snapshot) == snapshots
    rows = [(op.entity, op.action, op.target, op.detail) for op in planned]
    # Each pair once, though both directions' feeds see the customer changed.
    assert sorted(rows) == [
        ("article", "update", "webcrm", ""),
        ("customer", "update", "fortnox", "visiting_city"),
        ("customer", "update", "webcrm", "phone"),
    ]

    report = (await world.sync(minutes=0))[0:2]
    done = Counter()
    for run in report:
        done.update({k: n for k, n in run.counts.items() if ".updated_" in k})
    wanted = Counter(f"{op.entity}.updated_{op.target}" for op in planned if op.action == "update")
    assert done == wanted  # each planned update happened, and nothing else
    assert world.webcrm.ui.organisation(org_id)["OrganisationCity"] == "Visby"


async def test_a_dry_run_lists_links_and_creates_once_then_the_run_makes_them(
    world: World,
) -> None:
    await world.import_all()
    # A pair that matches by organisation number, and one record on each side alone.
    number = world.fortnox.ui.create_customer(Name="Acme AB", OrganisationNumber="556677-8899")
    org_id = world.webcrm.ui.create_organisation(**COMPANY, OrganisationExtraCustom2="5566778899")
    world.webcrm.ui.create_organisation(OrganisationName="Ny AB", OrganisationType="Kund – Företag")
    world.fortnox.ui.create_customer(Name="Solo AB")
    world.clock.advance(360)
    async with world.engine() as engine:
        planned = [op for r in await engine.sync_once(dry_run=True) for op in r.planned]
    assert world.last_writes == 0 and world.store.links("customer") == []
    # The match is found from both sides, and listed once.
    assert sorted((op.action, op.target, op.ident, op.detail) for op in planned) == [
        ("create", "fortnox", f"Ny AB (webCRM {org_id + 1})", ""),
        ("create", "webcrm", "Solo AB (Fortnox 2)", ""),
        (
            "link",
            "-",
            f"Planera AB (webCRM {org_id})",
            f"webCRM {org_id} ⇄ Fortnox {number}: same organisation number",
        ),
    ]
    reports = await world.sync(minutes=0)
    done = Counter()
    for run in reports:
        done.update(
            {
                k: n
                for k, n in run.counts.items()
                if k.split(".")[1] in ("linked", "created_fortnox", "created_webcrm")
            }
        )
    assert done == Counter(
        {"customer.linked": 1, "customer.created_fortnox": 1, "customer.created_webcrm": 1}
    )
    assert world.store.get_link("customer", webcrm_id=str(org_id)).fortnox_id == number  # type: ignore[union-attr]


def test_plan_rows_name_each_operation_and_conflict_once() -> None:
    conflict = FieldConflict("phone", "1", "2", "3", "fortnox", "conflict_winner = fortnox")
    plan = Plan(
        "customer",
        "Acme AB (webCRM 1)",
        (
            Resume(),
            Update("fortnox", ("name", "city")),
            Update("webcrm", (), "lines"),
            Create("webcrm"),
        ),
        (conflict,),
    )
    assert plan.rows() == [
        PlannedOp("customer", "update", "fortnox", "Acme AB (webCRM 1)", "name, city"),
        PlannedOp("customer", "update", "webcrm", "Acme AB (webCRM 1)", "lines"),
        PlannedOp("customer", "create", "webcrm", "Acme AB (webCRM 1)"),
        PlannedOp(
            "customer",
            "conflict",
            "fortnox",
            "Acme AB (webCRM 1)",
            "phone: webCRM '2' vs Fortnox '3'",
        ),
    ]
    held = Plan("delivery", "d", (Pause("gone"), Fail("fortnox", "booked")))
    assert [(r.action, r.detail) for r in held.rows()] == [("pause", "gone"), ("fail", "booked")]
    assert held.writes == () and len(plan.writes) == 3


async def _webcrm_cycle(world: World) -> None:
    world.clock.advance(360)
    async with world.engine() as engine:
        await engine.sync_webcrm()


async def test_a_write_whose_answer_was_lost_reads_back_as_ours(world: World) -> None:
    org_id, number = await world.linked_customer(**COMPANY)
    world.webcrm.ui.update_organisation(org_id, OrganisationWww="www.forsta.se")
    # Fortnox carries the PUT out, and the answer is garbage: nothing is recorded.
    world.fortnox.faults.add(f"/3/customers/{number}", method="PUT", malformed="<html>")
    await _webcrm_cycle(world)
    assert world.fortnox.ui.customer(number)["WWW"] == "www.forsta.se"
    assert [f.source_id for f in world.store.failures()] == [str(org_id)]
    # A person edits the same field again before the Fortnox side is looked at.
    world.webcrm.ui.update_organisation(org_id, OrganisationWww="www.andra.se")
    await _webcrm_cycle(world)
    # Fortnox's value is our own lost write, not an edit: the newest edit wins, with
    # no conflict (it was never one) and the inbox entry settled.
    assert world.fortnox.ui.customer(number)["WWW"] == "www.andra.se"
    assert world.webcrm.ui.organisation(org_id)["OrganisationWww"] == "www.andra.se"
    assert world.store.conflicts() == []
    assert world.store.failures() == []


async def _lost_answer_write(world: World) -> tuple[int, str]:
    """A linked pair whose website went start → första in webCRM, written to Fortnox
    with its answer lost: Fortnox holds första, the snapshots still say start."""
    org_id, number = await world.linked_customer(**COMPANY)
    world.webcrm.ui.update_organisation(org_id, OrganisationWww="www.start.se")
    await _webcrm_cycle(world)
    world.webcrm.ui.update_organisation(org_id, OrganisationWww="www.forsta.se")
    world.fortnox.faults.add(f"/3/customers/{number}", method="PUT", malformed="<html>")
    await _webcrm_cycle(world)
    assert world.fortnox.ui.customer(number)["WWW"] == "www.forsta.se"
    return org_id, number


async def test_an_edit_back_after_a_lost_answer_write_crosses(world: World) -> None:
    org_id, number = await _lost_answer_write(world)
    # The person changes their mind: webCRM back to the old value, which the
    # snapshot still holds. It is an edit (webCRM held första when we wrote it).
    world.webcrm.ui.update_organisation(org_id, OrganisationWww="www.start.se")
    await _webcrm_cycle(world)
    assert world.fortnox.ui.customer(number)["WWW"] == "www.start.se"
    assert world.webcrm.ui.organisation(org_id)["OrganisationWww"] == "www.start.se"
    assert world.store.conflicts() == [] and world.store.failures() == []


async def test_pending_writes_add_up_until_a_merge_is_recorded(world: World) -> None:
    org_id, number = await _lost_answer_write(world)
    # The next merge writes another field, and that write fails outright: what
    # the first write left behind must still read as ours.
    world.webcrm.ui.update_organisation(org_id, OrganisationTelephone="08-11 22 33")
    world.fortnox.faults.add(f"/3/customers/{number}", method="PUT", status=500, times=None)
    await _webcrm_cycle(world)
    assert world.fortnox.ui.customer(number)["Phone1"] != "08-11 22 33"
    world.fortnox.faults.clear()
    world.webcrm.ui.update_organisation(org_id, OrganisationWww="www.start.se")
    await _webcrm_cycle(world)
    # The person's newest edit wins on both fields; Fortnox's första was ours.
    customer = world.fortnox.ui.customer(number)
    assert (customer["WWW"], customer["Phone1"]) == ("www.start.se", "08-11 22 33")
    assert world.webcrm.ui.organisation(org_id)["OrganisationWww"] == "www.start.se"
    assert world.store.conflicts() == [] and world.store.failures() == []
    link = world.store.get_link("customer", webcrm_id=str(org_id))
    assert link is not None and "pending_writes" not in link.extra  # settled with the merge


async def test_a_conflict_is_recorded_even_when_the_losers_write_fails(world: World) -> None:
    world.configure(conflict_winner="fortnox")
    org_id, number = await world.linked_customer(**COMPANY)
    world.webcrm.ui.update_organisation(org_id, OrganisationWww="www.crm.se")
    world.fortnox.ui.update_customer(number, WWW="www.fortnox.se")
    world.webcrm.faults.add(f"/Organisations/{org_id}", method="PUT", status=500, times=None)
    await _webcrm_cycle(world)
    assert world.webcrm.ui.organisation(org_id)["OrganisationWww"] == "www.crm.se"  # not written
    assert [(c.field, c.webcrm_value, c.fortnox_value) for c in world.store.conflicts()] == [
        ("website", "www.crm.se", "www.fortnox.se")
    ]


async def test_a_paused_link_settles_its_inbox_entry(world: World) -> None:
    org_id, number = await world.linked_customer(**COMPANY)
    world.webcrm.ui.update_organisation(org_id, OrganisationWww="www.fel.se")
    world.fortnox.faults.add(f"/3/customers/{number}", method="PUT", status=500, times=None)
    await world.sync()
    assert len(world.store.failures()) == 1
    world.fortnox.faults.clear()
    world.webcrm.ui.update_organisation(org_id, OrganisationType="Prospekt")
    await world.sync()
    link = world.store.get_link("customer", webcrm_id=str(org_id))
    assert link is not None and link.state == "paused"
    assert world.store.failures() == []  # the pause (with its reason) is what shows now


async def test_an_edit_after_a_create_whose_follow_up_failed_is_not_a_conflict(
    world: World,
) -> None:
    await world.import_all()
    org_id = world.webcrm.ui.create_organisation(**COMPANY, OrganisationCity="Göteborg")
    # The customer is created in Fortnox; writing its number back to webCRM fails.
    world.webcrm.faults.add(f"/Organisations/{org_id}", method="PUT", status=500, times=None)
    await _webcrm_cycle(world)
    link = world.store.get_link("customer", webcrm_id=str(org_id))
    assert link is not None and link.fortnox_id is not None
    world.webcrm.faults.clear()
    world.webcrm.ui.update_organisation(org_id, OrganisationCity="Malmö")
    await _webcrm_cycle(world)
    # webCRM changed since the create; Fortnox did not: no conflict, the edit crosses.
    assert world.fortnox.ui.customer(link.fortnox_id)["VisitingCity"] == "Malmö"
    assert world.store.conflicts() == []
    assert world.webcrm.ui.organisation(org_id)["OrganisationCity"] == "Malmö"
