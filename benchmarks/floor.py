"""Benchmark: every row of issue #12's table — measured, the floor, the ratio, a naive baseline.

Both simulators run in-process with their real rate limits (Fortnox 25 per 5 s,
webCRM 250 per 60 s) on a virtual clock, so time figures are the time the rate
limits impose (waiting costs no wall time) and call counts are exact. The clock
lets concurrent waits overlap (``VirtualClock``), so an import that spends both
vendors' budgets side by side is measured as it would run. Each row
prints the measured figure, the floor computed in this same run from the
record counts, their ratio, and a naive baseline (re-read everything, or the
one-record-at-a-time path the engine used before).

    .venv/bin/python benchmarks/floor.py [--customers 1000] [--articles 200] [--k 100]

Engine CPU per record (the last row of the table) is `engine_cpu.py`.
Exits non-zero when a ratio misses its goal.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from wfsync.clock import VirtualClock
from wfsync.config import FortnoxSettings, Settings, StateSettings, WebcrmSettings
from wfsync.simulators.fortnox import FortnoxSimulator
from wfsync.simulators.webcrm import WebcrmSimulator
from wfsync.state import StateStore
from wfsync.sync.engine import SyncEngine

FORTNOX_PAGE = 500
WEBCRM_PAGE = 250
WEBCRM_BUDGET = 250
FORTNOX_BUDGET = 25
COMPANY = "Kund – Företag"


@dataclass
class Row:
    name: str
    measured: float
    floor: float
    goal: float
    naive: float
    unit: str = "calls"

    @property
    def ratio(self) -> float:
        return self.measured / self.floor if self.floor else float("inf")


@dataclass
class World:
    clock: VirtualClock
    fortnox: FortnoxSimulator
    webcrm: WebcrmSimulator
    settings: Settings
    store: StateStore

    @classmethod
    def create(cls, directory: Path, name: str) -> World:
        clock = VirtualClock()
        fortnox = FortnoxSimulator(clock=clock)
        fortnox.register_client("bench", "bench-secret")
        webcrm = WebcrmSimulator(clock=clock)
        url = f"sqlite:///{directory / f'{name}.db'}"
        settings = Settings(
            fortnox=FortnoxSettings(
                client_id="bench",
                client_secret="bench-secret",
                refresh_token=fortnox.issue_refresh_token("bench"),
            ),
            webcrm=WebcrmSettings(auth_code=webcrm.add_api_token()),
            state=StateSettings(url=url),
        )
        return cls(clock, fortnox, webcrm, settings, StateStore.open(url, clock=clock))

    def engine(self) -> object:
        return SyncEngine.open(
            self.settings,
            clock=self.clock,
            store=self.store,
            fortnox_transport=httpx.ASGITransport(app=self.fortnox.app),
            webcrm_transport=httpx.ASGITransport(app=self.webcrm.app),
        )

    async def run(self, step: Callable[[SyncEngine], object]) -> tuple[int, int]:
        """One command in its own engine (a new process would do the same); its calls."""
        async with self.engine() as engine:  # type: ignore[attr-defined]
            await step(engine)  # type: ignore[misc]
            return engine.fortnox.http.total_calls, engine.webcrm.http.total_calls

    async def period(self) -> tuple[int, int]:
        """One 6-minute period of `wfsync sync --once` (both directions in a row)."""
        self.clock.advance(360)
        return await self.run(lambda e: e.sync_once())

    async def cadence(self) -> tuple[int, int]:
        """One 6-minute period of `wfsync run`: webCRM at :00, Fortnox at :03."""
        self.clock.advance(180)
        f1, w1 = await self.run(lambda e: e.sync_webcrm())
        self.clock.advance(180)
        f2, w2 = await self.run(lambda e: e.sync_fortnox())
        return f1 + f2, w1 + w2

    def throttled(self) -> int:
        return sum(r.status == 429 for r in self.fortnox.requests) + sum(
            r.status == 429 for r in self.webcrm.requests
        )


def seed(world: World, customers: int, articles: int) -> list[str]:
    numbers = [
        world.fortnox.ui.create_customer(Name=f"Bänkkund {n:05d} AB", City="Uppsala")
        for n in range(customers)
    ]
    for n in range(articles):
        number = str(1000 + n)
        world.fortnox.ui.create_article(ArticleNumber=number, Description=f"Artikel {n}", Unit="st")
        world.fortnox.ui.set_price("A", number, 100 + n)
    world.clock.advance(24 * 3600)  # the data is older than the import, as in real life
    return numbers


def window_seconds(calls: int, budget: int, window: float) -> float:
    """The least time ``calls`` requests take under a sliding window of ``budget`` per
    ``window`` seconds that starts empty: a full burst at once, then one more full
    window for every further ``budget`` (the last request waits for its window)."""
    return max(0, calls - 1) // budget * window


def fortnox_seconds(calls: int) -> float:
    return window_seconds(calls, FORTNOX_BUDGET, 5.0)


def webcrm_seconds(calls: int) -> float:
    return window_seconds(calls, WEBCRM_BUDGET, 60.0)


async def import_rows(directory: Path, customers: int, articles: int) -> list[Row]:
    world = World.create(directory, f"import-{customers}-{articles}")
    seed(world, customers, articles)
    start = world.clock.now()
    f_calls, w_calls = await world.run(lambda e: e.import_all())
    seconds = (world.clock.now() - start).total_seconds()
    throttled_import = world.throttled()
    # A command run straight after the import: the budget is the one the import left.
    await world.run(lambda e: e.sync_once())
    throttled_after = world.throttled() - throttled_import
    world.store.close()
    # Fortnox: customer list pages + one GET per customer (the list lacks most fields)
    # + the article list; + the token grant and the one inactive-article listing.
    floor_calls = math.ceil(customers / FORTNOX_PAGE) + customers + math.ceil(articles / 500)
    naive_calls = floor_calls + 2 * articles  # a GET and a price read per article
    # webCRM: login, the organisation list, batch creates and their read-back (250 a
    # call), the catalogue read and one create per article (no batch endpoint).
    webcrm_floor = 3 + 2 * math.ceil(customers / WEBCRM_PAGE) + articles
    # The budgets are spent side by side: the slower vendor bounds the import.
    floor_seconds = max(fortnox_seconds(floor_calls), webcrm_seconds(webcrm_floor))
    # Naive: Fortnox's extra article reads, and the two vendors one after the other.
    naive_seconds = fortnox_seconds(naive_calls) + webcrm_seconds(webcrm_floor)
    print(
        f"  import: {f_calls} Fortnox + {w_calls} webCRM calls, {seconds:.0f} virtual s, "
        f"429s during the import {throttled_import}, in the next command {throttled_after}"
    )
    return [
        Row(
            f"import time, {customers} cust + {articles} art (s)",
            seconds,
            floor_seconds,
            1.15,
            naive_seconds,
            "s",
        ),
        Row("import 429s (import + next command)", throttled_import + throttled_after, 0, 0, 0),
        Row("import calls on Fortnox", f_calls, floor_calls, 1.05, naive_calls),
    ]


async def changed_rows(directory: Path, customers: int, articles: int, k: int) -> list[Row]:
    world = World.create(directory, "changes")
    numbers = seed(world, customers, articles)
    await world.run(lambda e: e.import_all())
    for _ in range(3):
        await world.period()
    quiet_f, quiet_w = await world.period()
    # k customers changed in Fortnox.
    for number in numbers[:k]:
        world.fortnox.ui.update_customer(number, VisitingCity="Västerås")
    world.clock.advance(360)
    f_calls, w_calls = await world.run(lambda e: e.sync_fortnox())
    # Floor: 1 list page + k GETs; the other Fortnox probes of the cycle as when quiet;
    # webCRM: login + ⌈k/250⌉ read + ⌈k/250⌉ batched write.
    probes_f = 1 + 2 + math.ceil(articles / FORTNOX_PAGE)  # articles, orders, invoices, scan
    floor_k = 1 + k + probes_f + 1 + 2 * math.ceil(k / WEBCRM_PAGE)
    naive_k = 1 + k + probes_f + 1 + 3 * k  # one org read, then GET + PUT, per record
    changed_fortnox = Row(
        f"customer changed in Fortnox, k={k}", f_calls + w_calls, floor_k, 1.2, naive_k
    )
    for _ in range(3):
        await world.period()
    # Organisations changed in webCRM: calls on Fortnox per record, over the period of
    # the change and the two after it (our own write coming back through the feed),
    # less the same periods when quiet. Floor: the write, and the one read of it that
    # the feed's minute resolution makes unavoidable (docs/sync.md). Naive: a GET
    # before each write and the write read back in each of the next two polls.
    links = world.store.links("customer")[:k]
    rows = [changed_fortnox]
    for name, period, city in (
        ("sync --once", world.period, "Lund"),
        ("6/3 cadence", world.cadence, "Visby"),
    ):
        before = [await period() for _ in range(3)]
        for link in links:
            world.webcrm.ui.update_organisation(int(link.webcrm_id or 0), OrganisationCity=city)
        after = [await period() for _ in range(3)]
        extra_f = sum(f for f, _ in after) - sum(f for f, _ in before)
        rows.append(
            Row(f"org changed in webCRM, Fortnox/rec. ({name})", extra_f / len(links), 2, 1.2, 4)
        )
    world.store.close()
    print(f"  quiet period before the changes: {quiet_f} Fortnox + {quiet_w} webCRM calls")
    return rows


async def quiet_deliveries(directory: Path, deliveries: int) -> tuple[float, int]:
    world = World.create(directory, f"deliveries{deliveries}")
    world.fortnox.ui.create_article(ArticleNumber="A1", Description="Hammare", Unit="st")
    world.clock.advance(3600)
    await world.run(lambda e: e.import_all())
    org = world.webcrm.ui.create_organisation(
        OrganisationName="Bergström Bygg AB", OrganisationType=COMPANY
    )
    for n in range(deliveries):
        delivery = world.webcrm.ui.create_delivery(org, DeliveryDescription=f"Order {n}")
        world.webcrm.ui.add_quotation_line(
            delivery,
            QuotationLineData1="A1",
            QuotationLineData3="st",
            QuotationLineMemo="Hammare",
            QuotationLineQuantity=1,
            QuotationLinePrice=100,
            QuotationLineVatPercentage=25,
        )
    for _ in range(4):
        await world.period()
    linked = len(world.store.links("delivery", state="active"))
    hour = [await world.period() for _ in range(10)]
    world.store.close()
    return sum(w for _, w in hour) / len(hour), linked


async def quiet_rows(directory: Path, articles: int) -> list[Row]:
    rows = []
    small, linked_small = await quiet_deliveries(directory, 20)
    large, linked_large = await quiet_deliveries(directory, 100)
    # One probe per entity on webCRM — organisations, deliveries, and the catalogue
    # (articles are linked; it has no change feed, so its one unpaged read is its
    # probe) — + the session login of a new process.
    floor_w = 4
    for mean, linked in ((small, linked_small), (large, linked_large)):
        # Naive: every linked delivery's lines read every period (the old recent sweep).
        rows.append(
            Row(
                f"quiet period, {linked} linked deliveries (webCRM)",
                mean,
                floor_w,
                1.2,
                floor_w + linked,
            )
        )
    world = World.create(directory, "articles")
    seed(world, 0, articles)
    await world.run(lambda e: e.import_all())
    for _ in range(3):
        await world.period()
    hour = [await world.period() for _ in range(10)]
    world.store.close()
    mean_f = sum(f for f, _ in hour) / len(hour)
    # customers, articles, orders, invoices + the article list scan (⌈a/500⌉ pages);
    # the token grant of a new process is not a probe: counted as measured.
    floor_f = 4 + math.ceil(articles / FORTNOX_PAGE)
    rows.append(
        Row(
            f"quiet, amortised over an hour, {articles} articles (Fortnox)",
            mean_f,
            floor_f,
            1.2,
            floor_f + articles / 10,  # the old hourly sweep: one call per article
        )
    )
    return rows


def report(rows: list[Row]) -> int:
    print(f"{'figure':52} {'measured':>9} {'floor':>8} {'ratio':>6} {'goal':>5} {'naive':>8}")
    failed = 0
    for row in rows:
        if row.floor == 0:
            ok = row.measured == 0
            ratio = "-"
        else:
            ok = row.ratio <= row.goal
            ratio = f"{row.ratio:6.2f}"
        failed += not ok
        print(
            f"{row.name:52} {row.measured:9.1f} {row.floor:8.1f} {ratio:>6} "
            f"{row.goal:5.2f} {row.naive:8.1f}{'' if ok else '  MISSES THE GOAL'}"
        )
    return 1 if failed else 0


async def main_async(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        rows = await import_rows(directory, args.customers, args.articles)
        # Many articles: webCRM's budget (a create each) as long as Fortnox's.
        rows += (await import_rows(directory, args.customers, args.many_articles))[:1]
        rows += await changed_rows(directory, args.customers, args.articles, args.k)
        rows += await quiet_rows(directory, args.quiet_articles)
    return report(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--many-articles", type=int, default=1000)
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--quiet-articles", type=int, default=1000)
    sys.exit(asyncio.run(main_async(parser.parse_args())))


if __name__ == "__main__":
    main()
