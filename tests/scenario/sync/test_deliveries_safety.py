"""No duplicates across crashes, dated invoices, conflicts shown once, dry runs write nothing."""

from __future__ import annotations

from datetime import timedelta

from tests.scenario.sync.conftest import World
from tests.scenario.sync.test_deliveries_world import (
    add_line,
    customer_org,
    cycle,
    delivery_link,
    new_delivery,
    prepare,
    webcrm_only,
)
from wfsync.cli.status_view import collect_status
from wfsync.sync.deliveries import DeliverySync


async def test_order_created_but_not_recorded_is_adopted_not_duplicated(world: World) -> None:
    await prepare(world)
    org = customer_org(world)
    await cycle(world)  # the customer
    delivery = new_delivery(world, org, DeliveryOrderDate="2026-11-20")
    add_line(world, delivery, "A1", "Hammare", 2, 150)
    # Fortnox makes the order, but the answer never arrives.
    world.fortnox.faults.add("/3/orders", method="POST", timeout=True, after_processing=True)
    await webcrm_only(world)
    assert world.store.get_link("delivery", webcrm_id=str(delivery)) is None
    assert len(world.fortnox.writes("/3/orders")) == 1

    world.webcrm.ui.update_delivery(delivery, DeliveryMemo="retry me")  # any later change
    await webcrm_only(world)
    link = delivery_link(world, delivery)
    posts = [r for r in world.fortnox.writes("/3/orders") if r.method == "POST"]
    assert len(posts) == 1  # found by its ExternalInvoiceReference1, not made again
    searched = [r.query.get("externalinvoicereference1") for r in world.fortnox.requests]
    assert f"webCRM {delivery}" in searched
    assert world.fortnox.ui.order(link.fortnox_id or "")["Remarks"] == "retry me"
    assert world.store.open_intents("delivery") == []


async def test_delivery_created_but_not_recorded_is_adopted_not_duplicated(world: World) -> None:
    await prepare(world)
    customer = world.fortnox.ui.create_customer(Name="Fortnoxkund AB")
    await cycle(world)
    number = world.fortnox.ui.create_order(
        customer, rows=[{"ArticleNumber": "A1", "OrderedQuantity": 1, "Price": 5}]
    )
    world.webcrm.faults.add("/Deliveries", method="POST", timeout=True)
    await cycle(world)  # the create times out: it might still land, so nothing is resent
    await cycle(world)  # looked up (by its ERP id) and not found, but too young to resend
    assert world.store.links("delivery") == []
    await cycle(world)  # older than the settle time and still not there: created once
    links = world.store.links("delivery")
    assert len(links) == 1
    made = [
        d
        for d in world.webcrm.backend.deliveries.rows()
        if d["DeliveryErpId"] == f"fortnox-order-{number}"
    ]
    assert [d["DeliveryId"] for d in made] == [int(links[0].webcrm_id or 0)]
    assert world.store.open_intents("delivery") == []
    assert not [f for f in world.store.failures() if f.kind == "delivery"]


async def test_invoice_without_invoice_date_takes_the_order_date_with_a_warning(
    world: World,
) -> None:
    await prepare(world)
    world.configure(delivery_target="invoice")
    org = customer_org(world)
    delivery = new_delivery(world, org, DeliveryOrderDate="2026-11-20")
    add_line(world, delivery, "A1", "Hammare", 1, 150)
    world.clock.advance(360)
    async with world.engine() as engine:
        report = await engine.sync_webcrm()
    invoice = world.fortnox.ui.invoice(delivery_link(world, delivery).fortnox_id or "")
    assert invoice["InvoiceDate"] == "2026-11-20"
    assert any("no invoice date" in w for w in report.warnings)
    # … and `wfsync status` shows it with the run.
    status = collect_status(world.store)
    assert any("no invoice date" in w for w in status["runs"]["webcrm"]["warnings"])
    assert world.webcrm.ui.delivery(delivery)["DeliveryCustom4"] == "2026-11-20"


