"""What `wfsync status` shows: the admin's one-screen answer to "what happened?"."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from wfsync.cli.app import err_console
from wfsync.runtime.events_health import read_health
from wfsync.state import Failure, StateStore

__all__ = ["collect_status", "print_status"]

DIRECTIONS = ("webcrm", "fortnox", "import", "retry", "event")


def collect_status(store: StateStore) -> dict[str, Any]:
    runs = {}
    for direction in DIRECTIONS:
        run = store.last_run(direction)
        if run is not None:
            completed = run.status == "ok"
            runs[direction] = {
                "started_at": run.started_at,
                "finished_at": run.finished_at,
                "status": run.status,
                "counts": run.counts,
                "error": None if completed else run.error,
                # A completed run's note holds its warnings, one per line.
                "warnings": (run.error or "").splitlines() if completed else [],
            }
    links: dict[str, dict[str, int]] = {}
    paused = []
    inactive = []
    for kind in ("customer", "article", "delivery"):
        for link in store.links(kind):
            if kind == "customer" and (link.fortnox_snapshot or {}).get("active") is False:
                name = (link.fortnox_snapshot or {}).get("name")
                inactive.append(
                    {"webcrm_id": link.webcrm_id, "fortnox_id": link.fortnox_id, "name": name}
                )
            links.setdefault(kind, {}).setdefault(link.state, 0)
            links[kind][link.state] += 1
            if link.state != "active":
                paused.append(
                    {
                        "kind": kind,
                        "webcrm_id": link.webcrm_id,
                        "fortnox_id": link.fortnox_id,
                        "reason": link.note,
                    }
                )
    failures = [_failure_row(f) for f in store.failures(status="open")]
    skipped = [_failure_row(f) for f in store.failures(status="skipped")]
    return {
        "imported": store.get_cursor("webcrm", "organisations") is not None,
        "runs": runs,
        "links": links,
        "paused": paused,
        # Inactive in Fortnox: still linked and synced, shown so nobody wonders.
        "inactive_customers": inactive,
        "errors": failures,
        # Skipped by an admin: not retried until the record is edited or unskipped.
        "skipped": skipped,
        "open_conflicts": len(store.conflicts()),
        # Event sources of `wfsync run` (docs/events.md): a dead one is a warning only.
        "events": read_health(store),
    }


def _failure_row(f: Failure) -> dict[str, Any]:
    return {
        "id": f.id,
        "kind": f.kind,
        "source": f.source,
        "source_id": f.source_id,
        "operation": f.operation,
        "message": f.message,
        "code": f.code,
        "attempts": f.attempts,
        "first_seen": f.first_seen,
        "last_seen": f.last_seen,
    }


def print_status(status: dict[str, Any]) -> None:
    if not status["imported"]:
        err_console.print("[yellow]no import yet:[/] run `wfsync import` to start syncing")
    runs = Table(title="last runs")
    for column in ("direction", "status", "finished", "what happened"):
        runs.add_column(column)
    for direction, run in status["runs"].items():
        counts = ", ".join(f"{k} {v}" for k, v in sorted(run["counts"].items())) or "nothing"
        if run["error"]:
            counts = f"{counts}; error: {run['error']}"
        for warning in run["warnings"]:
            counts = f"{counts}\nwarning: {warning}"
        runs.add_row(direction, run["status"], str(run["finished_at"] or "running"), counts)
    err_console.print(runs)
    links = Table(title="links")
    links.add_column("kind")
    links.add_column("active", justify="right")
    links.add_column("paused", justify="right")
    for kind, states in status["links"].items():
        links.add_row(kind, str(states.get("active", 0)), str(states.get("paused", 0)))
    err_console.print(links)
    if status["paused"]:
        paused = Table(title="not syncing (kept, nothing deleted)")
        for column in ("kind", "webCRM", "Fortnox", "why"):
            paused.add_column(column)
        for row in status["paused"]:
            paused.add_row(
                row["kind"], str(row["webcrm_id"]), str(row["fortnox_id"]), str(row["reason"])
            )
        err_console.print(paused)
    if status["inactive_customers"]:
        names = ", ".join(
            f"{row['name']} (Fortnox {row['fortnox_id']})" for row in status["inactive_customers"]
        )
        err_console.print(f"inactive in Fortnox (still linked): {names}", highlight=False)
    if status["errors"]:
        errors = Table(title="error inbox (retried every cycle; `wfsync retry`, `wfsync skip ID`)")
        for column in ("id", "record", "what", "message", "tries"):
            errors.add_column(column)
        for row in status["errors"]:
            errors.add_row(
                str(row["id"]),
                f"{row['kind']} {row['source']} {row['source_id']}",
                row["operation"],
                row["message"],
                str(row["attempts"]),
            )
        err_console.print(errors)
    else:
        err_console.print("error inbox: empty")
    if status["skipped"]:
        skipped = Table(title="skipped (not retried until edited; `wfsync unskip ID`)")
        for column in ("id", "record", "message"):
            skipped.add_column(column)
        for row in status["skipped"]:
            skipped.add_row(
                str(row["id"]), f"{row['kind']} {row['source']} {row['source_id']}", row["message"]
            )
        err_console.print(skipped)
    err_console.print(f"open conflicts: {status['open_conflicts']} (see `wfsync conflicts`)")
    print_events(status.get("events") or {})


def print_events(events: dict[str, Any]) -> None:
    """Event sources: connected since, last event, lag; a dead one is a warning."""
    if not events:
        return
    table = Table(title="event sources (near-real-time; polling is the safety net)")
    for column in ("source", "state", "since", "last event", "lag"):
        table.add_column(column)
    for source, health in events.items():
        state = health.get("state") or "?"
        if state == "down":
            state = f"[yellow]down: {health.get('error') or 'not connected'}[/]"
        elif state == "stopped":
            state = "stopped (wfsync run is not running)"
        lag = health.get("lag_seconds")
        table.add_row(
            "Fortnox WebSocket" if source == "fortnox" else "webCRM hooks",
            state,
            str(health.get("connected_since") or "-"),
            str(health.get("last_event_at") or "-"),
            "-" if lag is None else f"{lag:g} s",
        )
    err_console.print(table)
    for source, health in events.items():
        if health.get("state") == "down":
            err_console.print(
                f"[yellow]warning:[/] {source} events are down; changes still sync on the "
                "regular polls",
                highlight=False,
            )
