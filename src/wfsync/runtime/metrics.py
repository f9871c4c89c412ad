"""Prometheus metrics the engine and the scheduler update.

Each :class:`SyncMetrics` owns its **own** registry instead of prometheus-client's
global one: several engines (tenants, tests running in parallel) can live in
one process without "duplicated timeseries" errors, and a test sees only what
it caused. Names and labels are documented in docs/operations.md; dashboards
and alerts depend on them, so treat them as a public interface.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    make_asgi_app,
    start_http_server,
)

__all__ = ["CONTENT_TYPE_LATEST", "MetricsServer", "SyncMetrics", "start_metrics_server"]

#: Cycle durations from a quiet poll (sub-second) to a first import (many minutes).
_CYCLE_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)


class SyncMetrics:
    """Counters and gauges for one wfsync process (or one tenant)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.records_synced = Counter(
            "wfsync_records_synced",
            "Records the engine handled, by kind (customer, article, delivery), "
            "direction (target system) and result (created, updated, unchanged, "
            "conflict, failed, skipped).",
            ["kind", "direction", "result"],
            registry=self.registry,
        )
        self.api_calls = Counter(
            "wfsync_api_calls",
            "HTTP requests sent to a vendor API, by system and method.",
            ["system", "method"],
            registry=self.registry,
        )
        self.cycles = Counter(
            "wfsync_cycles",
            "Sync cycles run, by direction and result (ok, failed).",
            ["direction", "result"],
            registry=self.registry,
        )
        self.cycle_duration = Histogram(
            "wfsync_cycle_duration_seconds",
            "Wall time of one sync cycle, by direction.",
            ["direction"],
            buckets=_CYCLE_BUCKETS,
            registry=self.registry,
        )
        self.last_success = Gauge(
            "wfsync_last_successful_cycle_timestamp_seconds",
            "Unix time at which the last successful cycle of a direction finished.",
            ["direction"],
            registry=self.registry,
        )
        self.open_errors = Gauge(
            "wfsync_open_errors",
            "Records in the error inbox waiting for a retry or a human.",
            registry=self.registry,
        )
        self.open_conflicts = Gauge(
            "wfsync_open_conflicts",
            "Resolved conflicts not yet acknowledged by an admin.",
            registry=self.registry,
        )
        self.token_expiry = Gauge(
            "wfsync_token_expiry_timestamp_seconds",
            "Unix time at which a stored credential expires (alert before it does).",
            ["system", "token"],
            registry=self.registry,
        )
        self._seen_calls: dict[tuple[str, str], int] = {}

    # -- what the engine calls ---------------------------------------------------

    def record(self, kind: str, direction: str, result: str, count: int = 1) -> None:
        """Count ``count`` records of ``kind`` written towards ``direction`` with ``result``."""
        self.records_synced.labels(kind=kind, direction=direction, result=result).inc(count)

    def observe_api_calls(self, system: str, calls: Mapping[str, int]) -> None:
        """Bring ``wfsync_api_calls_total`` up to an ``HttpCore.calls`` tally.

        The HTTP core keeps cumulative per-method counts; this adds only what is
        new since the previous call, so the engine can pass the same counter after
        every cycle without double counting.
        """
        for method, total in calls.items():
            key = (system, method.upper())
            new = total - self._seen_calls.get(key, 0)
            if new > 0:
                self.api_calls.labels(system=system, method=key[1]).inc(new)
            self._seen_calls[key] = max(total, self._seen_calls.get(key, 0))

    def cycle_finished(
        self, direction: str, *, ok: bool, duration_seconds: float, finished_at: datetime
    ) -> None:
        """Record one cycle; a successful one also moves the last-success timestamp."""
        self.cycles.labels(direction=direction, result="ok" if ok else "failed").inc()
        self.cycle_duration.labels(direction=direction).observe(max(0.0, duration_seconds))
        if ok:
            self.last_success.labels(direction=direction).set(finished_at.timestamp())

    def set_open(self, *, errors: int, conflicts: int) -> None:
        """Publish the current size of the error inbox and the conflict list."""
        self.open_errors.set(errors)
        self.open_conflicts.set(conflicts)

    def set_token_expiry(self, system: str, token: str, expires_at: datetime | None) -> None:
        """Publish when a credential expires; ``None`` removes the series (no token)."""
        if expires_at is None:
            with contextlib.suppress(KeyError):
                self.token_expiry.remove(system, token)
            return
        self.token_expiry.labels(system=system, token=token).set(expires_at.timestamp())

    # -- exposition -------------------------------------------------------------

    def render(self) -> bytes:
        """The registry in Prometheus text format (what ``/metrics`` serves)."""
        return bytes(generate_latest(self.registry))

    def asgi_app(self) -> Callable[..., Any]:
        """An ASGI app serving ``/metrics``, to mount in the dashboard (``wfsync serve``)."""
        app: Callable[..., Any] = make_asgi_app(self.registry)
        return app


@dataclass
class MetricsServer:
    """A running stand-alone ``/metrics`` endpoint (a daemon thread)."""

    port: int
    _server: Any

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def start_metrics_server(
    port: int, metrics: SyncMetrics, *, addr: str = "127.0.0.1"
) -> MetricsServer:
    """Serve ``metrics`` on ``http://addr:port/metrics`` from a daemon thread.

    Binds to localhost by default: metrics name tenants and volumes, which is
    nobody else's business; pass ``addr="0.0.0.0"`` to let a remote Prometheus
    scrape. ``port=0`` picks a free port (see :attr:`MetricsServer.port`).
    """
    server, _thread = start_http_server(port, addr=addr, registry=metrics.registry)
    return MetricsServer(port=int(server.server_port), _server=server)
