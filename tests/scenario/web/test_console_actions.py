"""What an admin does in the console, against both simulators and a real engine."""

from __future__ import annotations

import re

from tests.scenario.sync.conftest import World
from tests.scenario.sync.test_deliveries_world import (
    add_line,
    customer_org,
    cycle,
    delivery_link,
    new_delivery,
    prepare,
)
from tests.scenario.web.conftest import Console
from wfsync.runtime.runner import Runner
from wfsync.state import InstanceLock

FORETAG = "Kund – Företag"


async def bad_record(world: World) -> int:
    """A webCRM customer Fortnox refuses (an unknown currency), in the inbox after a cycle."""
    await world.import_all()
    org_id = world.webcrm.ui.create_organisation(
        OrganisationName="Fel Valuta AB", OrganisationType=FORETAG, OrganisationCustom7="XYZ"
    )
    await world.sync()
    return org_id


def row(html: str, row_id: str) -> str:
    match = re.search(rf'<tr id="{row_id}".*?</tr>', html, re.S)
    assert match, f"no row {row_id}"
    return match.group(0)


async def test_inbox_entry_retried_from_the_console_after_the_fix(
    world: World, console: Console
) -> None:
    org_id = await bad_record(world)
    (failure,) = world.store.failures()
    entry = row(await console.page("/inbox"), f"failure-{failure.id}")
    assert str(org_id) in entry and "valuta" in entry.lower()
    assert "Fel Valuta AB" in entry  # named, though it was never linked
    assert "Fortnox does not know this currency" in entry  # plain-language explanation
    assert "webcrm.com" in entry  # a link that opens the record in webCRM
    world.webcrm.ui.update_organisation(org_id, OrganisationCustom7="EUR")
    answer = await console.press("/inbox", f"/inbox/{failure.id}/retry")
    assert answer.status_code == 303
    # No runner holds the instance lock, so the console retried at once itself.
    assert world.store.failures() == []
    assert [c["Name"] for c in world.fortnox.store.customers.values()] == ["Fel Valuta AB"]
    resolved = await console.page("/inbox?status=resolved")
    assert f"failure-{failure.id}" in resolved
    (request,) = world.store.requests_for("retry", failure.id)
    assert (request.status, request.result) == ("done", "resolved")


async def test_skip_and_unskip(world: World, console: Console) -> None:
    await bad_record(world)
    (failure,) = world.store.failures()
    await console.press("/inbox", f"/inbox/{failure.id}/skip")
    assert world.store.failures() == []
    assert f"failure-{failure.id}" in await console.page("/inbox?status=skipped")
    writes = len(world.fortnox.writes())
    await world.sync()
    assert len(world.fortnox.writes()) == writes  # a skipped record is left alone
    await console.press("/inbox?status=skipped", f"/inbox/{failure.id}/unskip")
    assert [f.id for f in world.store.failures()] == [failure.id]
    assert f"failure-{failure.id}" in await console.page("/inbox")


async def test_bulk_retry_retries_the_selected_entries(world: World, console: Console) -> None:
    await world.import_all()
    ids = [
        world.webcrm.ui.create_organisation(
            OrganisationName=name, OrganisationType=FORETAG, OrganisationCustom7="XYZ"
        )
        for name in ("Ett AB", "Två AB")
    ]
    await world.sync()
    assert len(world.store.failures()) == 2
    for org_id in ids:
        world.webcrm.ui.update_organisation(org_id, OrganisationCustom7="SEK")
    chosen = [f.id for f in world.store.failures()]
    token_page = await console.page("/inbox")
    token = re.search(r'name="csrf" value="([^"]+)"', token_page)
    assert token
    await console.client.post(
        "/inbox/retry", data={"csrf": token.group(1), "ids": [str(i) for i in chosen]}
    )
    assert world.store.failures() == []
    assert len(world.fortnox.store.customers) == 2


