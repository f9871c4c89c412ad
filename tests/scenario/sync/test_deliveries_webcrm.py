"""Deliveries made in webCRM reach Fortnox as orders or invoices, and edits flow back."""

from __future__ import annotations

from decimal import Decimal

from tests.scenario.sync.conftest import World
from tests.scenario.sync.test_deliveries_world import (
    add_line,
    customer_org,
    cycle,
    delivery_link,
    fortnox_document,
    new_delivery,
    prepare,
    rows,
)


async def test_delivery_becomes_an_order_with_lines_and_extras(world: World) -> None:
    await prepare(world)
    org = customer_org(world)
    delivery = new_delivery(
        world,
        org,
        DeliveryOrderDate="2026-11-20",
        DeliveryCustom2="2026-12-01",
        DeliveryMemo="Leverans till bakdörren",
    )
    add_line(world, delivery, "A1", "Hammare", 2, 150, discount=10)
    add_line(world, delivery, "A2", "Spik 100-pack", 5, 49.5)
    await cycle(world)

    link = delivery_link(world, delivery)
    assert link.fortnox_type == "order"
    order = fortnox_document(world, link)
    assert order["OrderDate"] == "2026-11-20"
    assert order["DeliveryDate"] == "2026-12-01"
    assert order["Remarks"] == "Leverans till bakdörren"
    assert order["ExternalInvoiceReference1"] == f"webCRM {delivery}"
    assert rows(order) == [
        ("A1", "Hammare", Decimal(2), Decimal(150), Decimal(10)),
        ("A2", "Spik 100-pack", Decimal(5), Decimal("49.5"), Decimal(0)),
    ]
    # Ordered and delivered quantities agree, so invoicing the order bills the rows.
    assert [r["DeliveredQuantity"] for r in order["OrderRows"]] == [
        r["OrderedQuantity"] for r in order["OrderRows"]
    ]
    # Fortnox's order number comes back, with the key to the document.
    shown = world.webcrm.ui.delivery(delivery)
    assert shown["DeliveryCustom1"] == link.fortnox_id
    assert shown["DeliveryErpId"] == f"fortnox-order-{link.fortnox_id}"


async def test_delivery_becomes_an_invoice_in_invoice_mode(world: World) -> None:
    await prepare(world)
    world.configure(delivery_target="invoice")
    org = customer_org(world)
    delivery = new_delivery(
        world,
        org,
        DeliveryOrderDate="2026-11-20",
        DeliveryCustom4="2026-11-24",
        DeliveryMemo="Fakturatext",
    )
    add_line(world, delivery, "A1", "Hammare", 3, 150)
    await cycle(world)

    link = delivery_link(world, delivery)
    assert link.fortnox_type == "invoice"
    invoice = fortnox_document(world, link)
    assert invoice["InvoiceDate"] == "2026-11-24"
    assert invoice["Remarks"] == "Fakturatext"
    assert rows(invoice) == [("A1", "Hammare", Decimal(3), Decimal(150), Decimal(0))]
    shown = world.webcrm.ui.delivery(delivery)
    assert shown["DeliveryCustom3"] == link.fortnox_id
    assert shown["DeliveryCustom5"] == "No"
    await cycle(world)
    assert world.last_writes == 0


async def test_quiet_second_cycle_writes_nothing(world: World) -> None:
    await prepare(world)
    org = customer_org(world)
    delivery = new_delivery(world, org, DeliveryOrderDate="2026-11-20")
    add_line(world, delivery, "A1", "Hammare", 2, 150)
    await cycle(world)
    await cycle(world)
    assert world.last_writes == 0


async def test_invoice_edits_flow_both_ways(world: World) -> None:
    await prepare(world)
    world.configure(delivery_target="invoice")
    org = customer_org(world)
    delivery = new_delivery(world, org, DeliveryCustom4="2026-11-24", DeliveryMemo="Fakturatext")
    line = add_line(world, delivery, "A1", "Hammare", 3, 150)
    await cycle(world)
    number = delivery_link(world, delivery).fortnox_id or ""

    world.webcrm.ui.update_delivery(delivery, DeliveryCustom4="2026-11-25")
    world.webcrm.ui.update_quotation_line(line, QuotationLinePrice=160)
    await cycle(world)
    invoice = world.fortnox.ui.invoice(number)
    assert invoice["InvoiceDate"] == "2026-11-25"
    assert rows(invoice) == [("A1", "Hammare", Decimal(3), Decimal(160), Decimal(0))]

    world.fortnox.ui.update_invoice(number, Remarks="Ändrad i Fortnox")
    await cycle(world)
    assert world.webcrm.ui.delivery(delivery)["DeliveryMemo"] == "Ändrad i Fortnox"
    await cycle(world)
    assert world.last_writes == 0


async def test_line_without_vat_takes_the_article_vat_not_zero(world: World) -> None:
    await prepare(world)
    org = customer_org(world)
    delivery = new_delivery(world, org, DeliveryOrderDate="2026-11-20")
    add_line(world, delivery, "A1", "Hammare", 1, 100, QuotationLineVatPercentage=0)
    await cycle(world)
    order = fortnox_document(world, delivery_link(world, delivery))
    assert Decimal(str(order["OrderRows"][0]["VAT"])) == Decimal(25)
    await cycle(world)
    assert world.last_writes == 0
