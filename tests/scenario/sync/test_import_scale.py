"""An import of a few hundred customers stays inside both rate limits."""

from __future__ import annotations

import httpx
import pytest

from tests.scenario.sync.conftest import World
from wfsync.http.errors import WfsyncError
from wfsync.sync.engine import SyncEngine


async def test_import_of_300_customers_respects_both_rate_limits(world: World) -> None:
    for n in range(300):
        world.fortnox.ui.create_customer(Name=f"Kund {n:03d} AB", City="Uppsala")
    world.webcrm.ui.create_organisation(
        OrganisationName="Kund 007 AB", OrganisationType="Kund – Företag"
    )
    started = world.clock.now()
    report = await world.import_all()
    assert [r for r in world.fortnox.requests if r.status == 429] == []
    assert [r for r in world.webcrm.requests if r.status == 429] == []
    assert len(world.store.links("customer")) == 300
    assert report.counts["customer.created_webcrm"] == 299
    assert report.counts["customer.linked"] == 1
    calls = world.calls[-1]
    # Fortnox: one list page + one full read per customer (+ article list, token).
    assert calls["fortnox"] <= 300 + 5
    # webCRM: login, field metadata (2), read all (2 pages of 250), batch-create
    # (2 chunks), read back (2), catalogue.
    assert calls["webcrm"] <= 12
    # The Fortnox limit (25 per 5 s) is what bounds the time.
    elapsed = (world.clock.now() - started).total_seconds()
    assert elapsed >= (calls["fortnox"] - 25) / 25 * 5


async def test_import_falls_back_to_single_creates_when_batch_is_refused(world: World) -> None:
    for n in range(5):
        world.fortnox.ui.create_customer(Name=f"Enstaka {n} AB")
    world.webcrm.faults.add("/Organisations", method="PATCH", status=405, times=None)
    report = await world.import_all()
    names = sorted(o["OrganisationName"] for o in world.webcrm.backend.organisations.rows())
    assert names == [f"Enstaka {n} AB" for n in range(5)]
    assert len(world.store.links("customer")) == 5
    assert world.store.failures() == [] and world.store.open_intents() == []
    assert report.counts["customer.created_webcrm"] == 5


async def test_import_spends_both_budgets_side_by_side(world: World) -> None:
    """Customers (a Fortnox GET each) and articles (a webCRM create each) are imported
    concurrently: catalogue creates begin while customer reads are still under way,
    instead of waiting for the last of them."""
    for n in range(60):
        world.fortnox.ui.create_customer(Name=f"Samtidig {n:02d} AB")
    for n in range(30):
        world.fortnox.ui.create_article(ArticleNumber=f"S{n:02d}", Description=f"Vara {n}")

    def customer_reads() -> int:
        return sum(
            r.method == "GET" and r.path.startswith("/3/customers/") for r in world.fortnox.requests
        )

    creates: list[int] = []  # Fortnox customer reads done when each catalogue create left

    class Stamping(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.ASGITransport(app=world.webcrm.app)

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.method == "POST" and "linkeddata" in request.url.path.lower():
                creates.append(customer_reads())
            return await self.inner.handle_async_request(request)

    async with SyncEngine.open(
        world.settings,
        clock=world.clock,
        store=world.store,
        fortnox_transport=httpx.ASGITransport(app=world.fortnox.app),
        webcrm_transport=Stamping(),
    ) as engine:
        report = await engine.import_all()
    assert report.counts["customer.created_webcrm"] == 60
    assert report.counts["article.created_webcrm"] == 30
    assert len(creates) == 30 and customer_reads() == 60
    assert creates[0] < 60  # the first create did not wait for the last customer read


async def test_a_failing_article_step_lets_the_customer_step_finish(world: World) -> None:
    """Fortnox's article list is down for good: the import fails with that error, but
    only after the customers running beside the articles are all imported — nothing
    is cut off mid-way (a token refresh or a batch create may be in flight)."""
    for n in range(150):  # a Fortnox GET each: still running when the articles fail
        world.fortnox.ui.create_customer(Name=f"Fortsatt {n:03d} AB")
    world.fortnox.ui.create_article(ArticleNumber="F1", Description="Vara")
    world.fortnox.faults.add("/3/articles", method="GET", status=503, times=None)
    with pytest.raises(WfsyncError) as failed:
        await world.import_all()
    assert "503" in str(failed.value) or "unavailable" in str(failed.value).lower()
    assert len(world.store.links("customer")) == 150
    assert world.store.open_intents() == []