async def test_a_running_runner_does_the_retry_between_cycles(
    world: World, console: Console
) -> None:
    org_id = await bad_record(world)
    (failure,) = world.store.failures()
    world.webcrm.ui.update_organisation(org_id, OrganisationCustom7="EUR")
    lock = InstanceLock(world.settings.state.url)
    assert lock.acquire()  # as `wfsync run` holds it
    try:
        answer = await console.press("/inbox", f"/inbox/{failure.id}/retry")
        assert "within seconds" in answer.headers["location"].replace("+", " ")
        assert [f.id for f in world.store.failures()] == [failure.id]  # not done by the console
        assert "retry requested" in await console.page("/inbox")
        async with world.engine() as engine:
            assert await Runner(engine, world.clock).handle_requests() == 1
    finally:
        lock.release()
    assert world.store.failures() == []


async def test_conflict_other_value_is_written_on_the_next_cycle(
    world: World, console: Console
) -> None:
    await world.import_all()
    org_id = world.webcrm.ui.create_organisation(
        OrganisationName="Beta AB", OrganisationType=FORETAG, OrganisationCity="Lund"
    )
    await world.sync()
    (link,) = world.store.links("customer")
    number = link.fortnox_id or ""
    world.webcrm.ui.update_organisation(org_id, OrganisationCity="Malmö")
    world.fortnox.ui.update_customer(number, VisitingCity="Ystad")
    await world.sync()
    (conflict,) = world.store.conflicts()
    shown = row(await console.page("/conflicts"), f"conflict-{conflict.id}")
    for text in ("Lund", "Malmö", "Ystad", conflict.rule):
        assert text in shown
    kept, other = conflict.resolved_value, conflict.webcrm_value
    assert (kept, other) == ("Ystad", "Malmö")  # Fortnox wins under the default rule
    await console.press("/conflicts", f"/conflicts/{conflict.id}/apply-other")
    assert world.webcrm.ui.organisation(org_id)["OrganisationCity"] == kept  # not yet
    assert "written on the next cycle" in await console.page("/conflicts")
    world.clock.advance(360)
    async with world.engine() as engine:
        await Runner(engine, world.clock).cycle("webcrm")
    assert world.webcrm.ui.organisation(org_id)["OrganisationCity"] == "Malmö"
    assert world.fortnox.ui.customer(number)["VisitingCity"] == "Malmö"
    assert world.store.conflicts() == []  # settled by the admin
    done = row(await console.page("/conflicts?all=1"), f"conflict-{conflict.id}")
    assert "done" in done
    await world.sync()
    assert world.last_writes == 0  # and it stays put
    history = await console.page(f"/records/customer/{link.id}")
    assert "an admin chose &#39;Malmö&#39;" in history or "an admin chose 'Malmö'" in history


async def test_records_search_and_detail_with_history(world: World, console: Console) -> None:
    await world.import_all()
    org_id = world.webcrm.ui.create_organisation(
        OrganisationName="Gamma Verkstad AB", OrganisationType=FORETAG, OrganisationCity="Umeå"
    )
    await world.sync()
    (link,) = world.store.links("customer")
    world.webcrm.ui.update_organisation(org_id, OrganisationCity="Luleå")
    await world.sync()
    found = await console.page("/records?q=gamma")
    assert f"/records/customer/{link.id}" in found
    assert f"/records/customer/{link.id}" in await console.page(f"/records?q={link.fortnox_id}")
    assert "Nothing linked matches" in await console.page("/records?q=zzzz")
    world.fortnox.ui.create_article(ArticleNumber="HX-200", Description="Hammare XL")
    await world.sync()
    (article,) = world.store.links("article")
    assert f"/records/article/{article.id}" in await console.page("/records?q=hx-200&kind=article")
    assert "Hammare XL" in await console.page(f"/records/article/{article.id}")
    assert "/records/article/" not in await console.page("/records?q=hx-200&kind=customer")
    detail = await console.page(f"/records/customer/{link.id}")
    assert "Luleå" in detail and "linked" in detail and "synced" in detail
    world.webcrm.ui.update_organisation(org_id, OrganisationCity="Kiruna")  # not synced yet
    detail = await console.page(f"/records/customer/{link.id}")
    city = row(
        detail.replace("<tr><td><code>visiting_city", '<tr id="city"><td><code>visiting_city'),
        "city",
    )
    assert '<td class="changed">Kiruna</td>' in city and "Luleå" in city


