"""Documents made in Fortnox, invoicing and booking: Fortnox's side of deliveries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.scenario.sync.conftest import World
from tests.scenario.sync.test_deliveries_world import (
    add_line,
    customer_org,
    cycle,
    delivery_link,
    new_delivery,
    prepare,
    rows,
)
from wfsync.http.errors import ServerError

ROWS = [
    {"ArticleNumber": "A1", "OrderedQuantity": 2, "DeliveredQuantity": 2, "Price": 100},
    {
        "ArticleNumber": "A2",
        "Description": "Spik special",
        "OrderedQuantity": 5,
        "DeliveredQuantity": 5,
        "Price": 10,
    },
]


async def fortnox_customer(world: World) -> str:
    await prepare(world)
    number = world.fortnox.ui.create_customer(Name="Fortnoxkund AB")
    await cycle(world)  # the customer reaches webCRM
    return number


def only_delivery(world: World) -> tuple[int, dict[str, object]]:
    links = world.store.links("delivery")
    assert len(links) == 1
    delivery = int(links[0].webcrm_id or 0)
    return delivery, world.webcrm.ui.delivery(delivery)


@pytest.mark.parametrize("target", ["order", "invoice"])
async def test_fortnox_order_becomes_a_faktura_delivery(world: World, target: str) -> None:
    customer = await fortnox_customer(world)
    world.configure(delivery_target=target)
    number = world.fortnox.ui.create_order(
        customer, rows=ROWS, OrderDate="2026-11-18", DeliveryDate="2026-11-30", Remarks="Hej"
    )
    await cycle(world)
    delivery, shown = only_delivery(world)
    assert shown["DeliveryDescription"] == "faktura"
    assert shown["DeliveryStatus"] != "Completed"
    assert shown["DeliveryErpId"] == f"fortnox-order-{number}"
    assert shown["DeliveryCustom1"] == number
    assert shown["DeliveryCustom2"] == "2026-11-30"
    assert shown["DeliveryMemo"] == "Hej"
    org = world.store.get_link("customer", fortnox_id=customer)
    assert org is not None and shown["DeliveryOrganisationId"] == int(org.webcrm_id or 0)
    lines = world.webcrm.ui.quotation_lines(delivery)
    assert [
        (q["QuotationLineData1"], q["QuotationLineMemo"], q["QuotationLineQuantity"]) for q in lines
    ] == [("A1", "Hammare", 2), ("A2", "Spik special", 5)]
    await cycle(world)
    assert world.last_writes == 0


@pytest.mark.parametrize("target", ["order", "invoice"])
async def test_fortnox_invoice_becomes_a_completed_faktura_delivery(
    world: World, target: str
) -> None:
    customer = await fortnox_customer(world)
    world.configure(delivery_target=target)
    rows_ = [{"ArticleNumber": "A1", "DeliveredQuantity": 3, "Price": 100}]
    number = world.fortnox.ui.create_invoice(customer, rows=rows_, InvoiceDate="2026-11-19")
    await cycle(world)
    delivery, shown = only_delivery(world)
    assert shown["DeliveryDescription"] == "faktura"
    assert shown["DeliveryStatus"] == "Completed"
    assert shown["DeliveryCustom3"] == number
    assert shown["DeliveryCustom4"] == "2026-11-19"
    assert [q["QuotationLineQuantity"] for q in world.webcrm.ui.quotation_lines(delivery)] == [3]
    await cycle(world)
    assert world.last_writes == 0


async def test_order_invoiced_in_fortnox_brings_the_invoice_back(world: World) -> None:
    await prepare(world)
    org = customer_org(world)
    delivery = new_delivery(world, org, DeliveryOrderDate="2026-11-20")
    add_line(world, delivery, "A1", "Hammare", 2, 150)
    await cycle(world)
    order = delivery_link(world, delivery).fortnox_id or ""
    invoice = world.fortnox.ui.create_invoice_from_order(order)
    await cycle(world)

    shown = world.webcrm.ui.delivery(delivery)
    assert shown["DeliveryCustom3"] == invoice
    assert shown["DeliveryCustom4"] == world.fortnox.ui.invoice(invoice)["InvoiceDate"]
    assert shown["DeliveryCustom5"] == "No"
    # The invoice belongs to the order's delivery: no second delivery.
    assert len(world.store.links("delivery")) == 1
    assert len(world.webcrm.ui.quotation_lines(delivery)) == 1

    world.fortnox.ui.bookkeep_invoice(invoice)
    await cycle(world)
    assert world.webcrm.ui.delivery(delivery)["DeliveryCustom5"] == "Yes"
    await cycle(world)
    assert world.last_writes == 0


async def test_invoiced_order_is_locked_and_the_webcrm_edit_goes_to_the_inbox(
    world: World,
) -> None:
    await prepare(world)
    org = customer_org(world)
    delivery = new_delivery(world, org, DeliveryOrderDate="2026-11-20")
    line = add_line(world, delivery, "A1", "Hammare", 2, 150)
    await cycle(world)
    order = delivery_link(world, delivery).fortnox_id or ""
    invoice = world.fortnox.ui.create_invoice_from_order(order)
    await cycle(world)

    world.webcrm.ui.update_quotation_line(line, QuotationLineQuantity=5)
    fortnox_writes = len(world.fortnox.writes())
    await cycle(world)
    assert len(world.fortnox.writes()) == fortnox_writes
    assert rows(world.fortnox.ui.order(order))[0][2] == Decimal(2)
    inbox = [f for f in world.store.failures() if f.kind == "delivery"]
    assert len(inbox) == 1
    assert f"order {order} has been invoiced" in inbox[0].message
    assert f"invoice {invoice}" in inbox[0].message


async def test_booked_invoice_is_never_written_and_the_edit_goes_to_the_inbox(
    world: World,
) -> None:
    await prepare(world)
    world.configure(delivery_target="invoice")
    org = customer_org(world)
    delivery = new_delivery(world, org, DeliveryOrderDate="2026-11-20", DeliveryMemo="Text")
    line = add_line(world, delivery, "A1", "Hammare", 2, 150)
    await cycle(world)
    number = delivery_link(world, delivery).fortnox_id or ""
    world.fortnox.ui.bookkeep_invoice(number)
    await cycle(world)
    assert world.webcrm.ui.delivery(delivery)["DeliveryCustom5"] == "Yes"
    await cycle(world)
    assert world.last_writes == 0

    world.webcrm.ui.update_delivery(delivery, DeliveryMemo="Ändrad efter bokföring")
    world.webcrm.ui.update_quotation_line(line, QuotationLineQuantity=9)
    before = len(world.fortnox.writes())
    await cycle(world)
    await cycle(world)
    assert len(world.fortnox.writes()) == before
    invoice = world.fortnox.ui.invoice(number)
    assert invoice["Remarks"] == "Text" and rows(invoice)[0][2] == Decimal(2)
    inbox = [f for f in world.store.failures() if f.kind == "delivery"]
    assert len(inbox) == 1
    assert f"invoice {number} is booked in Fortnox" in inbox[0].message
    assert "credit the invoice" in inbox[0].message
    # One entry that counts its attempts, not a new entry every cycle.
    assert inbox[0].attempts >= 2
    assert len([f for f in world.store.failures(status=None) if f.kind == "delivery"]) == 1
    # The webCRM edit is kept there, not overwritten.
    assert world.webcrm.ui.delivery(delivery)["DeliveryMemo"] == "Ändrad efter bokföring"


async def test_faktura_delivery_edited_in_webcrm_updates_its_fortnox_order(world: World) -> None:
    customer = await fortnox_customer(world)
    number = world.fortnox.ui.create_order(customer, rows=ROWS, OrderDate="2026-11-18")
    await cycle(world)
    delivery, _ = only_delivery(world)
    first = world.webcrm.ui.quotation_lines(delivery)[0]["QuotationLineId"]
    world.webcrm.ui.update_quotation_line(first, QuotationLineQuantity=6)
    world.webcrm.ui.update_delivery(delivery, DeliveryMemo="Från webCRM")
    await cycle(world)
    order = world.fortnox.ui.order(number)
    assert order["Remarks"] == "Från webCRM"
    assert rows(order)[0][2] == Decimal(6) and rows(order)[1][1] == "Spik special"
    await cycle(world)
    assert world.last_writes == 0


async def test_a_feed_that_fails_does_not_hold_back_the_other_feeds(world: World) -> None:
    """Fortnox's article list is down for good: the Fortnox direction fails with that
    error, but the order feed after it still brings a new order over, and the cursors
    stay where they were (the next cycle reads the window again)."""
    customer = await fortnox_customer(world)
    number = world.fortnox.ui.create_order(customer, rows=ROWS, OrderDate="2026-11-18")
    world.fortnox.faults.add("/3/articles", method="GET", status=503, times=None)
    cursor = world.store.get_cursor("fortnox", "orders")
    world.clock.advance(360)
    async with world.engine() as engine:
        with pytest.raises(ServerError):
            await engine.sync_fortnox()
    _, shown = only_delivery(world)
    assert shown["DeliveryErpId"] == f"fortnox-order-{number}"
    assert world.store.get_cursor("fortnox", "orders") == cursor
