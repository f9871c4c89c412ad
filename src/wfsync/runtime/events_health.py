"""How each event source is doing: connected since, last event, lag.

An event source that is down is a *warning*, never a stopped sync: polling
carries every change anyway, only slower. So its health is published where an
admin looks — ``wfsync status`` (kept in the state store's ``cursors`` table,
``events`` / ``<source>.health``, because ``status`` is another process) and
Prometheus metrics — and nothing else depends on it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge

from wfsync.clock import Clock
from wfsync.runtime.heartbeat import read_heartbeat
from wfsync.state import StateStore

__all__ = ["EVENT_SOURCES", "EventMetrics", "HealthRecord", "SourceHealth", "read_health"]

EVENT_SOURCES = ("fortnox", "webcrm")
CURSOR_SOURCE = "events"
log = logging.getLogger("wfsync.events")


class EventMetrics:
    """Event-source metrics, registered in the same registry as :class:`SyncMetrics`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.up = Gauge(
            "wfsync_event_source_up",
            "1 while an event source (fortnox WebSocket, webcrm hook receiver) is connected.",
            ["source"],
            registry=registry,
        )
        self.connected_since = Gauge(
            "wfsync_event_source_connected_since_timestamp_seconds",
            "Unix time at which the event source last (re)connected.",
            ["source"],
            registry=registry,
        )
        self.last_event = Gauge(
            "wfsync_event_last_timestamp_seconds",
            "Unix time at which the last event of a source was processed.",
            ["source"],
            registry=registry,
        )
        self.lag = Gauge(
            "wfsync_event_lag_seconds",
            "Seconds from the change (as the vendor stamped it) to its event being processed.",
            ["source"],
            registry=registry,
        )
        self.events = Counter(
            "wfsync_events",
            "Events received, by source and result (synced, ignored, duplicate, failed).",
            ["source", "result"],
            registry=registry,
        )
        self.reconnects = Counter(
            "wfsync_event_reconnects",
            "Times an event source lost its connection and had to reconnect.",
            ["source"],
            registry=registry,
        )


@dataclass
class HealthRecord:
    """What ``wfsync status`` shows for one source (JSON in the state store)."""

    state: str = "down"  # connected | down | stopped
    connected_since: str | None = None
    last_event_at: str | None = None
    lag_seconds: float | None = None
    events: int = 0
    error: str | None = None
    updated_at: str | None = None


@dataclass
class SourceHealth:
    """Live health of one source; every change is saved for ``wfsync status``."""

    source: str
    store: StateStore
    clock: Clock
    metrics: EventMetrics | None = None
    record: HealthRecord = field(default_factory=HealthRecord)

    def connected(self) -> None:
        now = self.clock.now()
        self.record.state, self.record.error = "connected", None
        self.record.connected_since = now.isoformat()
        if self.metrics is not None:
            self.metrics.up.labels(self.source).set(1)
            self.metrics.connected_since.labels(self.source).set(now.timestamp())
        self._save()

    def disconnected(self, reason: str) -> None:
        was_up = self.record.state == "connected"
        self.record.state, self.record.error = "down", reason
        self.record.connected_since = None
        if self.metrics is not None:
            self.metrics.up.labels(self.source).set(0)
            if was_up:
                self.metrics.reconnects.labels(self.source).inc()
        self._save()

    def stopped(self) -> None:
        """``wfsync run`` ended: no events until it runs again (not a fault)."""
        self.record.state, self.record.error = "stopped", None
        self.record.connected_since = None
        if self.metrics is not None:
            self.metrics.up.labels(self.source).set(0)
        self._save()

    def event(self, result: str, occurred_at: datetime | None = None) -> None:
        """One event handled with ``result``; ``occurred_at`` gives the lag."""
        if self.metrics is not None:
            self.metrics.events.labels(self.source, result).inc()
        if result not in ("synced", "ignored"):
            return
        now = self.clock.now()
        self.record.events += 1
        self.record.last_event_at = now.isoformat()
        if occurred_at is not None:
            self.record.lag_seconds = round(max(0.0, (now - occurred_at).total_seconds()), 3)
        if self.metrics is not None:
            self.metrics.last_event.labels(self.source).set(now.timestamp())
            if self.record.lag_seconds is not None:
                self.metrics.lag.labels(self.source).set(self.record.lag_seconds)
        self._save()

    def _save(self) -> None:
        """Best effort: health is for people; a state store that is briefly away must
        not end the event source that reports it (its next save catches up)."""
        self.record.updated_at = self.clock.now().isoformat()
        try:
            self.store.set_cursor(
                CURSOR_SOURCE, f"{self.source}.health", json.dumps(asdict(self.record))
            )
        except Exception as exc:
            log.warning("%s events: health not saved (%s)", self.source, exc)


def read_health(store: StateStore, now: datetime) -> dict[str, dict[str, Any]]:
    """Each source's last saved health (for ``wfsync status``); absent ones are left out.

    A ``wfsync run`` killed without a chance to say so (``kill -9``, a power cut)
    leaves its sources saved as connected; with no live heartbeat from a runner,
    such a source is shown as stopped, with the reason."""
    found: dict[str, dict[str, Any]] = {}
    beat = read_heartbeat(store)
    runner_alive = beat is not None and beat.alive(now)
    for source in EVENT_SOURCES:
        raw = store.get_cursor(CURSOR_SOURCE, f"{source}.health")
        if not raw:
            continue
        try:
            health = json.loads(raw)
        except ValueError:
            logging.getLogger("wfsync.events").warning("unreadable %s event health", source)
            continue
        if health.get("state") == "connected" and not runner_alive:
            last = f" since {beat.at:%Y-%m-%d %H:%M} UTC" if beat is not None else ""
            health = {
                **health,
                "state": "stopped",
                "connected_since": None,
                "error": f"wfsync run ended without closing its connections (no heartbeat{last})",
            }
        found[source] = health
    return found
