"""Every tenant at a glance: what a hosting partner looks at first.

One row per tenant — enabled, each direction's newest run (and the worker
that ran it), paused directions with their reason, open error-inbox entries —
and one word for it (:attr:`TenantHealth.state`) that sorts the ones needing a
person to the top. ``wfsync tenants list`` prints it and the cluster console's
``/tenants`` page shows it. It reads each tenant's own state (one short
connection per tenant) and never needs the secret key: nothing here is secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from wfsync.cluster.tenants import Tenant, Tenants, tenant_state_url
from wfsync.runtime.pause import paused, run_failed
from wfsync.state import StateStore
from wfsync.state.records import RunRecord

__all__ = ["TenantHealth", "overview"]

DIRECTIONS: Final = ("webcrm", "fortnox")
#: States in the order a person should look at them.
URGENCY: Final = ("unreadable", "paused", "failing", "attention", "never run", "ok", "disabled")


@dataclass(frozen=True)
class TenantHealth:
    name: str
    enabled: bool
    last_runs: dict[str, RunRecord]
    paused: dict[str, str]
    open_failures: int
    error: str | None = None

    @property
    def state(self) -> str:
        """One word: unreadable, paused, failing, attention (inbox), never run, ok, disabled."""
        if self.error is not None:
            return "unreadable"
        if not self.enabled:
            return "disabled"
        if self.paused:
            return "paused"
        if any(run_failed(run) for run in self.last_runs.values()):
            return "failing"
        if self.open_failures:
            return "attention"
        return "ok" if self.last_runs else "never run"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "enabled": self.enabled,
            "state": self.state,
            "paused": self.paused,
            "open_failures": self.open_failures,
            "last_runs": {
                direction: {
                    "status": run.status,
                    "started_at": run.started_at.isoformat(),
                    "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                    "worker": run.worker,
                    "error": run.error,
                }
                for direction, run in self.last_runs.items()
            },
            "error": self.error,
        }


def overview(tenants: Tenants) -> list[TenantHealth]:
    """Every tenant's health, those needing a person first (then by name)."""
    rows = [_health(tenants.cluster_url, tenant) for tenant in tenants.list()]
    return sorted(rows, key=lambda h: (URGENCY.index(h.state), h.name))


def _health(cluster_url: str, tenant: Tenant) -> TenantHealth:
    try:
        store = StateStore.open(tenant_state_url(cluster_url, tenant.schema), pool_size=1)
    except Exception as exc:  # a schema gone or unreachable: shown, never fatal
        return TenantHealth(tenant.name, tenant.enabled, {}, {}, 0, error=_line(exc))
    try:
        # Per direction: event runs (one per targeted sync) must not crowd them out.
        last = {d: run for d in DIRECTIONS if (run := store.last_run(d)) is not None}
        held = {d: str(note.get("reason")) for d in DIRECTIONS if (note := paused(store, d))}
        return TenantHealth(tenant.name, tenant.enabled, last, held, len(store.failures("open")))
    except Exception as exc:
        return TenantHealth(tenant.name, tenant.enabled, {}, {}, 0, error=_line(exc))
    finally:
        store.close()


def _line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
