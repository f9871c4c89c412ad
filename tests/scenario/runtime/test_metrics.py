"""Prometheus metrics: names, labels and values as dashboards and alerts read them."""

from __future__ import annotations

import urllib.request
from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from wfsync.runtime.metrics import SyncMetrics, start_metrics_server


def samples(metrics: SyncMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_records_and_cycles_are_counted_by_their_labels() -> None:
    metrics = SyncMetrics()
    metrics.record("customer", "fortnox", "created")
    metrics.record("customer", "fortnox", "created", 2)
    metrics.record("delivery", "webcrm", "failed")
    finished = datetime(2026, 1, 15, 9, 6, 20, tzinfo=UTC)
    metrics.cycle_finished("webcrm", ok=True, duration_seconds=20.0, finished_at=finished)
    metrics.cycle_finished("fortnox", ok=False, duration_seconds=3.0, finished_at=finished)
    seen = samples(metrics)
    created = (("direction", "fortnox"), ("kind", "customer"), ("result", "created"))
    assert seen[("wfsync_records_synced_total", created)] == 3
    failed = (("direction", "webcrm"), ("kind", "delivery"), ("result", "failed"))
    assert seen[("wfsync_records_synced_total", failed)] == 1
    assert seen[("wfsync_cycles_total", (("direction", "webcrm"), ("result", "ok")))] == 1
    assert seen[("wfsync_cycles_total", (("direction", "fortnox"), ("result", "failed")))] == 1
    last = seen[("wfsync_last_successful_cycle_timestamp_seconds", (("direction", "webcrm"),))]
    assert last == finished.timestamp()
    # A failed cycle does not pretend to be a success.
    assert (
        "wfsync_last_successful_cycle_timestamp_seconds",
        (("direction", "fortnox"),),
    ) not in seen
    assert seen[("wfsync_cycle_duration_seconds_sum", (("direction", "webcrm"),))] == 20.0


def test_api_calls_follow_the_http_core_tally_without_double_counting() -> None:
    metrics = SyncMetrics()
    calls: Counter[str] = Counter({"GET": 4, "POST": 1})
    metrics.observe_api_calls("fortnox", calls)
    calls.update({"GET": 2, "PUT": 1})
    metrics.observe_api_calls("fortnox", calls)
    metrics.observe_api_calls("fortnox", calls)  # nothing new
    seen = samples(metrics)
    assert seen[("wfsync_api_calls_total", (("method", "GET"), ("system", "fortnox")))] == 6
    assert seen[("wfsync_api_calls_total", (("method", "POST"), ("system", "fortnox")))] == 1
    assert seen[("wfsync_api_calls_total", (("method", "PUT"), ("system", "fortnox")))] == 1


def test_open_issues_and_token_expiry_gauges() -> None:
    metrics = SyncMetrics()
    metrics.set_open(errors=3, conflicts=1)
    expires = datetime(2026, 2, 1, tzinfo=UTC)
    metrics.set_token_expiry("fortnox", "refresh_token", expires)
    seen = samples(metrics)
    assert seen[("wfsync_open_errors", ())] == 3
    assert seen[("wfsync_open_conflicts", ())] == 1
    key = (
        "wfsync_token_expiry_timestamp_seconds",
        (("system", "fortnox"), ("token", "refresh_token")),
    )
    assert seen[key] == expires.timestamp()
    metrics.set_token_expiry("fortnox", "refresh_token", None)
    metrics.set_token_expiry("webcrm", "access_token", None)  # never set: no error
    assert key not in samples(metrics)


def test_each_instance_has_its_own_registry() -> None:
    first, second = SyncMetrics(), SyncMetrics()
    first.record("article", "webcrm", "updated")
    assert not any(name == "wfsync_records_synced_total" for name, _ in samples(second))


async def test_asgi_app_serves_the_text_format() -> None:
    metrics = SyncMetrics()
    metrics.set_open(errors=7, conflicts=0)
    transport = httpx.ASGITransport(app=metrics.asgi_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://metrics") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "wfsync_open_errors 7.0" in response.text


@pytest.mark.slow
def test_standalone_server_serves_metrics_on_localhost() -> None:
    metrics = SyncMetrics()
    metrics.record("customer", "webcrm", "updated")
    server = start_metrics_server(0, metrics)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/metrics", timeout=5) as reply:
            body = reply.read().decode()
    finally:
        server.close()
    assert (
        'wfsync_records_synced_total{direction="webcrm",kind="customer",result="updated"} 1.0'
        in body
    )
