"""One tenant's 429 storm holds a shared worker process only briefly and, when it
lasts, pauses that tenant alone; the other tenant's cycles go on (real PostgreSQL
and Redis, the simulators served on a port)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.cluster.conftest import unique
from tests.e2e.cluster.served import Pair, Simulators, serve_simulators, tenant_toml
from wfsync.config import load_config

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def test_a_tenant_in_a_429_storm_ends_its_cycles_early_and_is_paused_alone(
    tenants: Any, cluster_config: Path
) -> None:
    from wfsync.cluster.worker import WorkerRuntime

    settings = load_config(cluster_config, environ={})
    stormy, calm = unique("storm"), unique("calm")
    pairs = {stormy: Pair(stormy), calm: Pair(calm)}
    sims = Simulators(pairs)
    runtime = WorkerRuntime(settings, name="isolation", storm_wait=2.5)
    with serve_simulators(sims) as base:
        for name, pair in pairs.items():
            text = tenant_toml(pair, base) + "\n[alerts]\npause_after_failed_runs = 2\n"
            tenants.add(name, text)
            assert runtime.run(name, "import")["result"] == "ok"
        # Fortnox answers this tenant 429 to everything from now on (a 429 costs a
        # whole 5 s window: more than this run's 2.5 s of waiting).
        pairs[stormy].fortnox.faults.add("/3/", status=429, retry_after=1, times=None)
        try:
            first = runtime.run(stormy, "fortnox")
            assert first["result"].startswith("failed:")
            assert "keeps asking us to wait" in first["result"]
            assert "2.5 s budget" in first["result"]
            assert runtime.run(calm, "fortnox")["result"] == "ok"
            second = runtime.run(stormy, "fortnox")
            assert second["result"].startswith("failed:")
            # Two failing runs in a row: that tenant's direction is paused, and skipped.
            assert runtime.run(stormy, "fortnox")["result"] == "paused"
            assert runtime.run(calm, "fortnox")["result"] == "ok"
            assert runtime.run(calm, "webcrm")["result"] == "ok"
            refused = [r for r in pairs[stormy].fortnox.requests if r.status == 429]
            assert len(refused) == 2  # one per failed run: no run sat out the storm
        finally:
            runtime.close()
