"""Deliveries, their quotation lines and the product catalogue against the simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from pydantic import SecretStr

from wfsync.clock import FakeClock
from wfsync.config import CatalogueSlots, WebcrmSettings
from wfsync.domain.models import Article
from wfsync.http.errors import NotFoundError, ValidationError
from wfsync.simulators.webcrm import WebcrmSimulator
from wfsync.webcrm import WebcrmClient
from wfsync.webcrm.mapping import article_catalogue_fields, article_from_catalogue


@pytest.fixture
def sim(clock: FakeClock) -> WebcrmSimulator:
    return WebcrmSimulator(clock=clock)


@pytest.fixture
async def client(sim: WebcrmSimulator, clock: FakeClock) -> AsyncIterator[WebcrmClient]:
    settings = WebcrmSettings(
        base_url="https://api.webcrm.test",
        auth_code=SecretStr(sim.add_api_token()),
        page_size=2,
    )
    transport = httpx.ASGITransport(app=sim.app)
    async with WebcrmClient(settings, clock=clock, transport=transport) as webcrm:
        yield webcrm


async def org(client: WebcrmClient, name: str) -> int:
    return await client.organisations.create({"OrganisationName": name})


async def test_delivery_lifecycle_and_move(client: WebcrmClient, sim: WebcrmSimulator) -> None:
    first, second = await org(client, "Första AB"), await org(client, "Andra AB")
    delivery_id = await client.deliveries.create(
        {
            "DeliveryOrganisationId": first,
            "DeliveryDescription": "Order 1234",
            "DeliveryStatus": "Planned",
            "DeliveryOrderDate": "2024-05-02T00:00:00Z",
            "DeliveryCustom1": "1234",
        }
    )
    delivery = await client.deliveries.get(delivery_id)
    assert (delivery.organisation_id, delivery.status, delivery.description) == (
        first,
        "Planned",
        "Order 1234",
    )
    assert delivery.order_date is not None and delivery.order_date.isoformat().startswith(
        "2024-05-02T00:00:00"
    )

    updated = await client.deliveries.update(delivery_id, {"DeliveryStatus": "Completed"})
    assert updated.status == "Completed"
    assert (await client.deliveries.get(delivery_id)).field("DeliveryCustom1") == "1234"

    await client.deliveries.move(delivery_id, second)
    assert (await client.deliveries.get(delivery_id)).organisation_id == second
    assert [d.id async for d in client.deliveries.by_organisation(second)] == [delivery_id]
    assert [d.id async for d in client.deliveries.by_organisation(first)] == []
    assert [d.id for d in await client.deliveries.find("DeliveryCustom1", "1234")] == [delivery_id]


async def test_changed_deliveries_across_pages(client: WebcrmClient, clock: FakeClock) -> None:
    owner = await org(client, "Kund AB")
    before = [await client.deliveries.create({"DeliveryOrganisationId": owner}) for _ in range(3)]
    clock.advance(60)
    cursor = clock.now()
    after = [await client.deliveries.create({"DeliveryOrganisationId": owner}) for _ in range(3)]
    await client.deliveries.update(before[0], {"DeliveryDescription": "ändrad"})
    changed = [d.id async for d in client.deliveries.changed_since(cursor)]
    assert sorted(changed) == sorted([before[0], *after])


async def test_quotation_lines_sorted_updated_and_deleted(
    client: WebcrmClient, sim: WebcrmSimulator
) -> None:
    owner = await org(client, "Kund AB")
    delivery_id = await client.deliveries.create({"DeliveryOrganisationId": owner})

    def line(sort: int, price: float) -> dict[str, object]:
        return {
            "QuotationLineOpportunityId": delivery_id,
            "QuotationLineOrganisationId": owner,
            "QuotationLineData1": f"A{sort}",
            "QuotationLineQuantity": 2.0,
            "QuotationLinePrice": price,
            "QuotationLineSortOrder": sort,
        }

    third = await client.quotation_lines.create(line(30, 10.0))
    first = await client.quotation_lines.create(line(10, 100.0))
    second = await client.quotation_lines.create(line(20, 50.0))
    lines = await client.quotation_lines.for_delivery(delivery_id)  # 2 pages of 2
    assert [ln.id for ln in lines] == [first, second, third]
    assert lines[0].data(1) == "A10" and lines[0].delivery_id == delivery_id

    rewritten = await client.quotation_lines.update(second, {"QuotationLineQuantity": 5.0})
    assert rewritten.quantity == 5.0
    assert (await client.quotation_lines.get(second)).data(1) == "A20"  # full PUT kept Data1

    await client.quotation_lines.delete(third)
    assert [ln.id for ln in await client.quotation_lines.for_delivery(delivery_id)] == [
        first,
        second,
    ]
    assert (await client.deliveries.get(delivery_id)).order_value == 2 * 100.0 + 5 * 50.0
    with pytest.raises(NotFoundError):
        await client.quotation_lines.delete(third)


async def test_catalogue_round_trip_with_mapping(
    client: WebcrmClient, sim: WebcrmSimulator
) -> None:
    slots = CatalogueSlots()
    article = Article(
        article_number="A-100", name="Konsulttimme", list_price=Decimal("950"), cost_price=None
    )
    item_id = await client.catalogue.create(article_catalogue_fields(article, slots))
    items = await client.catalogue.list()
    assert [i.id for i in items] == [item_id]
    assert article_from_catalogue(items[0], slots) == article
    catalogue_gets = [r for r in sim.requests if r.path == "/QuotationLines/LinkedData"]
    assert catalogue_gets[-1].query == ""  # unpaged endpoint: no Page/Size

    cheaper = article.model_copy(update={"list_price": Decimal("900")})
    await client.catalogue.update(item_id, article_catalogue_fields(cheaper, slots))
    assert article_from_catalogue((await client.catalogue.list())[0], slots) == cheaper

    with pytest.raises(ValidationError, match="must not be empty"):
        await client.catalogue.create({"QuotationLineLinkedDataItemData1": "B-1"})

    await client.catalogue.delete(item_id)
    assert await client.catalogue.list() == []
    with pytest.raises(ValueError):
        await client.catalogue.delete(0)  # never DELETE /QuotationLines/LinkedData
