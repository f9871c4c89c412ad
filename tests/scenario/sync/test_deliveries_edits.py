"""Edits after the first sync: headers and lines, from either side, converge."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.scenario.sync.conftest import PersonMeanwhile, World
from tests.scenario.sync.test_deliveries_world import (
    add_line,
    customer_org,
    cycle,
    delivery_link,
    fortnox_document,
    line_texts,
    new_delivery,
    prepare,
    rows,
    sweep,
)


async def synced_order(world: World) -> tuple[int, list[int], str]:
    """A delivery with three lines, synced to an order: (delivery, line ids, order number)."""
    await prepare(world)
    org = customer_org(world)
    delivery = new_delivery(world, org, DeliveryOrderDate="2026-11-20", DeliveryMemo="Text")
    lines = [
        add_line(world, delivery, "A1", "Hammare", 1, 100),
        add_line(world, delivery, "A2", "Spik", 2, 10),
        add_line(world, delivery, "A3", "Skruvdragare", 1, 900),
    ]
    await cycle(world)
    link = delivery_link(world, delivery)
    assert link.fortnox_id is not None
    return delivery, lines, link.fortnox_id


def order_row(article: str, text: str, quantity: int, price: int) -> dict[str, Any]:
    return {
        "ArticleNumber": article,
        "Description": text,
        "OrderedQuantity": quantity,
        "DeliveredQuantity": quantity,
        "Price": price,
    }


def order_texts(world: World, number: str) -> list[str]:
    return [r["Description"] for r in world.fortnox.ui.order(number)["OrderRows"]]


async def assert_quiet(world: World) -> None:
    await cycle(world)
    assert world.last_writes == 0


async def test_webcrm_header_edit_reaches_the_order(world: World) -> None:
    delivery, _, number = await synced_order(world)
    world.webcrm.ui.update_delivery(
        delivery,
        DeliveryMemo="Ny text",
        DeliveryCustom2="2026-12-24",
        DeliveryOrderDate="2026-11-21",
    )
    await cycle(world)
    order = world.fortnox.ui.order(number)
    assert (order["Remarks"], order["DeliveryDate"], order["OrderDate"]) == (
        "Ny text",
        "2026-12-24",
        "2026-11-21",
    )
    await assert_quiet(world)


async def test_fortnox_header_edit_reaches_the_delivery(world: World) -> None:
    delivery, _, number = await synced_order(world)
    world.fortnox.ui.update_order(number, Remarks="Ändrad i Fortnox", DeliveryDate="2026-12-30")
    await cycle(world)
    shown = world.webcrm.ui.delivery(delivery)
    assert shown["DeliveryMemo"] == "Ändrad i Fortnox"
    assert shown["DeliveryCustom2"] == "2026-12-30"
    await assert_quiet(world)


async def test_webcrm_line_edit_insert_and_delete_reach_the_order(world: World) -> None:
    delivery, lines, number = await synced_order(world)
    world.webcrm.ui.update_quotation_line(lines[0], QuotationLineQuantity=4)
    world.webcrm.ui.delete_quotation_line(lines[1])
    add_line(world, delivery, "A2", "Spik extra", 7, 12)
    await cycle(world)
    assert rows(world.fortnox.ui.order(number)) == [
        ("A1", "Hammare", Decimal(4), Decimal(100), Decimal(0)),
        ("A3", "Skruvdragare", Decimal(1), Decimal(900), Decimal(0)),
        ("A2", "Spik extra", Decimal(7), Decimal(12), Decimal(0)),
    ]
    await assert_quiet(world)


async def test_webcrm_reorder_reaches_the_order(world: World) -> None:
    _delivery, lines, number = await synced_order(world)
    world.webcrm.ui.update_quotation_line(lines[2], QuotationLineSortOrder=5)
    await cycle(world)
    await sweep(world)
    assert order_texts(world, number) == ["Skruvdragare", "Hammare", "Spik"]
    await assert_quiet(world)


async def test_line_text_edit_the_feed_cannot_see_is_found_within_the_hour(world: World) -> None:
    delivery, lines, number = await synced_order(world)
    # Later work moves the webCRM cursor past this delivery's last change …
    later = new_delivery(world, world.webcrm.ui.delivery(delivery)["DeliveryOrganisationId"])
    add_line(world, later, "A1", "Hammare", 1, 100)
    await cycle(world)
    await cycle(world)
    # … and a text-only edit leaves the totals, so the delivery's UpdatedAt stays.
    world.webcrm.ui.update_quotation_line(lines[1], QuotationLineMemo="Spik 4 mm")
    # The hourly sweep reads every line in one paged pass and finds it.
    for _ in range(10):
        await cycle(world)
    assert order_texts(world, number) == ["Hammare", "Spik 4 mm", "Skruvdragare"]
    await assert_quiet(world)


async def test_quiet_cycles_cost_the_same_however_many_deliveries_are_linked(
    world: World,
) -> None:
    """No call per linked delivery in a quiet cycle; the hourly line pass is paged."""
    delivery, _, _ = await synced_order(world)
    for _ in range(12):  # the first settles the windows the test helpers left open
        await world.sync()
    one = [c["webcrm"] for c in world.calls[-10:]]
    org = world.webcrm.ui.delivery(delivery)["DeliveryOrganisationId"]
    for _ in range(15):
        extra = new_delivery(world, org)
        add_line(world, extra, "A1", "Hammare", 1, 100)
    for _ in range(3):
        await world.sync()
    assert len(world.store.links("delivery", state="active")) == 16
    for _ in range(10):  # an hour: ten quiet cycles and one sweep
        await world.sync()
        assert world.last_writes == 0
    many = [c["webcrm"] for c in world.calls[-10:]]
    # Login + one query per feed + the catalogue probe (articles are linked); once
    # an hour one page of every line (16 < 250).
    for hour in (one, many):
        assert sorted(hour)[:-1] == [4] * 9
        assert hour.count(5) <= 1


async def test_fortnox_row_insert_delete_and_reorder_reach_the_delivery(world: World) -> None:
    delivery, lines, number = await synced_order(world)
    world.fortnox.ui.update_order(
        number,
        OrderRows=[
            order_row("A3", "Skruvdragare", 1, 900),
            order_row("A1", "Hammare", 1, 100),
            order_row("A1", "Hammare, röd", 2, 110),
        ],
    )
    await cycle(world)
    shown = world.webcrm.ui.quotation_lines(delivery)
    assert [line["QuotationLineMemo"] for line in shown] == [
        "Skruvdragare",
        "Hammare",
        "Hammare, röd",
    ]
    # The kept lines are the same webCRM lines, re-sorted, not re-created. (The
    # changed row in the deleted one's place is read as that line, changed.)
    ids = [line["QuotationLineId"] for line in shown]
    assert ids[:2] == [lines[2], lines[0]] and len(set(ids)) == 3
    await assert_quiet(world)


async def test_line_edits_on_both_sides_in_one_period_both_survive(world: World) -> None:
    delivery, lines, number = await synced_order(world)
    world.webcrm.ui.update_quotation_line(lines[0], QuotationLineQuantity=3)
    add_line(world, delivery, "A2", "Från webCRM", 1, 5)
    world.fortnox.ui.update_order(
        number,
        OrderRows=[
            order_row("A1", "Hammare", 1, 100),
            order_row("A2", "Spik", 2, 10),
            order_row("A3", "Skruvdragare", 1, 950),
            order_row("A3", "Från Fortnox", 1, 1),
        ],
    )
    await cycle(world)
    expected = ["Hammare", "Spik", "Skruvdragare", "Från webCRM", "Från Fortnox"]
    assert order_texts(world, number) == expected
    assert line_texts(world, delivery) == expected
    order = rows(world.fortnox.ui.order(number))
    assert order[0][2] == 3 and order[2][3] == 950
    await assert_quiet(world)


async def test_echo_of_our_own_write_is_not_written_back(world: World) -> None:
    delivery, lines, _number = await synced_order(world)
    world.webcrm.ui.update_quotation_line(lines[0], QuotationLineQuantity=9)
    await cycle(world)
    before = len(world.fortnox.writes())
    # The order we wrote comes back through the Fortnox feed: nothing to do.
    await cycle(world)
    assert len(world.fortnox.writes()) == before
    assert world.last_writes == 0
    assert fortnox_document(world, delivery_link(world, delivery))["OrderRows"][0][
        "OrderedQuantity"
    ] in (
        "9",
        9,
    )


async def test_a_fortnox_edit_made_while_our_order_update_travels_still_crosses(
    world: World,
) -> None:
    """A person edits the order's remarks while our update of its delivery date is on
    its way: Fortnox's answer carries their text, and it must reach webCRM next cycle
    rather than be taken for synced."""
    delivery, _, number = await synced_order(world)
    world.webcrm.ui.update_delivery(delivery, DeliveryCustom2="2026-12-24")

    meanwhile = PersonMeanwhile(
        world.fortnox.app,
        "PUT",
        f"/3/orders/{number}",
        lambda: world.fortnox.ui.update_order(number, Remarks="Skrivet under tiden"),
    )
    world.clock.advance(360)
    async with world.engine(fortnox_transport=meanwhile) as engine:
        await engine.sync_webcrm()
    assert world.fortnox.ui.order(number)["DeliveryDate"] == "2026-12-24"
    await cycle(world)
    shown = world.webcrm.ui.delivery(delivery)
    assert shown["DeliveryMemo"] == "Skrivet under tiden"
    assert shown["DeliveryCustom2"] == "2026-12-24"
    await assert_quiet(world)


async def test_a_webcrm_edit_made_while_our_delivery_update_travels_still_crosses(
    world: World,
) -> None:
    """The mirror case: Fortnox's remarks go to webCRM, and a person changes the
    delivery date in webCRM between our read of the delivery and our update (whose
    own re-read keeps it). The date must still reach Fortnox, not be taken for synced."""
    delivery, _, number = await synced_order(world)
    world.fortnox.ui.update_order(number, Remarks="Från Fortnox")
    meanwhile = PersonMeanwhile(
        world.webcrm.app,
        "GET",
        f"/Deliveries/{delivery}",
        lambda: world.webcrm.ui.update_delivery(delivery, DeliveryCustom2="2026-12-31"),
        nth=2,  # the read the update makes just before its PUT
    )
    world.clock.advance(360)
    async with world.engine(webcrm_transport=meanwhile) as engine:
        await engine.sync_fortnox()
    shown = world.webcrm.ui.delivery(delivery)
    assert (shown["DeliveryMemo"], shown["DeliveryCustom2"]) == ("Från Fortnox", "2026-12-31")
    await cycle(world)
    assert world.fortnox.ui.order(number)["DeliveryDate"] == "2026-12-31"
    await assert_quiet(world)