async def test_invoice_without_any_date_goes_to_the_inbox_not_to_fortnox(world: World) -> None:
    await prepare(world)
    world.configure(delivery_target="invoice")
    org = customer_org(world)
    delivery = new_delivery(world, org)
    add_line(world, delivery, "A1", "Hammare", 1, 150)
    await cycle(world)
    assert not world.fortnox.writes("/3/invoices")
    inbox = [f for f in world.store.failures() if f.kind == "delivery"]
    assert [f.source_id for f in inbox] == [str(delivery)]
    assert "neither an invoice date nor an order date" in inbox[0].message


async def test_same_field_changed_on_both_sides_is_one_recorded_conflict(world: World) -> None:
    await prepare(world)
    org = customer_org(world)
    delivery = new_delivery(world, org, DeliveryOrderDate="2026-11-20", DeliveryMemo="Base")
    add_line(world, delivery, "A1", "Hammare", 1, 150)
    await cycle(world)
    number = delivery_link(world, delivery).fortnox_id or ""
    world.webcrm.ui.update_delivery(delivery, DeliveryMemo="webCRM says")
    world.fortnox.ui.update_order(number, Remarks="Fortnox says")
    await cycle(world)
    await cycle(world)
    conflicts = [c for c in world.store.conflicts() if c.kind == "delivery"]
    assert [(c.field, c.webcrm_value, c.fortnox_value) for c in conflicts] == [
        ("text", "webCRM says", "Fortnox says")
    ]
    # Both sides hold the winner's value afterwards.
    winner = conflicts[0].resolved_value
    assert world.fortnox.ui.order(number)["Remarks"] == winner
    assert world.webcrm.ui.delivery(delivery)["DeliveryMemo"] == winner


async def test_dry_run_plans_the_create_and_writes_nothing(world: World) -> None:
    await prepare(world)
    org = customer_org(world)
    delivery = new_delivery(world, org, DeliveryOrderDate="2026-11-20")
    add_line(world, delivery, "A1", "Hammare", 1, 150)
    await cycle(world)  # customer and delivery synced
    world.webcrm.ui.update_delivery(delivery, DeliveryMemo="Planned only")
    before = (len(world.fortnox.writes()), len(world.webcrm.writes))
    world.clock.advance(360)
    async with world.engine() as engine:
        ctx = engine.context(dry_run=True)
        await DeliverySync(ctx).webcrm_feed(world.clock.now() - timedelta(hours=1))
    assert (len(world.fortnox.writes()), len(world.webcrm.writes)) == before
    assert [(p.action, p.target) for p in ctx.report.planned if p.entity == "delivery"] == [
        ("update", "fortnox")
    ]


async def test_delivery_cut_short_by_a_crash_gets_all_lines_of_its_order(world: World) -> None:
    await prepare(world)
    customer = world.fortnox.ui.create_customer(Name="Fortnoxkund AB")
    await cycle(world)
    rows_ = [
        {"ArticleNumber": "A1", "OrderedQuantity": 1, "Price": 5},
        {"ArticleNumber": "A2", "OrderedQuantity": 2, "Price": 6},
        {"ArticleNumber": "A3", "OrderedQuantity": 3, "Price": 7},
    ]
    number = world.fortnox.ui.create_order(customer, rows=rows_)
    # The delivery is made, then the run dies on its first line: the delivery exists
    # (found again by its DeliveryErpId) with fewer lines than the order.
    world.webcrm.faults.add("/QuotationLines", method="POST", timeout=True, times=1)
    await cycle(world)
    await cycle(world)
    links = world.store.links("delivery")
    assert len(links) == 1
    delivery = int(links[0].webcrm_id or 0)
    lines = world.webcrm.ui.quotation_lines(delivery)
    assert [q["QuotationLineData1"] for q in lines] == ["A1", "A2", "A3"]
    assert len(world.fortnox.ui.order(number)["OrderRows"]) == 3
    await cycle(world)
    assert world.last_writes == 0
