"""A seeded chaos run small enough for CI: random edits on both sides, faults, killed
runs, then quiet cycles; the end state must keep every promise (tests/chaos.py).

Replay a failing seed with ``CHAOS_SEED=<seed> pytest tests/scenario/sync/test_chaos.py``;
``benchmarks/chaos.py`` runs the same with thousands of edits.
"""

from __future__ import annotations

import os

import pytest

from tests.chaos import Chaos
from tests.scenario.sync.conftest import World

SEEDS = [int(os.environ["CHAOS_SEED"])] if "CHAOS_SEED" in os.environ else [1, 2, 3]


@pytest.mark.parametrize("seed", SEEDS)
async def test_chaos_keeps_every_promise(world: World, seed: int) -> None:
    chaos = Chaos(world, seed)
    await chaos.prepare()
    for _ in range(12):
        await chaos.round(edits=8)
    await chaos.settle()
    problems = await chaos.problems()
    assert problems == [], f"seed {seed} ({dict(chaos.counts)}):\n" + "\n".join(problems)
    for _ in range(2):
        assert await chaos.quiet_writes() == 0, f"seed {seed}: not stable when quiet"
