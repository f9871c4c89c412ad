"""Benchmark: API calls and rate-limit-bound time of `wfsync import` and of a quiet cycle.

Runs both simulators in-process on a virtual clock (so the rate limits are real
but waiting costs no wall time), imports N Fortnox customers and M articles into
an empty webCRM, then runs one quiet cycle. Prints the calls per system against
the floor the APIs allow, and the virtual time against the rate bound of the
slower vendor (customers and articles are imported side by side).

    .venv/bin/python benchmarks/import_calls.py [--customers 2000] [--articles 200]

Exits non-zero if a measured figure exceeds its floor by more than the allowed slack.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from pathlib import Path

import httpx
from floor import fortnox_seconds, webcrm_seconds

from wfsync.clock import VirtualClock
from wfsync.config import FortnoxSettings, Settings, StateSettings, WebcrmSettings
from wfsync.simulators.fortnox import FortnoxSimulator
from wfsync.simulators.webcrm import WebcrmSimulator
from wfsync.state import StateStore
from wfsync.sync.engine import SyncEngine

#: Fortnox list pages hold 500 records.
FORTNOX_PAGE = 500
#: webCRM per quiet cycle: login + one query per feed (organisations, deliveries) +
#: the catalogue, which has no change feed (one unpaged read shows an item a person
#: edited).
QUIET_WEBCRM = 4


def quiet_fortnox_floor(articles: int) -> int:
    """Fortnox calls of a quiet cycle: one list per feed (customers, articles changed,
    orders, invoices) plus the article price scan, which pages through the whole
    article list: ⌈a/500⌉ pages (1,000 articles: 2, so 6 calls, not 5)."""
    return 4 + max(1, math.ceil(articles / FORTNOX_PAGE))


async def run(customers: int, articles: int, state_dir: Path) -> int:
    clock = VirtualClock()
    fortnox = FortnoxSimulator(clock=clock)
    fortnox.register_client("bench", "bench-secret")
    webcrm = WebcrmSimulator(clock=clock)
    for n in range(customers):
        fortnox.ui.create_customer(Name=f"Bänkkund {n:05d} AB", City="Uppsala")
    for n in range(articles):
        number = str(1000 + n)
        fortnox.ui.create_article(ArticleNumber=number, Description=f"Artikel {n}", Unit="st")
        fortnox.ui.set_price("A", number, 100 + n)
    clock.advance(24 * 3600)  # the data is older than the import, as in real life
    url = f"sqlite:///{state_dir / 'bench.db'}"
    settings = Settings(
        fortnox=FortnoxSettings(
            client_id="bench",
            client_secret="bench-secret",
            refresh_token=fortnox.issue_refresh_token("bench"),
        ),
        webcrm=WebcrmSettings(auth_code=webcrm.add_api_token()),
        state=StateSettings(url=url),
    )
    store = StateStore.open(url, clock=clock)
    transports = {
        "fortnox_transport": httpx.ASGITransport(app=fortnox.app),
        "webcrm_transport": httpx.ASGITransport(app=webcrm.app),
    }
    wall = time.perf_counter()
    virtual_start = clock.now()
    async with SyncEngine.open(settings, clock=clock, store=store, **transports) as engine:
        await engine.import_all()
        f_calls, w_calls = engine.fortnox.http.total_calls, engine.webcrm.http.total_calls
    virtual = (clock.now() - virtual_start).total_seconds()
    wall = time.perf_counter() - wall
    # The first cycle after the import re-reads (never re-writes) what the import
    # itself created, because the cursor starts where the import started; the
    # second re-reads the overlap once more and marks it settled; from the third
    # on is the steady state: measure that one.
    for _ in range(3):
        clock.advance(360)
        async with SyncEngine.open(settings, clock=clock, store=store, **transports) as engine:
            await engine.sync_once()
            quiet = (engine.fortnox.http.total_calls, engine.webcrm.http.total_calls)
        quiet_writes = engine.fortnox.http.write_calls + engine.webcrm.http.write_calls
    store.close()

    page_f, page_w = FORTNOX_PAGE, settings.webcrm.page_size
    # Fortnox: list + full read per customer; the article list (prices included) and
    # the inactive-article listing; the token grant.
    floor_f = math.ceil(customers / page_f) + customers + math.ceil(articles / page_f)
    floor_f += (1 if articles else 0) + 1
    # webCRM: login, custom-field metadata (organisation, delivery), read all orgs
    # (empty: 1), batch create, read back, catalogue list + creates.
    floor_w = 1 + 2 + 1 + 2 * math.ceil(customers / page_w) + 1 + articles
    # Customers (Fortnox-bound) and articles (webCRM-bound) are imported side by
    # side: the slower vendor's budget bounds the import.
    rate_bound = max(fortnox_seconds(f_calls), webcrm_seconds(w_calls))
    rows = [
        ("import Fortnox calls", f_calls, floor_f),
        ("import webCRM calls", w_calls, floor_w),
        # A quiet cycle: one list per Fortnox feed; webCRM login + one query per feed.
        ("quiet cycle Fortnox calls", quiet[0], quiet_fortnox_floor(articles)),
        ("quiet cycle webCRM calls", quiet[1], QUIET_WEBCRM),
    ]
    print(f"customers={customers} articles={articles}")
    print(f"{'figure':32} {'measured':>9} {'floor':>7} {'ratio':>6}")
    failed = 0
    for name, measured, floor in rows:
        ratio = measured / floor if floor else float("inf")
        print(f"{name:32} {measured:9d} {floor:7d} {ratio:6.2f}")
        failed += ratio > 1.10
    print(
        f"{'import virtual seconds':32} {virtual:9.0f} {rate_bound:7.0f} "
        f"{virtual / rate_bound if rate_bound else 0:6.2f}  (the slower vendor's budget)"
    )
    print(f"{'quiet cycle write calls':32} {quiet_writes:9d} {0:7d}")
    print(f"wall time {wall:.1f} s")
    failed += quiet_writes != 0
    failed += rate_bound > 0 and virtual > rate_bound * 1.25
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--articles", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as state_dir:
        sys.exit(asyncio.run(run(args.customers, args.articles, Path(state_dir))))


if __name__ == "__main__":
    main()
