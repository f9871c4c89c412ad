"""Benchmark: CPU the webCRM simulator spends serving one large paged query.

A feed read of N organisations in pages of 250 should cost about one evaluation
of the query (the floor, measured in the same run), not one per page.

    .venv/bin/python benchmarks/simulator_paging.py [--rows 10000]

Exits non-zero when paging costs more than 2× the floor.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

import httpx

from wfsync.clock import FakeClock
from wfsync.simulators.webcrm import WebcrmSimulator
from wfsync.simulators.webcrm.queries import QueryEngine

SCRIPT = (
    "SELECT * FROM Organisation WHERE OrganisationUpdatedAt >= '2000-01-01T00:00:00' "
    "ORDER BY OrganisationUpdatedAt"
)
PAGE = 250


async def paged_read(sim: WebcrmSimulator) -> tuple[int, float]:
    code = sim.add_api_token()
    transport = httpx.ASGITransport(app=sim.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
        login = await client.post("/Auth/ApiLogin", data={"authCode": code})
        client.headers["Authorization"] = f"Bearer {login.json()['AccessToken']}"
        rows, page = 0, 1
        started = time.process_time()
        while True:
            answer = await client.get(
                "/Queries", params={"script": SCRIPT, "Page": page, "Size": PAGE}
            )
            answer.raise_for_status()
            batch = answer.json()
            rows += len(batch)
            if len(batch) < PAGE:
                return rows, time.process_time() - started
            page += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    sim = WebcrmSimulator(clock=FakeClock(), rate_limit=None)
    for n in range(args.rows):
        sim.ui.create_organisation(OrganisationName=f"Org {n:06d}", OrganisationCity="Lund")
    started = time.process_time()
    QueryEngine(sim.backend).run(SCRIPT)
    floor = time.process_time() - started
    rows, spent = asyncio.run(paged_read(sim))
    ratio = spent / floor if floor else float("inf")
    print(f"rows={rows} pages={-(-rows // PAGE)}")
    print("figure                         measured    floor  ratio")
    print(f"CPU seconds for the paged read {spent:9.2f} {floor:8.2f} {ratio:6.2f}")
    print("(floor: one evaluation of the query; the paged read also pays HTTP and JSON)")
    return 0 if rows == args.rows and ratio <= 2.0 else 1


if __name__ == "__main__":
    sys.exit(main())
