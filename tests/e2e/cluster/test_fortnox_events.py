"""Fortnox events in the cluster: one WebSocket carries every tenant of the
integration, and each event becomes *that* tenant's targeted sync under its
lease — an edit crosses without any poll (real PostgreSQL and Redis, the
simulators served on a port, the event hub shared by both tenants' Fortnox)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.cluster.conftest import unique
from tests.e2e.cluster.served import Pair, Simulators, serve_simulators, tenant_toml
from wfsync.config import load_config
from wfsync.state import StateStore

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

COMPANY = {"OrganisationType": "Kund – Företag"}


def _toml(pair: Pair, base: str) -> str:
    ws = base.replace("http://", "ws://") + "/events/topics-v1"
    text = tenant_toml(pair, base).replace("[events]\nenabled = false\n", "")
    return text.replace("[webcrm]", f'websocket_url = "{ws}"\n\n[webcrm]', 1)


async def _until(condition: Callable[[], object], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition never became true")
        await asyncio.sleep(0.05)


def test_one_connection_carries_every_tenant_and_each_event_syncs_its_own_tenant(
    tenants: Any, cluster_config: Path, redis_url: str
) -> None:
    import redis

    from wfsync.cluster.fortnox_events import ClusterFortnoxEvents
    from wfsync.cluster.worker import WorkerRuntime

    settings = load_config(cluster_config, environ={})
    one, two = unique("fx"), unique("fx")
    pairs = {one: Pair(one, tenant_id="5550001"), two: Pair(two, tenant_id="5550002")}
    hub = pairs[one].fortnox.events
    pairs[two].fortnox.publish_events_to(hub)
    sims = Simulators(pairs, events=hub)
    client = redis.Redis.from_url(redis_url)
    prefix = f"wfsync-test:{uuid.uuid4().hex}"
    runtime = WorkerRuntime(settings, name="events-test")
    outcomes: list[dict[str, Any]] = []

    def claim(key: str, seconds: float) -> bool:
        return bool(client.set(f"{prefix}:{key}", "1", nx=True, px=int(seconds * 1000)))

    def release(key: str) -> None:
        client.delete(f"{prefix}:{key}")

    def dispatch(tenant: str, entity: str, record_id: str, countdown: float) -> None:
        # What the wfsync.record task runs on a worker (``countdown`` later: here at once).
        outcomes.append(runtime.run(tenant, "fortnox", record=("fortnox", entity, record_id)))

    with serve_simulators(sims) as base:
        numbers: dict[str, str] = {}
        orgs: dict[str, int] = {}
        for name, pair in pairs.items():
            tenants.add(name, _toml(pair, base))
            assert runtime.run(name, "import")["result"] == "ok"
            orgs[name] = sims.run(
                lambda p=pair, n=name: p.webcrm.ui.create_organisation(
                    OrganisationName=f"Kund {n}", **COMPANY
                )
            )
            assert runtime.run(name, "webcrm")["result"] == "ok"
            state = StateStore.open(tenants.state_url(name))
            link = state.get_link("customer", webcrm_id=str(orgs[name]))
            state.close()
            assert link is not None and link.fortnox_id is not None
            numbers[name] = link.fortnox_id
        events = ClusterFortnoxEvents(tenants, dispatch, claim, release, check_seconds=0.2)

        async def scenario() -> None:
            stop = asyncio.Event()
            task = asyncio.create_task(events.run(stop))
            try:
                await _until(
                    lambda: any(
                        g.stream is not None and len(g.stream.tokens) == 2
                        for g in events.groups.values()
                    )
                )
                sims.run(
                    lambda: pairs[two].fortnox.ui.update_customer(
                        numbers[two], VisitingCity="Visby"
                    )
                )
                sims.run(
                    lambda: pairs[one].fortnox.ui.update_customer(numbers[one], VisitingCity="Mora")
                )
                city = "OrganisationCity"
                await _until(lambda: pairs[two].webcrm.ui.organisation(orgs[two])[city] == "Visby")
                await _until(lambda: pairs[one].webcrm.ui.organisation(orgs[one])[city] == "Mora")
            finally:
                stop.set()
                await task

        try:
            asyncio.run(scenario())
        finally:
            client.close()
            runtime.close()

    assert hub.connections == 1  # one connection for both tenants of the integration
    assert len(events.groups) == 0  # stopped
    assert {o["tenant"] for o in outcomes} == {one, two}
    assert all(o["result"] == "ok" for o in outcomes), outcomes
    # The offsets are the cluster's, stored after each event's task was sent.
    stored = [
        tenants.store.get_cursor("events", f"fortnox.{key}.customers")
        for key in {i.key for i, _ in events.integrations().values()}
    ]
    assert stored == [hub.log["customers"][-1].offset]


def test_a_record_task_waits_for_a_busy_direction_then_leaves_it_to_the_poll(
    tenants: Any, cluster_config: Path, tmp_path: Path
) -> None:
    from wfsync.clock import SystemClock
    from wfsync.cluster.lease import ClusterLeases
    from wfsync.cluster.tasks import RECORD_RETRIES, make_app

    settings = load_config(cluster_config, environ={})
    name = unique("busy")
    tenants.add(name, _plain_toml())
    holder = ClusterLeases(tenants.store, seconds=60, clock=SystemClock())
    ticket = holder.try_acquire(name, "fortnox", "a long cycle")
    assert ticket is not None
    app = make_app(settings)
    try:
        result = app.tasks["wfsync.record"].apply(args=(name, "fortnox", "customer", "7")).get()
    finally:
        holder.release(ticket)
    # Tried RECORD_RETRIES more times while the cycle held the lease, then given up
    # quietly (the poll meets the record), not failed with a traceback.
    assert result["result"] == "busy"
    assert app.tasks["wfsync.record"].max_retries == RECORD_RETRIES


def _plain_toml() -> str:
    return (
        '[fortnox]\nbase_url = "http://127.0.0.1:9/3"\nclient_id = "id"\n'
        'client_secret = "very-secret-value"\n\n[webcrm]\nauth_code = "webcrm-secret-code"\n'
    )


def test_a_record_task_never_waits_on_the_tenants_other_direction(
    tenants: Any, cluster_config: Path
) -> None:
    from wfsync.clock import SystemClock
    from wfsync.cluster.worker import WorkerRuntime
    from wfsync.state.lease import WriterLease

    settings = load_config(cluster_config, environ={})
    name = unique("busy")
    tenants.add(name, _plain_toml())
    state = StateStore.open(tenants.state_url(name))
    state.set_cursor("webcrm", "organisations", "2026-01-01T00:00:00+00:00")  # imported
    other = WriterLease(state, "the webCRM cycle", clock=SystemClock())
    other.acquire_blocking(wait=1)  # the tenant's webCRM cycle is writing
    runtime = WorkerRuntime(settings, name="events-test")
    try:
        outcome = runtime.run(name, "fortnox", record=("fortnox", "customer", "7"))
    finally:
        other.release()
        runtime.close()
        state.close()
    # At once, not after the single-tenant 30 s wait: the task is sent again later.
    assert outcome["result"] == "busy"
