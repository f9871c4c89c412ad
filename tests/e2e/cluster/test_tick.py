"""The scheduler's tick on the real Redis and PostgreSQL: it sends each due slot of
every enabled tenant once, however often it ticks (two schedulers, a restart)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.cluster.conftest import tenant_toml, unique
from wfsync.config import load_config

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
REDIS_DB = 10  # this test's own database: it flushes it


def test_a_tick_sends_each_due_slot_once_and_skips_disabled_tenants(
    tenants: Any, tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    import redis

    from wfsync.cluster.schedule import due
    from wfsync.cluster.tasks import _RUNTIME, CATCH_UP_SECONDS, make_app

    broker = redis_url.rsplit("/", 1)[0] + f"/{REDIS_DB}"
    client = redis.Redis.from_url(broker)
    client.flushdb()
    config = tmp_path / "cluster.toml"
    config.write_text(
        f'[state]\nurl = "{postgres_url}"\n\n[cluster]\nbroker_url = "{broker}"\n',
        encoding="utf-8",
    )
    names = [unique("tick") for _ in range(30)]
    for name in names:
        tenants.add(name, tenant_toml(tmp_path, name).read_text())
    tenants.set_enabled(names[0], False)
    app = make_app(load_config(config, environ={}))
    _RUNTIME.clear()
    try:
        tick = app.tasks["wfsync.tick"]
        runtime_clock_now = __import__("time").time()
        expected = due(
            names[1:], runtime_clock_now, period=360, offset=180, catch_up=CATCH_UP_SECONDS
        )
        first = tick()
        second = tick()
        assert first >= len(expected) - 2 and first > 0  # a slot may start between the two
        assert second <= 2
        queued = client.llen("celery")
        assert queued == first + second
        sent = [_args(m) for m in client.lrange("celery", 0, -1)]
        assert names[0] not in {tenant for tenant, _, _ in sent}  # disabled
        assert len(set(sent)) == len(sent)  # no slot twice
        assert {(s.tenant, s.direction) for s in expected} <= {(t, d) for t, d, _ in sent}
    finally:
        runtime = _RUNTIME.pop("current", None)
        if runtime is not None:
            runtime.close()
        client.flushdb()
        client.close()


def _args(message: bytes) -> tuple[str, str, int]:
    import base64
    import json

    body = json.loads(base64.b64decode(json.loads(message)["body"]))
    tenant, direction, slot = body[0]
    return tenant, direction, slot


def test_a_cycle_redelivered_after_later_slots_ran_is_dropped_as_stale(
    tenants: Any, tmp_path: Path, cluster_config: Path
) -> None:
    import time

    from wfsync.cluster.schedule import current_index
    from wfsync.cluster.tasks import _RUNTIME, make_app

    name = unique("stale")
    tenants.add(name, tenant_toml(tmp_path, name).read_text())
    app = make_app(load_config(cluster_config, environ={}))
    _RUNTIME.clear()
    now = current_index(name, "webcrm", time.time(), period=360.0, offset=180.0)
    try:
        stale = app.tasks["wfsync.cycle"].apply(args=(name, "webcrm", now - 3)).get()
        # The slot before this one may still run (a quick redelivery); older ones not.
        recent = app.tasks["wfsync.cycle"].apply(args=(name, "webcrm", now - 1)).get()
    finally:
        for runtime in _RUNTIME.values():
            runtime.close()
        _RUNTIME.clear()
    assert stale["result"] == "stale slot"
    assert recent["result"] != "stale slot"
