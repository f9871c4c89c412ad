"""Helpers for the delivery scenarios, and the scenarios about who may sync.

``cycle`` runs one full period the way the scheduler does — webCRM changes
first, then Fortnox changes — and drives :class:`DeliverySync` itself with the
stored cursors, so these tests do not depend on how the engine wires it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from tests.scenario.sync.conftest import World
from wfsync.state import Link
from wfsync.sync.deliveries import DeliverySync
from wfsync.sync.engine import SyncEngine

COMPANY = "Kund – Företag"
ARTICLES = {"A1": "Hammare", "A2": "Spik 100-pack", "A3": "Skruvdragare"}


async def prepare(world: World) -> None:
    """Articles in Fortnox, then the start-up import (links, catalogue, cursors)."""
    for number, name in ARTICLES.items():
        world.fortnox.ui.create_article(ArticleNumber=number, Description=name, Unit="st")
    await world.import_all()


def customer_org(world: World, name: str = "Bergström Bygg AB", type_: str = COMPANY) -> int:
    return world.webcrm.ui.create_organisation(OrganisationName=name, OrganisationType=type_)


def new_delivery(world: World, org: int, **fields: Any) -> int:
    return world.webcrm.ui.create_delivery(org, **{"DeliveryDescription": "Order", **fields})


def add_line(
    world: World,
    delivery: int,
    article: str,
    text: str,
    quantity: float,
    price: float,
    *,
    discount: float = 0,
    **fields: Any,
) -> int:
    values: dict[str, Any] = {
        "QuotationLineData1": article,
        "QuotationLineData3": "st",
        "QuotationLineMemo": text,
        "QuotationLineQuantity": quantity,
        "QuotationLinePrice": price,
        "QuotationLineDiscount": discount,
        "QuotationLineVatPercentage": 25,
    }
    return world.webcrm.ui.add_quotation_line(delivery, **{**values, **fields})


def delivery_link(world: World, delivery: int) -> Link:
    link = world.store.get_link("delivery", webcrm_id=str(delivery))
    assert link is not None, f"delivery {delivery} is not linked"
    return link


def fortnox_document(world: World, link: Link) -> dict[str, Any]:
    assert link.fortnox_id is not None
    if link.fortnox_type == "invoice":
        return world.fortnox.ui.invoice(link.fortnox_id)
    return world.fortnox.ui.order(link.fortnox_id)


def rows(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    """(article, description, quantity, price, discount) of each row, in order."""
    key = "OrderRows" if "OrderRows" in document else "InvoiceRows"
    quantity = "OrderedQuantity" if key == "OrderRows" else "DeliveredQuantity"
    return [
        (
            r["ArticleNumber"] or None,
            r["Description"],
            Decimal(str(r[quantity])),
            Decimal(str(r["Price"])),
            Decimal(str(r["Discount"])),
        )
        for r in document[key]
    ]


def line_texts(world: World, delivery: int) -> list[str]:
    return [line["QuotationLineMemo"] for line in world.webcrm.ui.quotation_lines(delivery)]


def _cursor(world: World, source: str, entity: str) -> datetime | None:
    value = world.store.get_cursor(source, entity)
    return datetime.fromisoformat(value) if value else None


async def cycle(world: World, minutes: float = 6) -> None:
    """One period: webCRM direction (customers, deliveries), then Fortnox direction."""
    world.clock.advance(minutes * 60)
    writes_before = (len(world.fortnox.writes()), len(world.webcrm.writes))
    async with world.engine() as engine:
        await engine.sync_webcrm()
        cursor = _cursor(world, "webcrm", "deliveries")
        newest = await DeliverySync(engine.context()).webcrm_feed(
            cursor - timedelta(minutes=2) if cursor else None
        )
        if newest is not None:
            world.store.set_cursor("webcrm", "deliveries", newest.isoformat())
        await retry(world, engine, "webcrm")
        started = world.clock.now()
        await engine.sync_fortnox()
        cursor = _cursor(world, "fortnox", "orders")
        since = cursor - timedelta(minutes=2) if cursor else None
        await DeliverySync(engine.context()).fortnox_feed(since, since)
        await retry(world, engine, "fortnox")
        world.store.set_cursor("fortnox", "orders", started.isoformat())
        world.store.set_cursor("fortnox", "invoices", started.isoformat())
    world.calls[-1]["fortnox_writes"] = len(world.fortnox.writes()) - writes_before[0]
    world.calls[-1]["webcrm_writes"] = len(world.webcrm.writes) - writes_before[1]


async def retry(world: World, engine: SyncEngine, source: str) -> None:
    """The error inbox, retried at the end of each direction (as the engine does)."""
    sync = DeliverySync(engine.context())
    for failure in world.store.failures():
        if failure.kind == "delivery" and failure.source == source:
            await sync.retry(failure)


async def webcrm_only(world: World) -> None:
    """Just the webCRM deliveries feed, from the start of time."""
    world.clock.advance(60)
    async with world.engine() as engine:
        await DeliverySync(engine.context()).webcrm_feed(None)


async def sweep(world: World) -> None:
    async with world.engine() as engine:
        await DeliverySync(engine.context()).sweep()


# --- who may sync ---------------------------------------------------------------------


async def test_delivery_of_an_organisation_with_another_type_stays_unsynced(
    world: World,
) -> None:
    await prepare(world)
    org = customer_org(world, "Prospekt AB", "Prospekt")
    delivery = new_delivery(world, org, DeliveryOrderDate="2026-11-20")
    add_line(world, delivery, "A1", "Hammare", 1, 150)
    await cycle(world)

    assert world.store.get_link("delivery", webcrm_id=str(delivery)) is None
    assert not world.fortnox.writes("/3/orders")
    reasons = [f for f in world.store.failures() if f.kind == "delivery"]
    assert [f.source_id for f in reasons] == [str(delivery)]
    assert "Prospekt" in reasons[0].message and "Type" in reasons[0].message


async def test_customer_is_synced_first_in_the_same_run(world: World) -> None:
    await prepare(world)
    org = customer_org(world, "Ny Kund AB")
    delivery = new_delivery(world, org, DeliveryOrderDate="2026-11-20")
    add_line(world, delivery, "A1", "Hammare", 1, 150)
    # The delivery is processed in the same cycle as its brand-new organisation.
    await cycle(world)
    customer = world.store.get_link("customer", webcrm_id=str(org))
    assert customer is not None
    order = fortnox_document(world, delivery_link(world, delivery))
    assert order["CustomerNumber"] == customer.fortnox_id
