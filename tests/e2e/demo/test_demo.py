"""`wfsync demo`: the story's end state, the narration, and the command as a user runs it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console

from wfsync.demo import (
    STORY,
    CycleOutcome,
    DemoRunner,
    DemoSummary,
    DemoWorld,
    build_world,
    check_convergence,
)
from wfsync.demo.live import bind_sockets
from wfsync.demo.narrate import Narrator
from wfsync.demo.script import Step
from wfsync.demo.session import story_start
from wfsync.demo.world import DemoClock, SeedError, load_seed_file
from wfsync.http.errors import ConfigError
from wfsync.simulators.webcrm import DEMO_AUTH_CODE
from wfsync.sync.engine import Progress

START = datetime(2026, 1, 15, 7, 57, tzinfo=UTC)


class Recorder:
    """An observer that keeps every event for assertions."""

    def __init__(self) -> None:
        self.outcomes: list[CycleOutcome] = []
        self.steps: list[tuple[Step, list[str]]] = []
        self.stages: set[str] = set()

    def opening(self, world: DemoWorld) -> None:
        self.opened = True

    @contextlib.contextmanager
    def import_progress(self) -> Iterator[Progress]:
        def progress(stage: str, done: int, total: int | None) -> None:
            self.stages.add(stage)

        yield progress

    def cycle(self, outcome: CycleOutcome) -> None:
        self.outcomes.append(outcome)

    def step(self, index: int, total: int, step: Step, edits: list[str]) -> None:
        self.steps.append((step, edits))

    def finished(self, summary: DemoSummary) -> None:
        self.summary = summary


@pytest.fixture
def world(tmp_path: Path) -> Iterator[DemoWorld]:
    world = build_world(tmp_path, start=START)
    try:
        yield world
    finally:
        world.close()


@dataclass
class Played:
    """One run of the whole story, shared by the tests that only read its end state."""

    world: DemoWorld
    recorder: Recorder
    summary: DemoSummary


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Played]:
    world = build_world(tmp_path_factory.mktemp("played"), start=START)
    recorder = Recorder()
    try:
        summary = asyncio.run(DemoRunner(world, recorder).run())
        yield Played(world, recorder, summary)
    finally:
        world.close()


def _org_by_name(world: DemoWorld, name: str) -> dict[str, Any]:
    (org,) = [o for o in world.webcrm.backend.organisations.rows() if o["OrganisationName"] == name]
    return world.webcrm.ui.organisation(int(org["OrganisationId"]))


def _customer_by_name(world: DemoWorld, name: str) -> dict[str, Any] | None:
    found = [c for c in world.fortnox.store.customers.values() if c["Name"] == name]
    return found[0] if found else None


def test_story_ends_with_both_systems_agreeing(played: Played) -> None:
    world, summary = played.world, played.summary

    customer_links = world.store.links("customer")
    assert len(customer_links) >= 18
    for link in customer_links:
        org = world.webcrm.ui.organisation(int(link.webcrm_id or 0))
        customer = world.fortnox.ui.customer(link.fortnox_id or "")
        assert org["OrganisationName"] == customer["Name"]
        assert org["OrganisationExtraCustom1"] == customer["CustomerNumber"]
    catalogue = {i["QuotationLineLinkedDataItemData1"]: i for i in world.webcrm.ui.catalogue()}
    for number, article in world.fortnox.store.articles.items():
        if article.get("Active", True):
            assert catalogue[number]["QuotationLineLinkedDataItemData2"] == article["Description"]
    assert summary.converged and summary.mismatches == []
    assert summary.steps == [step.key for step in STORY]


def test_story_shows_each_promise_once(played: Played) -> None:
    world, recorder = played.world, played.recorder

    bergstrom = _org_by_name(world, "Bergström Bygg AB")
    in_fortnox = _customer_by_name(world, "Bergström Bygg AB")
    assert in_fortnox is not None
    assert bergstrom["OrganisationExtraCustom1"] == in_fortnox["CustomerNumber"]
    # Field-level merge: each side's other edit reached the other side.
    assert in_fortnox["WWW"] == "www.bergstrom-bygg.se"
    assert bergstrom["OrganisationCustom1"] == "Box 4711"
    # The lead is not a customer Type and stays out of Fortnox.
    assert _customer_by_name(world, "Hallands Solenergi AB") is None
    (conflict,) = world.store.conflicts(include_acknowledged=True)
    assert conflict.field == "phone"
    assert (conflict.webcrm_value, conflict.fortnox_value) == ("08-123 45 99", "08-123 45 00")
    assert bergstrom["OrganisationTelephone"] == in_fortnox["Phone1"] == conflict.resolved_value
    # The rejected customer went to the error inbox, then healed once fixed.
    gotland = _customer_by_name(world, "Gotlands Turism AB")
    assert gotland is not None and gotland["TermsOfPayment"] == "30"
    assert [f.kind for f in world.store.failures(status="open")] == ["delivery"]
    failed = [f for o in recorder.outcomes for f in o.failed if f.kind == "customer"]
    assert len(failed) == 1 and "2000901" in failed[0].message
    resolved = [f for o in recorder.outcomes for f in o.resolved]
    assert [(f.kind, f.source_id) for f in resolved] == [("customer", failed[0].source_id)]
    # Articles flow Fortnox → webCRM with name and prices.
    item = next(
        i for i in world.webcrm.ui.catalogue() if i["QuotationLineLinkedDataItemData1"] == "401"
    )
    assert item["QuotationLineLinkedDataItemPrice"] == 149
    # The last step is a quiet period: both directions write nothing.
    assert [o.writes for o in recorder.outcomes[-2:]] == [0, 0]
    assert recorder.stages >= {"fortnox customers"}


def test_delivery_becomes_an_order_and_fortnox_owns_invoice_and_booking(played: Played) -> None:
    world = played.world
    slots = world.settings.webcrm.custom_fields
    delivery_id = int(world.memo["delivery"])
    delivery = world.webcrm.ui.delivery(delivery_id)
    order = world.fortnox.ui.order(delivery[slots.order_number])
    assert order["CustomerName"] == "Bergström Bygg AB"
    rows = [(r["ArticleNumber"], r["OrderedQuantity"]) for r in order["OrderRows"]]
    assert rows == [("201", 12), ("103", 5)]  # the late webCRM edit (14) never reached it
    invoice = world.fortnox.ui.invoice(order["InvoiceReference"])
    assert invoice["Booked"] is True
    assert delivery[slots.invoice_number] == invoice["DocumentNumber"]
    assert delivery[slots.invoice_date] == invoice["InvoiceDate"]
    assert delivery[slots.invoice_booked] == "Yes"
    (entry,) = world.store.failures(status="open")
    assert entry.source_id == str(delivery_id)
    assert f"invoice {invoice['DocumentNumber']} is booked" in entry.message
    assert "credit the invoice" in entry.message
    # The invoice made directly in Fortnox became a completed 'faktura' delivery.
    link = world.store.get_link("delivery", fortnox_id=str(world.memo["direct_invoice"]))
    assert link is not None
    born = world.webcrm.ui.delivery(int(link.webcrm_id or 0))
    assert born["DeliveryDescription"] == "faktura"
    assert born["DeliveryStatus"] == "Completed"


def test_cycles_follow_the_spec_cadence(played: Played) -> None:
    cycles = played.recorder.outcomes[1:]
    assert [o.direction for o in cycles[:4]] == ["webcrm", "fortnox", "webcrm", "fortnox"]
    for outcome in cycles:
        expected = 0 if outcome.direction == "webcrm" else 3
        assert outcome.at.minute % 6 == expected and outcome.at.second == 0


async def test_convergence_check_names_a_record_that_differs(world: DemoWorld) -> None:
    await DemoRunner(world, Recorder()).run()
    number = next(iter(world.fortnox.store.customers))
    world.fortnox.ui.update_customer(number, Name="Ändrat Utan Sync AB")

    mismatches = await check_convergence(world)

    assert len(mismatches) == 1
    assert number in mismatches[0] and "Ändrat Utan Sync AB" in mismatches[0]


async def test_story_runs_on_a_seed_file(tmp_path: Path) -> None:
    seed = {
        "fortnox": {
            "customers": [{"Name": "Liten Kund AB", "OrganisationNumber": "556123-4567"}],
            "articles": [{"ArticleNumber": "9", "Description": "Enda varan", "PurchasePrice": 10}],
        },
        "webcrm": {"organisations": []},
    }
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(seed), encoding="utf-8")
    world = build_world(tmp_path, start=START, seed_file=seed_file)
    try:
        summary = await DemoRunner(world, Recorder()).run()
    finally:
        world.close()
    assert summary.converged
    # The seeded customer, then Bergström (webCRM), Kalmar (Fortnox) and Gotland (healed).
    assert summary.links["customer"] == 4
    assert world.fortnox.store.articles["9"]["Description"] == "Enda varan (ny modell)"


def test_seed_file_errors_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(SeedError, match="not valid JSON"):
        load_seed_file(bad)
    bad.write_text('{"salesforce": {}}', encoding="utf-8")
    with pytest.raises(SeedError, match='"fortnox" and/or "webcrm"'):
        load_seed_file(bad)
    with pytest.raises(SeedError, match="cannot read"):
        load_seed_file(tmp_path / "missing.json")


def test_a_busy_port_is_one_line_naming_the_option() -> None:
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        with pytest.raises(ConfigError, match="--webcrm-port"):
            bind_sockets("127.0.0.1", 0, busy.getsockname()[1])
    finally:
        busy.close()


def test_demo_clock_goes_live_without_running_backwards() -> None:
    clock = DemoClock(datetime(2020, 1, 1, tzinfo=UTC))
    clock.advance(600)
    before = (clock.now(), clock.monotonic())
    clock.go_live()
    assert clock.now() >= datetime.now(UTC) - timedelta(seconds=1)
    # Monotonic time jumps with the wall clock, so rate windows see the real gap.
    gap = (clock.now() - before[0]).total_seconds()
    assert clock.monotonic() >= before[1] + gap - 1
    with pytest.raises(RuntimeError):
        clock.advance(1)
    ahead = DemoClock(datetime.now(UTC) + timedelta(hours=1))
    ahead.go_live()
    assert ahead.now() >= datetime.now(UTC) + timedelta(minutes=59)


def test_story_is_placed_to_end_before_now() -> None:
    now = datetime(2026, 3, 29, 1, 30, 17, tzinfo=UTC)
    start = story_start(now, STORY)
    cycles = sum(step.cycles for step in STORY)
    assert start.second == 0
    assert start + timedelta(minutes=6 * cycles + 6) < now


async def test_narration_names_records_conflicts_and_errors(world: DemoWorld) -> None:
    console = Console(width=200, record=True, force_terminal=False)
    await DemoRunner(world, Narrator(console)).run()
    text = console.export_text()
    assert f"Step 3/{len(STORY)}: Both sides edit the same customer" in text
    assert re.search(r"new\s+customer Bergström Bygg AB\s+webCRM \d+ / Fortnox \d+", text)
    assert re.search(r"conflict\s+customer phone\s+was 08-123 45 67; webCRM 08-123 45 99", text)
    assert re.search(r"error inbox\s+customer from webCRM \d+\s+.*2000901", text)
    assert re.search(r"updated\s+delivery order \d+\s+booked: False → True", text)
    assert re.search(r"error inbox\s+delivery from webCRM \d+\s+.*is booked", text)
    assert "✓ converged" in text


# -- the command, as a user runs it -------------------------------------------------


def _wfsync() -> list[str]:
    """The installed console script once `demo` is registered in wfsync.cli, else its twin."""
    from wfsync.cli import app

    if any(command.name == "demo" for command in app.registered_commands):
        return [str(Path(sys.executable).with_name("wfsync"))]
    boot = "import wfsync.cli.demo_cmd; from wfsync.cli import main; main()"
    return [sys.executable, "-c", boot]


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, COLUMNS="200", NO_COLOR="1")
    # A real setup's variables must not leak into the demo.
    env["WFSYNC_STATE__URL"] = f"sqlite:///{tmp_path / 'real-state.db'}"
    env["WFSYNC_FORTNOX__BASE_URL"] = "http://192.0.2.1/3"
    return env


@pytest.mark.slow
def test_wfsync_demo_runs_the_story_and_exits_0(tmp_path: Path) -> None:
    (tmp_path / "wfsync.toml").write_text('[state]\nurl = "sqlite:///wfsync.db"\n', "utf-8")
    result = subprocess.run(
        [*_wfsync(), "demo", "--json"],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    # (How fast the demo is belongs in a benchmark, not here: no timed assertions.)
    assert result.returncode == 0, result.stderr[-3000:]
    for index, step in enumerate(STORY, start=1):
        assert f"Step {index}/{len(STORY)}: {step.title}" in result.stderr
    assert "Initial import" in result.stderr
    assert re.search(r"synced\s+15 customers", result.stderr)
    assert re.search(r"new\s+customer Bergström Bygg AB", result.stderr)
    assert re.search(r"new\s+article Takskruv", result.stderr)
    assert re.search(r"conflict\s+customer phone", result.stderr)
    assert re.search(r"error inbox\s+customer from webCRM", result.stderr)
    assert re.search(r"resolved\s+customer from webCRM", result.stderr)
    assert re.search(r"new\s+delivery order \d+", result.stderr)
    assert re.search(r"updated\s+delivery order \d+\s+booked: False → True", result.stderr)
    assert re.search(r"error inbox\s+delivery from webCRM \d+", result.stderr)
    assert "credit the invoice" in result.stderr
    summary = json.loads(result.stdout)
    assert summary["converged"] is True
    assert summary["conflicts"] == 1
    assert summary["open_failures"] == 1 and summary["resolved_failures"] == 1
    assert summary["links"]["delivery"] == 2
    assert summary["steps"] == [step.key for step in STORY]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wfsync.toml"]


@pytest.mark.slow
def test_wfsync_demo_rejects_an_unreadable_seed_file(tmp_path: Path) -> None:
    result = subprocess.run(
        [*_wfsync(), "demo", "--seed-file", str(tmp_path / "nope.json")],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "nope.json: cannot read" in result.stderr
    assert "Traceback" not in result.stderr


def _lines(stream: Any) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _wait_for(lines: queue.Queue[str], pattern: str, seen: list[str], timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            continue
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match.group(1)
    raise AssertionError(f"no {pattern!r} in output:\n{''.join(seen)[-3000:]}")


@pytest.mark.slow
def test_keep_running_serves_the_simulators_and_keeps_syncing(tmp_path: Path) -> None:
    argv = [
        *_wfsync(),
        "demo",
        "--keep-running",
        "--fortnox-port",
        "0",
        "--webcrm-port",
        "0",
        "--sync-every",
        "0.3",
    ]
    process = subprocess.Popen(
        argv, cwd=tmp_path, env=_env(tmp_path), stderr=subprocess.PIPE, text=True
    )
    seen: list[str] = []
    try:
        assert process.stderr is not None
        lines = _lines(process.stderr)
        webcrm = _wait_for(lines, r"webCRM simulator:\s+(http://127\.0\.0\.1:\d+)", seen)
        state = _wait_for(lines, r"Demo state store:\s+sqlite:///(\S+)", seen)
        assert Path(state).exists()
        login = httpx.post(f"{webcrm}/Auth/ApiLogin", data={"authCode": DEMO_AUTH_CODE})
        token = login.json()["AccessToken"]
        created = httpx.post(
            f"{webcrm}/Organisations",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "OrganisationId": 0,
                "OrganisationName": "Handpetat AB",
                "OrganisationType": "Kund – Företag",
            },
        )
        assert created.status_code == 200, created.text
        number = _wait_for(lines, r"new\s+customer Handpetat AB\s+webCRM \d+ / Fortnox (\d+)", seen)
        assert int(number) > 0
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
        assert not Path(state).exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
