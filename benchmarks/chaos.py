"""Benchmark: the big seeded chaos run (the CI test is its small brother).

Thousands of random human edits on both simulators — customers, Types in and
out of the synced ones, inactive customers, price changes, deliveries and
lines, invoicing and booking — with injected 429/5xx/timeouts, answers lost
after the server acted, dropped connections (before or after it acted), 401s,
creates that land minutes late, malformed bodies and runs killed at random
requests; then quiet cycles. Judged on both sides by
``tests/chaos.py``: equal per the mapping, no lost edit, no duplicate, no write
to a booked invoice or to Fortnox articles/prices, zero writes when quiet.

    .venv/bin/python benchmarks/chaos.py [--seeds 1-20] [--rounds 60] [--edits 40]
        [--state postgresql+psycopg://postgres@127.0.0.1:5432/test]

Prints one line per seed and exits 1 if any seed broke a promise (replay one
with ``--seeds N``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.chaos import Chaos
from tests.scenario.sync.conftest import World

from wfsync.clock import FakeClock


def seeds(spec: str) -> list[int]:
    first, _, last = spec.partition("-")
    return list(range(int(first), int(last or first) + 1))


async def one(seed: int, rounds: int, edits: int, state_url: str) -> tuple[list[str], Chaos]:
    world = World.create(state_url, FakeClock())
    try:
        chaos = Chaos(world, seed)
        await chaos.prepare(customers=20)
        for _ in range(rounds):
            await chaos.round(edits=edits)
        await chaos.settle()
        problems = await chaos.problems()
        for _ in range(2):
            if writes := await chaos.quiet_writes():
                problems.append(f"{writes} writes in a quiet cycle")
        return problems, chaos
    finally:
        world.store.close()


@contextlib.contextmanager
def fresh_state(state: str, tmp: str, seed: int) -> Iterator[str]:
    """An empty state store per seed: a SQLite file, or a new schema of the given
    PostgreSQL database (dropped afterwards) — a seed must not meet another's links."""
    if not state:
        yield f"sqlite:///{Path(tmp) / 'chaos.db'}"
        return
    if not state.startswith("postgresql"):
        raise SystemExit("--state takes a postgresql+psycopg:// URL (SQLite is the default)")
    import sqlalchemy as sa

    schema = f"chaos_{seed}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(state, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        joiner = "&" if "?" in state else "?"
        yield f"{state}{joiner}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1-10")
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--edits", type=int, default=40)
    parser.add_argument(
        "--state",
        default="",
        help="a PostgreSQL URL: each seed gets a fresh schema in it (default: SQLite files)",
    )
    args = parser.parse_args()
    broken = 0
    total_edits = 0
    for seed in seeds(args.seeds):
        with tempfile.TemporaryDirectory() as tmp, fresh_state(args.state, tmp, seed) as url:
            started = time.perf_counter()
            problems, chaos = asyncio.run(one(seed, args.rounds, args.edits, url))
        total_edits += sum(
            n for key, n in chaos.counts.items() if key not in ("killed",) and "failed" not in key
        )
        verdict = "ok" if not problems else f"BROKEN ({len(problems)})"
        print(
            f"seed {seed}: {verdict} — {args.rounds * args.edits} edits, {chaos.faults} faults, "
            f"{chaos.counts['killed']} killed runs, {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        for problem in problems[:20]:
            print(f"    {problem}")
        broken += bool(problems)
    print(f"{total_edits} edits in all; {broken} seed(s) broke a promise")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
