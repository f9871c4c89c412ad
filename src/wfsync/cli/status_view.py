"""What `wfsync status` shows: the admin's one-screen answer to "what happened?".

:func:`collect_status` is also the dashboard's and ``status --json``'s data, so
every inbox entry carries what an admin needs to act without opening either
system: the record's name, its ids in both systems, the field and value at
fault when known, the vendor's own words, a plain explanation with the fix
(:mod:`wfsync.explain`), and whether it is retried every cycle or waits for
someone to edit the record. Entries are built by :mod:`wfsync.inbox`, shared
with the console.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.table import Table

from wfsync.cli.app import err_console
from wfsync.clock import SystemClock
from wfsync.inbox import inbox_entry
from wfsync.runtime.events_health import read_health
from wfsync.state import StateStore

__all__ = ["collect_status", "describe_counts", "print_events", "print_status"]

DIRECTIONS = ("webcrm", "fortnox", "import", "retry", "event")
_TITLES = {
    "webcrm": "webCRM → Fortnox",
    "fortnox": "Fortnox → webCRM",
    "import": "import",
    "retry": "retry",
    "event": "events",
}

#: Counter action → words, most telling first (unknown ones are shown as they are).
_ACTIONS = {
    "failed": "failed (see the error inbox)",
    "conflicts": "conflicts (see `wfsync conflicts`)",
    "created_fortnox": "created in Fortnox",
    "created_webcrm": "created in webCRM",
    "updated_fortnox": "updated in Fortnox",
    "updated_webcrm": "updated in webCRM",
    "linked": "linked to an existing record",
    "waiting": "waiting for an edit",
    "paused": "paused",
    "retried": "retried",
    "already_linked": "already linked",
    "unchanged": "unchanged",
    "ignored": "left alone (other Type, or inactive)",
}
_ENTITIES = {"customer": "customers", "article": "articles", "delivery": "deliveries"}


def describe_counts(counts: dict[str, int]) -> str:
    """``{"customer.created_fortnox": 2, …}`` as ``customers: 2 created in Fortnox; …``."""
    order = list(_ACTIONS)
    grouped: dict[str, list[tuple[int, str]]] = {}
    for key, count in counts.items():
        entity, _, action = key.partition(".")
        rank = order.index(action) if action in order else len(order)
        if action.startswith("planned_"):
            words = "would be " + action.removeprefix("planned_").replace("_", " ")
        else:
            words = _ACTIONS.get(action, action.replace("_", " "))
        grouped.setdefault(_ENTITIES.get(entity, entity), []).append((rank, f"{count} {words}"))
    return "; ".join(
        f"{entity}: {', '.join(text for _, text in sorted(parts))}"
        for entity, parts in sorted(grouped.items())
    )


def collect_status(store: StateStore, now: datetime | None = None) -> dict[str, Any]:
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
                "worker": run.worker,
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
    return {
        "imported": store.get_cursor("webcrm", "organisations") is not None,
        "runs": runs,
        # Newest first: which worker ran what, when (several per direction in a cluster).
        "recent_runs": [
            {
                "id": run.id,
                "direction": run.direction,
                "started_at": run.started_at,
                "finished_at": run.finished_at,
                "status": run.status,
                "worker": run.worker,
            }
            for run in store.last_runs(20)
        ],
        "links": links,
        "paused": paused,
        # Inactive in Fortnox: still linked and synced, shown so nobody wonders.
        "inactive_customers": inactive,
        "errors": [inbox_entry(store, f) for f in store.failures(status="open")],
        # Skipped by an admin: not retried until the record is edited or unskipped.
        "skipped": [inbox_entry(store, f) for f in store.failures(status="skipped")],
        "open_conflicts": len(store.conflicts()),
        # Event sources of `wfsync run` (docs/events.md): a dead one is a warning only.
        "events": read_health(store, now or SystemClock().now()),
    }


def _when(value: Any) -> str:
    text = str(value or "running")
    return text[:19].replace("T", " ") + (" UTC" if value else "")


def _say(text: str) -> None:
    err_console.print(text, markup=False, highlight=False)


def _print_runs(runs: dict[str, Any]) -> None:
    _say("last runs:")
    for direction, run in runs.items():
        status = "ok" if run["status"] == "ok" else run["status"].upper()
        title = _TITLES.get(direction, direction)
        _say(f"  {title:<17} {status:<7} {_when(run['finished_at'])}")
        for line in (describe_counts(run["counts"]) or "nothing to do").split("; "):
            _say(f"      {line}")
        if run["error"]:
            _say(f"      error: {run['error']}")
        for warning in run["warnings"]:
            _say(f"      warning: {warning}")


def _print_inbox(errors: list[dict[str, Any]]) -> None:
    if not errors:
        _say("error inbox: empty")
        return
    waiting = sum(1 for row in errors if row["waiting"])
    _say(
        f"error inbox: {len(errors)} open ({waiting} waiting for an edit of the record; the "
        "rest are retried every cycle) — `wfsync retry` now, `wfsync skip ID` to give up on one"
    )
    for row in errors:
        ids = ", ".join(
            f"{system} {row[key]}"
            for system, key in (("webCRM", "webcrm_id"), ("Fortnox", "fortnox_id"))
            if row[key]
        )
        state = "WAITS FOR AN EDIT" if row["waiting"] else f"tried {row['attempts']}×"
        name = f'"{row["name"]}" ' if row["name"] else ""
        _say(f"\n  #{row['id']}  {row['kind']} {name}({ids}) — {row['operation']}, {state}")
        if row["field"]:
            value = "" if row["value"] is None else f" = {row['value']!r}"
            _say(f"      field:   {row['field']}{value}")
        said = "Fortnox" if row["message"].lower().startswith("fortnox") else None
        said = said or ("webCRM" if row["message"].lower().startswith("webcrm") else "wfsync")
        code = f" (code {row['code']})" if row["code"] else ""
        _say(f"      {said} said: {row['vendor_message']}{code}")
        if row["explanation"]:
            _say(f"      fix:     {row['explanation']}")


def print_status(status: dict[str, Any]) -> None:
    if not status["imported"]:
        _say("no import yet: run `wfsync import` to start syncing")
    if status["runs"]:
        _print_runs(status["runs"])
    counts = ", ".join(
        f"{_ENTITIES.get(kind, kind)} {states.get('active', 0)}"
        + (f" (+{states['paused']} paused)" if states.get("paused") else "")
        for kind, states in status["links"].items()
    )
    _say(f"linked: {counts or 'nothing yet'}")
    if status["paused"]:
        paused = Table(title="not syncing (kept, nothing deleted)", title_justify="left")
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
        _say(f"inactive in Fortnox (still linked): {names}")
    _print_inbox(status["errors"])
    for row in status.get("skipped", []):
        name = f'"{row["name"]}" ' if row["name"] else ""
        _say(
            f"skipped #{row['id']}: {row['kind']} {name}({row['source']} {row['source_id']}) — "
            f"not retried until the record is edited or `wfsync unskip {row['id']}`"
        )
    _say(f"open conflicts: {status['open_conflicts']} (see `wfsync conflicts`)")
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
            state = f"stopped ({health.get('error') or 'wfsync run is not running'})"
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
