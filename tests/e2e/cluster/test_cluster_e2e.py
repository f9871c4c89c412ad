"""The cluster end to end, on the real Redis and PostgreSQL: 3 Celery worker
processes, 50+ tenants on served simulators, random edits on both sides, one
worker killed with SIGKILL in the middle of a cycle. Every tenant converges, no
tenant/direction ever ran concurrently with itself, no tenant saw a 429 or more
than its budget, nothing is duplicated.

The kill lands in an *update* phase (edits to linked records): a create killed
between the vendor's answer and the link waits out its 10-minute settle time by
design (the chaos tests cover that path on a fake clock); here we prove a dead
worker's cycle is redone by another without harm.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import POSTGRES_ADMIN_URL
from tests.e2e.cluster.served import Pair, Simulators, serve_simulators, tenant_toml
from wfsync.config import load_config

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

TENANTS = 52
WORKERS = 3
COMPANY = "Kund – Företag"
CITIES = ["Stockholm", "Göteborg", "Malmö", "Umeå", "Luleå", "Visby"]
WFSYNC = str(Path(sys.executable).with_name("wfsync"))
REDIS_DB = 9  # this test's own database: it flushes it


@pytest.fixture
def served() -> Iterator[tuple[Simulators, str]]:
    sims = Simulators({})
    with serve_simulators(sims) as base:
        yield sims, base


def _wait_all(results: list[Any], timeout: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    return [r.get(timeout=max(1.0, deadline - time.monotonic())) for r in results]


def test_three_workers_fifty_tenants_a_kill_and_everything_converges(
    served: tuple[Simulators, str],
    tmp_path: Path,
    postgres_url: str,
    redis_url: str,
    secret_key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import redis

    from wfsync.cluster.tasks import make_app
    from wfsync.cluster.tenants import Tenants

    sims, base = served
    rng = random.Random(int(os.environ.get("CLUSTER_SEED", "15")))
    broker = redis_url.rsplit("/", 1)[0] + f"/{REDIS_DB}"
    redis.Redis.from_url(broker).flushdb()
    config = tmp_path / "cluster.toml"
    config.write_text(
        f'[state]\nurl = "{postgres_url}"\nlease_wait_seconds = 60\n\n'
        f'[cluster]\nbroker_url = "{broker}"\nlease_seconds = 6\n'
        "visibility_timeout_seconds = 10\n",
        encoding="utf-8",
    )
    settings = load_config(config, environ={})
    tenants = Tenants.open(settings)
    names = [f"e2e{os.getpid()}-{i:02d}" for i in range(TENANTS)]
    workers: dict[str, subprocess.Popen[bytes]] = {}
    began = time.monotonic()
    try:
        for name in names:
            pair = sims.pairs[name] = Pair(name)
            for i in range(2):
                pair.fortnox.ui.create_customer(Name=f"Bas {name} {i} AB", VisitingCity="Visby")
            tenants.add(name, tenant_toml(pair, base))

        env = dict(os.environ, WFSYNC_SECRET_KEY=secret_key)
        logs = tmp_path / "logs"
        logs.mkdir()
        for i in range(WORKERS):
            wname = f"w{i}"
            workers[wname] = subprocess.Popen(
                [
                    WFSYNC,
                    "--config",
                    str(config),
                    "worker",
                    "--pool",
                    "solo",
                    "--concurrency",
                    "1",
                    "--name",
                    f"{wname}@e2e",
                ],
                env={**env, "WFSYNC_WORKER_NAME": wname},
                stdout=(logs / f"{wname}.out").open("wb"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        print(f"\n{time.monotonic() - began:.1f} s: {TENANTS} tenants added")
        app = make_app(settings)
        imported = _wait_all([app.send_task("wfsync.import", (n,)) for n in names], 90)
        assert {r["result"] for r in imported} == {"ok"}, imported
        # Isolation: one tenant's webCRM token goes bad; it pauses itself after two
        # failing runs, and nobody else notices.
        bad = names[-1]
        broken = tenant_toml(sims.pairs[bad], base).replace(sims.pairs[bad].auth_code, "revoked")
        tenants.replace_config(bad, broken + "\n[alerts]\npause_after_failed_runs = 2\n")
        bad_results: list[str] = []

        def cycle_all(direction: str) -> list[Any]:
            return [app.send_task("wfsync.cycle", (n, direction)) for n in names]

        def check(done: list[dict[str, Any]], direction: str) -> None:
            for result in done:
                if result["tenant"] == bad:
                    if direction == "webcrm":
                        bad_results.append(result["result"])
                else:
                    assert result["result"] in ("ok", "busy"), result

        def both(timeout: float = 60) -> None:
            for direction in ("webcrm", "fortnox"):
                check(_wait_all(cycle_all(direction), timeout), direction)

        print(f"{time.monotonic() - began:.1f} s: imported")
        # Round 1: new customers on both sides, and edits.
        for name in names:
            pair = sims.pairs[name]
            sims.run(
                lambda p=pair, n=name: p.webcrm.ui.create_organisation(
                    OrganisationName=f"Webb {n} AB",
                    OrganisationType=COMPANY,
                    OrganisationCity=rng.choice(CITIES),
                )
            )
            sims.run(
                lambda p=pair, n=name: p.fortnox.ui.create_customer(
                    Name=f"Fortnox {n} AB", VisitingCity=rng.choice(CITIES)
                )
            )
        both()

        def random_updates() -> None:
            for name in names[:-1]:
                pair = sims.pairs[name]
                if rng.random() < 0.5:
                    orgs = [o for o in pair.webcrm.backend.organisations.rows()]
                    org = rng.choice(orgs)
                    sims.run(
                        lambda p=pair, o=org: p.webcrm.ui.update_organisation(
                            o["OrganisationId"], OrganisationCity=rng.choice(CITIES)
                        )
                    )
                else:
                    number = rng.choice(list(pair.fortnox.store.customers))
                    sims.run(
                        lambda p=pair, c=number: p.fortnox.ui.update_customer(
                            c, VisitingCity=rng.choice(CITIES)
                        )
                    )

        print(f"{time.monotonic() - began:.1f} s: round 1 synced")
        # Round 2: edits, and worker w0 killed (SIGKILL) while it holds a cycle.
        random_updates()
        pending = cycle_all("webcrm")
        killed_mid_cycle = _kill_when_holding(tenants, workers["w0"], "w0")
        print(f"{time.monotonic() - began:.1f} s: w0 killed")
        # w0's task comes back to the queue, another runs it
        check(_wait_all(pending, 90), "webcrm")
        print(f"{time.monotonic() - began:.1f} s: the killed worker's cycle redone")
        _wait_all(cycle_all("fortnox"), 60)
        # Settle: edits made, then quiet cycles.
        random_updates()
        both()

        print(f"{time.monotonic() - began:.1f} s: settled")
        problems: list[str] = []
        for name in names:
            problems += _judge(sims.pairs[name], tenants.state_url(name), converge=name != bad)
        assert problems == [], "\n".join(problems[:30])
        assert killed_mid_cycle, "w0 was never seen in the middle of a run"
        assert all(r.startswith("failed") for r in bad_results[:2]), bad_results
        assert bad_results[-1] == "paused", bad_results
        # The run w0 was killed in was closed as interrupted by the next holder.
        assert _interrupted_by(tenants, names, "w0") == 1
    finally:
        for proc in workers.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in workers.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        for name in names:
            with contextlib.suppress(Exception):
                tenants.remove(name, drop_state=True)
        tenants.close()


def _kill_when_holding(tenants: Any, proc: subprocess.Popen[bytes], worker: str) -> bool:
    """SIGKILL ``proc`` while one of its runs is open (started, not finished)."""
    deadline = time.monotonic() + 30
    holding = sa.text(
        "SELECT tenant, direction FROM cluster_leases WHERE holder = :w AND expires_at > now()"
    )
    with tenants.store.engine.connect() as conn:
        while time.monotonic() < deadline:
            held = conn.execute(holding, {"w": worker}).first()
            conn.commit()
            if held is not None:
                schema = tenants.get(held[0]).schema
                running = sa.text(
                    f'SELECT count(*) FROM "{schema}".runs WHERE worker = :w '
                    "AND status = 'running' AND direction = :d"
                )
                for _ in range(200):
                    if conn.execute(running, {"w": worker, "d": held[1]}).scalar_one():
                        os.killpg(proc.pid, signal.SIGKILL)
                        proc.wait(timeout=10)
                        return True
                    conn.commit()
                    time.sleep(0.002)
            time.sleep(0.002)
    os.killpg(proc.pid, signal.SIGKILL)
    return False


def _interrupted_by(tenants: Any, names: list[str], worker: str) -> int:
    total = 0
    engine = sa.create_engine(POSTGRES_ADMIN_URL, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        for name in names:
            schema = tenants.get(name).schema
            total += conn.execute(
                sa.text(
                    f'SELECT count(*) FROM "{schema}".runs WHERE worker = :w '
                    "AND status = 'interrupted'"
                ),
                {"w": worker},
            ).scalar_one()
    engine.dispose()
    return total


def _judge(pair: Pair, state_url: str, *, converge: bool = True) -> list[str]:
    found: list[str] = []
    t = pair.name
    fortnox = {c["Name"]: c for c in pair.fortnox.store.customers.values()}
    names_f = Counter(c["Name"] for c in pair.fortnox.store.customers.values())
    orgs = [o for o in pair.webcrm.backend.organisations.rows() if o["OrganisationType"] == COMPANY]
    names_w = Counter(o["OrganisationName"] for o in orgs)
    found += [f"{t}: Fortnox has {n} × {k!r}" for k, n in names_f.items() if n > 1]
    found += [f"{t}: webCRM has {n} × {k!r}" for k, n in names_w.items() if n > 1]
    if converge and set(names_f) != set(names_w):
        found.append(f"{t}: not converged: {sorted(set(names_f) ^ set(names_w))}")
    for org in orgs:
        other = fortnox.get(org["OrganisationName"])
        if converge and other is not None and other.get("VisitingCity") != org["OrganisationCity"]:
            found.append(
                f"{t}: {org['OrganisationName']}: webCRM {org['OrganisationCity']!r} "
                f"vs Fortnox {other.get('VisitingCity')!r}"
            )
    limited = [r for r in pair.fortnox.requests if r.status == 429]
    limited += [r for r in pair.webcrm.requests if r.status == 429]
    if limited:
        found.append(f"{t}: {len(limited)} answers 429")
    if pair.worst["f"] > 25 or pair.worst["w"] > 250:
        found.append(f"{t}: budget exceeded: {dict(pair.worst)}")
    engine = sa.create_engine(state_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT direction, started_at, finished_at FROM runs ORDER BY started_at")
        ).all()
    engine.dispose()
    intervals: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
    for direction, started, finished in rows:
        intervals[direction].append((started, finished))
    for direction, spans in intervals.items():
        for (s1, f1), (s2, _f2) in itertools.pairwise(spans):
            if f1 is None or f1 > s2:
                found.append(f"{t}: {direction} runs overlap: {s1}–{f1} and {s2}")
    return found
