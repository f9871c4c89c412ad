"""Benchmark: edit-to-other-side latency with events on and off, on the simulators.

An edit is a person changing a linked customer in one system; its latency is
the time until the other system shows the new value. Per direction
(Fortnox → webCRM, webCRM → Fortnox) the benchmark prints p50, p95 and max:

* **events on** — the event runtime of ``wfsync run`` (Fortnox WebSocket
  consumer, webCRM hook receiver with its default 1-second debounce, the 6/3
  poll scheduler taking turns) on the wall clock. Both simulators run
  in-process: the WebSocket and the hook callbacks cross an in-process ASGI
  hop instead of a network, so add your network's round trips. Edits come at
  random gaps of 0–2 s, so some land in the same debounce window.
* **events off** — polling only. For an edit at a random instant of the
  schedule grid, the latency is the wait until the next poll slot of its
  source system (from :mod:`wfsync.runtime.schedule`, default 6/3 cadence)
  plus the measured wall time of that real poll cycle, run on a virtual clock.

    .venv/bin/python benchmarks/event_latency.py [--edits 40] [--seed 7]

Exits non-zero if the events-on p95 of either direction is 10 s or more (the
goal of issue #13), or if an edit never arrives.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx

from wfsync.clock import Clock, FakeClock, SystemClock
from wfsync.config import (
    EventsSettings,
    FortnoxSettings,
    Settings,
    StateSettings,
    WebcrmSettings,
)
from wfsync.fortnox.event_socket import asgi_connector
from wfsync.runtime.events import EventRuntime
from wfsync.runtime.schedule import plan_from_settings
from wfsync.runtime.scheduler import Scheduler, jobs_from_settings
from wfsync.simulators.fortnox import FortnoxSimulator
from wfsync.simulators.webcrm import WebcrmSimulator
from wfsync.state import StateStore
from wfsync.sync.engine import SyncEngine

GOAL_P95 = 10.0
CUSTOMERS = 10
TO_WEBCRM, TO_FORTNOX = "Fortnox → webCRM", "webCRM → Fortnox"


class Bench:
    """Both simulators, a state store and N linked customers."""

    def __init__(self, clock: Clock, state_dir: Path, name: str) -> None:
        self.clock = clock
        self.fortnox = FortnoxSimulator(clock=clock)
        self.fortnox.register_client("bench", "bench-secret")
        self.webcrm = WebcrmSimulator(clock=clock)
        url = f"sqlite:///{state_dir / f'{name}.db'}"
        self.settings = Settings(
            fortnox=FortnoxSettings(
                client_id="bench",
                client_secret="bench-secret",
                refresh_token=self.fortnox.issue_refresh_token("bench"),
            ),
            webcrm=WebcrmSettings(auth_code=self.webcrm.add_api_token()),
            state=StateSettings(url=url),
            # The callbacks reach the receiver in-process whatever the host says.
            events=EventsSettings(webhook_url="https://sync.example.com"),
        )
        self.store = StateStore.open(url, clock=clock)
        self.pairs: list[tuple[int, str]] = []

    def open(self) -> AbstractAsyncContextManager[SyncEngine]:
        return SyncEngine.open(
            self.settings,
            clock=self.clock,
            store=self.store,
            fortnox_transport=httpx.ASGITransport(app=self.fortnox.app),
            webcrm_transport=httpx.ASGITransport(app=self.webcrm.app),
        )

    async def link(self, engine: SyncEngine) -> None:
        await engine.import_all()
        for n in range(CUSTOMERS):
            self.webcrm.ui.create_organisation(
                OrganisationName=f"Latens {n:02d} AB", OrganisationType="Kund – Företag"
            )
        await engine.sync_once()
        for link in self.store.links("customer"):
            assert link.webcrm_id is not None and link.fortnox_id is not None
            self.pairs.append((int(link.webcrm_id), link.fortnox_id))

    def edit(self, direction: str, pair: tuple[int, str], value: str) -> Callable[[], bool]:
        """Make the edit; return the check that it reached the other side."""
        org_id, number = pair
        if direction == TO_WEBCRM:
            self.fortnox.ui.update_customer(number, VisitingCity=value)
            return lambda: self.webcrm.ui.organisation(org_id)["OrganisationCity"] == value
        self.webcrm.ui.update_organisation(org_id, OrganisationCity=value)
        return lambda: self.fortnox.ui.customer(number)["VisitingCity"] == value


async def events_on(edits: int, rng: random.Random, state_dir: Path) -> dict[str, list[float]]:
    bench = Bench(SystemClock(), state_dir, "on")
    found: dict[str, list[float]] = {TO_WEBCRM: [], TO_FORTNOX: []}
    async with bench.open() as engine:
        await bench.link(engine)
        runtime = EventRuntime(
            engine, bench.settings, connector=asgi_connector(bench.fortnox.app), listen=False
        )
        stop = asyncio.Event()

        async def webcrm_cycle() -> None:
            await engine.sync_webcrm()

        async def fortnox_cycle() -> None:
            await engine.sync_fortnox()

        jobs = jobs_from_settings(
            interval_minutes=6,
            fortnox_offset_minutes=3,
            webcrm=runtime.in_turn(webcrm_cycle),
            fortnox=runtime.in_turn(fortnox_cycle),
        )
        scheduler = Scheduler(bench.clock, jobs)
        transport = httpx.ASGITransport(app=runtime.receiver)
        async with httpx.AsyncClient(transport=transport) as hooks:
            bench.webcrm.hooks.auto_deliver = hooks
            runtime.start(stop)
            polls = asyncio.create_task(scheduler.run_forever(stop))
            while not (runtime.fortnox.subscribed.is_set() and runtime.hooks_ready.is_set()):
                await asyncio.sleep(0.01)
            pending: list[tuple[str, float, Callable[[], bool]]] = []
            for n in range(edits):
                direction = TO_WEBCRM if n % 2 == 0 else TO_FORTNOX
                pair = bench.pairs[n % len(bench.pairs)]  # a pair is edited again ~10 s later
                arrived = bench.edit(direction, pair, f"Ort {n:03d}")
                pending.append((direction, time.perf_counter(), arrived))
                gap_end = time.perf_counter() + rng.uniform(0.0, 2.0)
                while time.perf_counter() < gap_end:
                    pending = _collect(pending, found)
                    await asyncio.sleep(0.005)
            give_up = time.perf_counter() + 60
            while pending and time.perf_counter() < give_up:
                pending = _collect(pending, found)
                await asyncio.sleep(0.005)
            if pending:
                raise SystemExit(f"{len(pending)} edit(s) never arrived with events on")
            stop.set()
            await runtime.close()
            await polls
    bench.store.close()
    return found


def _collect(
    pending: list[tuple[str, float, Callable[[], bool]]], found: dict[str, list[float]]
) -> list[tuple[str, float, Callable[[], bool]]]:
    """Record the edits that have arrived (and were not overwritten meanwhile)."""
    left = []
    now = time.perf_counter()
    for direction, started, arrived in pending:
        if arrived():
            found[direction].append(now - started)
        else:
            left.append((direction, started, arrived))
    return left


async def events_off(edits: int, rng: random.Random, state_dir: Path) -> dict[str, list[float]]:
    clock = FakeClock()
    bench = Bench(clock, state_dir, "off")
    plan = plan_from_settings(interval_minutes=6, fortnox_offset_minutes=3)
    found: dict[str, list[float]] = {TO_WEBCRM: [], TO_FORTNOX: []}
    async with bench.open() as engine:
        await bench.link(engine)
        for n in range(edits):
            direction = TO_WEBCRM if n % 2 == 0 else TO_FORTNOX
            clock.advance(rng.uniform(0, 6 * 60))
            edited = clock.now()
            arrived = bench.edit(direction, bench.pairs[n % len(bench.pairs)], f"Ort {n:03d}")
            poll = "fortnox" if direction == TO_WEBCRM else "webcrm"
            slot = plan.next_slot(poll, edited)
            clock.set(slot)
            began = time.perf_counter()
            await (engine.sync_fortnox() if poll == "fortnox" else engine.sync_webcrm())
            work = time.perf_counter() - began
            if not arrived():
                raise SystemExit(f"edit {n} did not arrive with the {poll} poll")
            found[direction].append((slot - edited).total_seconds() + work)
    bench.store.close()
    return found


def _figures(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return statistics.median(ordered), p95, ordered[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=40, help="edits per mode (half each way)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        on = asyncio.run(events_on(args.edits, random.Random(args.seed), Path(tmp)))
        off = asyncio.run(events_off(args.edits, random.Random(args.seed), Path(tmp)))
    print("| mode | direction | edits | p50 | p95 | max |")
    print("|---|---|---|---|---|---|")
    failed = False
    for mode, results in (("events on", on), ("events off (polling)", off)):
        for direction, values in results.items():
            p50, p95, worst = _figures(values)
            print(
                f"| {mode} | {direction} | {len(values)} | {p50:.2f} s | {p95:.2f} s "
                f"| {worst:.2f} s |"
            )
            if mode == "events on" and p95 >= GOAL_P95:
                failed = True
    if failed:
        print(f"events-on p95 is not under {GOAL_P95:g} s", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
