"""A worker whose lease is taken over in the middle of a run (it was too slow or
stalled) stops: no more state writes, no more vendor calls (real PostgreSQL and
Redis, simulators served on a local port)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.e2e.cluster.conftest import unique
from tests.e2e.cluster.served import Pair, Simulators, serve_simulators, tenant_toml
from wfsync.config import load_config

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def test_a_run_that_loses_its_lease_stops_and_writes_nothing_more(
    tenants: Any, cluster_config: Path
) -> None:
    from wfsync.cluster.lease import ClusterLeases
    from wfsync.cluster.worker import WorkerRuntime

    text = cluster_config.read_text().replace("[cluster]\n", "[cluster]\nlease_seconds = 5\n")
    cluster_config.write_text(text)
    settings = load_config(cluster_config, environ={})
    sims = Simulators({})
    name = unique("slow")
    with serve_simulators(sims) as base:
        pair = sims.pairs[name] = Pair(name)
        for i in range(3):
            pair.fortnox.ui.create_customer(Name=f"Kund {i} AB")
        tenants.add(name, tenant_toml(pair, base))
        runtime = WorkerRuntime(settings, name="slowpoke")
        thief = ClusterLeases(tenants.store, seconds=60, clock=runtime.clock)
        try:
            assert runtime.run(name, "import")["result"] == "ok"
            for i in range(3):
                sims.run(
                    lambda i=i: pair.webcrm.ui.create_organisation(
                        OrganisationName=f"Ny {i} AB", OrganisationType="Kund – Företag"
                    )
                )
            pair.delay = 0.4  # every answer slow: the cycle outlives its lease

            def steal(tenant: str, direction: str) -> None:
                def go() -> None:
                    with tenants.store.engine.begin() as conn:
                        conn.execute(
                            sa.text(
                                "UPDATE cluster_leases SET expires_at = now() - interval '1 s' "
                                "WHERE tenant = :t AND direction = :d"
                            ),
                            {"t": tenant, "d": direction},
                        )
                    assert thief.try_acquire(tenant, direction, "thief") is not None

                threading.Timer(0.5, go).start()

            runtime.on_start = steal
            before = len(pair.fortnox.requests)
            outcome = runtime.run(name, "webcrm")
            assert outcome["result"] == "lease lost", outcome
            # Nothing written to Fortnox after the lease was gone (the three creates).
            assert [r for r in pair.fortnox.requests[before:] if r.is_write] == []
            names = {c["Name"] for c in pair.fortnox.store.customers.values()}
            assert not {"Ny 0 AB", "Ny 1 AB", "Ny 2 AB"} <= names
            holder = thief.holder(name, "webcrm")
            assert holder is not None and holder[0] == "thief"
        finally:
            runtime.close()