async def test_runs_and_settings_pages(world: World, console: Console) -> None:
    await bad_record(world)
    runs = await console.page("/runs")
    assert "webcrm" in runs and "valuta" in runs.lower()
    assert "ErrorInformation" in runs  # the vendor's raw answer, as it came
    settings = await console.page("/settings")
    secret = world.settings.fortnox.client_secret.get_secret_value()
    assert secret not in settings and "client_secret" in settings and "(set)" in settings
    assert world.settings.webcrm.auth_code.get_secret_value() not in settings


async def test_an_entry_that_waits_for_an_edit_says_so(world: World, console: Console) -> None:
    world.configure(customer_number_owner="webcrm")
    await world.import_all()
    world.fortnox.ui.create_customer(CustomerNumber="500", Name="Gammal Kund AB")
    world.fortnox.ui.delete_customer("500")  # its number stays reserved for ever
    world.webcrm.ui.create_organisation(
        OrganisationName="Ny Kund AB", OrganisationType=FORETAG, OrganisationExtraCustom1="500"
    )
    await world.sync()
    (failure,) = world.store.failures()
    assert "waits for an edit" in row(await console.page("/inbox"), f"failure-{failure.id}")


async def test_an_override_is_superseded_by_a_newer_edit(world: World, console: Console) -> None:
    await world.import_all()
    org_id = world.webcrm.ui.create_organisation(
        OrganisationName="Delta AB", OrganisationType=FORETAG, OrganisationCity="Lund"
    )
    await world.sync()
    (link,) = world.store.links("customer")
    number = link.fortnox_id or ""
    world.webcrm.ui.update_organisation(org_id, OrganisationCity="Malmö")
    world.fortnox.ui.update_customer(number, VisitingCity="Ystad")
    await world.sync()
    (conflict,) = world.store.conflicts()
    await console.press("/conflicts", f"/conflicts/{conflict.id}/apply-other")
    world.fortnox.ui.update_customer(number, VisitingCity="Visby")  # someone moved on
    world.clock.advance(360)
    async with world.engine() as engine:
        await Runner(engine, world.clock).cycle("fortnox")
    (request,) = world.store.requests_for("override", conflict.id)
    assert request.status == "superseded"
    assert world.webcrm.ui.organisation(org_id)["OrganisationCity"] == "Visby"
    assert "superseded" in row(await console.page("/conflicts"), f"conflict-{conflict.id}")


async def test_a_delivery_header_conflict_can_be_overruled(world: World, console: Console) -> None:
    await prepare(world)
    org = customer_org(world)
    delivery = new_delivery(world, org, DeliveryOrderDate="2026-11-20", DeliveryMemo="Base")
    add_line(world, delivery, "A1", "Hammare", 1, 150)
    await cycle(world)
    number = delivery_link(world, delivery).fortnox_id or ""
    world.webcrm.ui.update_delivery(delivery, DeliveryMemo="webCRM says")
    world.fortnox.ui.update_order(number, Remarks="Fortnox says")
    await cycle(world)
    (conflict,) = [c for c in world.store.conflicts() if c.kind == "delivery"]
    other = conflict.webcrm_value if conflict.winner == "fortnox" else conflict.fortnox_value
    await console.press("/conflicts", f"/conflicts/{conflict.id}/apply-other")
    world.clock.advance(360)
    async with world.engine() as engine:
        await Runner(engine, world.clock).cycle("webcrm")
    (request,) = world.store.requests_for("override", conflict.id)
    assert request.status == "done", request.result
    assert world.fortnox.ui.order(number)["Remarks"] == other
    assert world.webcrm.ui.delivery(delivery)["DeliveryMemo"] == other
