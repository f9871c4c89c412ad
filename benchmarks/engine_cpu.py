"""Benchmark: engine CPU and memory of a cycle that diffs N linked, unchanged records.

The webCRM organisation feed of one cycle brings N organisations that are all
linked and unchanged (the first cycle after a big import, or a mass edit that
changed nothing we sync). The engine decodes each page, maps and hashes each
record, and compares it with its link. Floor: a JSON decode and a hash per row.

    .venv/bin/python benchmarks/engine_cpu.py [--records 100000]

The state database is built in a child process first (so its memory is not
counted); this process then streams the feed page by page through the engine
and reports process CPU per record (feed generation excluded) and its peak
resident memory. The naive baseline is the old per-record path on a sample: one
link lookup per record, the whole feed materialised first.
Exits non-zero when CPU per record exceeds 50 µs or peak memory 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from wfsync.clock import FakeClock
from wfsync.config import FortnoxSettings, Settings, StateSettings, WebcrmSettings
from wfsync.fortnox import FortnoxClient
from wfsync.state import StateStore
from wfsync.state.models import LinkRow
from wfsync.sync.context import SyncContext
from wfsync.sync.customers import CustomerSync
from wfsync.sync.links import hash_of, snapshot_of
from wfsync.webcrm import WebcrmClient
from wfsync.webcrm.mapping import customer_from_webcrm
from wfsync.webcrm.models import Organisation

PAGE = 250
CPU_GOAL_US = 50.0
MEMORY_GOAL_MB = 300.0
STAMP = "2026-01-15T08:00:00"


def dto(n: int) -> dict[str, object]:
    return {
        "OrganisationId": n,
        "OrganisationName": f"Kund {n:06d} AB",
        "OrganisationType": "Kund – Företag",
        "OrganisationAddress": f"Storgatan {n % 90 + 1}",
        "OrganisationPostCode": "111 22",
        "OrganisationCity": "Stockholm",
        "OrganisationCountry": "Sverige",
        "OrganisationTelephone": "08-123 45 67",
        "OrganisationVatNumber": "",
        "OrganisationExtraCustom1": str(n),
        "OrganisationUpdatedAt": STAMP,
    }


def settings(url: str) -> Settings:
    return Settings(
        fortnox=FortnoxSettings(client_id="bench", client_secret="bench", refresh_token="x"),
        webcrm=WebcrmSettings(auth_code="bench"),
        state=StateSettings(url=url),
    )


def build(url: str, records: int) -> None:
    """Child process: N links whose snapshots equal the feed's records."""
    clock = FakeClock()
    store = StateStore.open(url, clock=clock)
    config = settings(url)
    now = clock.now()
    with store.engine.begin() as conn:
        for start in range(0, records, 5000):
            rows = []
            for n in range(start + 1, min(records, start + 5000) + 1):
                customer = customer_from_webcrm(
                    Organisation.from_dto(dto(n)), config.webcrm.custom_fields, config.sync
                )
                snapshot, digest = snapshot_of(customer), hash_of(customer)
                rows.append(
                    {
                        "kind": "customer",
                        "webcrm_id": str(n),
                        "fortnox_id": str(n),
                        "webcrm_snapshot": snapshot,
                        "fortnox_snapshot": snapshot,
                        "webcrm_hash": digest,
                        "fortnox_hash": digest,
                        "state": "active",
                        "extra": {},
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            conn.execute(sa.insert(LinkRow), rows)
    store.close()


def pages(records: int) -> Iterator[bytes]:
    """The server's answer, page by page (as bytes, like the HTTP body)."""
    for start in range(0, records, PAGE):
        chunk = [dto(n) for n in range(start + 1, min(records, start + PAGE) + 1)]
        yield json.dumps(chunk).encode()


def context(store: StateStore, config: Settings, clock: FakeClock) -> SyncContext:
    return SyncContext(
        settings=config,
        store=store,
        fortnox=FortnoxClient(config.fortnox, None, clock=clock),  # type: ignore[arg-type]
        webcrm=WebcrmClient(config.webcrm, clock=clock),
        clock=clock,
    )


async def measure(url: str, records: int, sample: int) -> int:
    clock = FakeClock()
    store = StateStore.open(url, clock=clock)
    config = settings(url)
    ctx = context(store, config, clock)
    customers = CustomerSync(ctx)
    generation = 0.0
    cpu_start = time.process_time()
    wall_start = time.perf_counter()
    feed = pages(records)
    while True:
        t = time.process_time()
        body = next(feed, None)
        generation += time.process_time() - t
        if body is None:
            break
        orgs = [Organisation.from_dto(row) for row in json.loads(body)]
        await customers.webcrm_page(orgs, None)
    cpu = time.process_time() - cpu_start - generation
    wall = time.perf_counter() - wall_start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    unchanged = ctx.report.counts["customer.unchanged"]

    # Naive baseline on a sample: everything materialised, one lookup per record.
    naive_ctx = context(store, config, clock)
    naive = CustomerSync(naive_ctx)
    bodies = list(pages(sample))
    t = time.process_time()
    everything = [Organisation.from_dto(row) for body in bodies for row in json.loads(body)]
    for org in everything:
        await naive.handle_webcrm(org)
    naive_cpu = time.process_time() - t

    # Floor: a JSON decode and a hash per row, in this run.
    t = time.process_time()
    for body in pages(sample):
        for row in json.loads(body):
            hashlib.sha256(json.dumps(row, sort_keys=True).encode()).hexdigest()
    floor_cpu = time.process_time() - t - 0.0
    store.close()

    per_record = cpu / records * 1e6
    floor_us = floor_cpu / sample * 1e6
    naive_us = naive_cpu / sample * 1e6
    print(f"records={records} (all linked and unchanged: {unchanged})")
    print(f"{'figure':34} {'measured':>10} {'floor':>9} {'ratio':>7} {'naive':>10}")
    print(
        f"{'engine CPU per record (µs)':34} {per_record:10.1f} {floor_us:9.1f} "
        f"{per_record / floor_us:7.2f} {naive_us:10.1f}"
    )
    print(f"{'peak memory (MB)':34} {peak_mb:10.0f} {'':>9} {'':>7} {'':>10}")
    print(f"wall {wall:.1f} s for the cycle; goal ≤ {CPU_GOAL_US:g} µs, ≤ {MEMORY_GOAL_MB:g} MB")
    failed = unchanged != records
    failed |= per_record > CPU_GOAL_US or peak_mb > MEMORY_GOAL_MB
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=5_000, help="records for the naive path")
    parser.add_argument("--build", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(args.build, args.records)
        return
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench.db'}"
        subprocess.run(
            [sys.executable, __file__, "--records", str(args.records), "--build", url], check=True
        )
        sys.exit(asyncio.run(measure(url, args.records, min(args.sample, args.records))))


if __name__ == "__main__":
    main()
