"""What each console page shows, read from the state store as plain dicts.

Kept apart from the routes so the pages and ``/api/status`` agree, and so the
templates receive values, never store objects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from pydantic import SecretStr

from wfsync.config import Settings
from wfsync.inbox import inbox_entry, name_and_number
from wfsync.runtime.alerts import active_alerts
from wfsync.runtime.events_health import read_health
from wfsync.runtime.heartbeat import read_heartbeat
from wfsync.runtime.overrides import can_override, other_value
from wfsync.runtime.pause import DIRECTIONS, paused
from wfsync.state import Conflict, Failure, RunRecord, StateStore
from wfsync.state.db import redact
from wfsync.web.names import cached_names

__all__ = [
    "conflict_rows",
    "inbox_rows",
    "overview",
    "record_detail",
    "run_rows",
    "search_records",
    "settings_rows",
]

#: How each system calls our kinds in its own user interface (for record links).
WEBCRM_KINDS: Final = {"customer": "organisation", "article": "product", "delivery": "delivery"}
FORTNOX_KINDS: Final = {"customer": "customers", "article": "articles", "delivery": "orders"}
WRITE_ACTIONS: Final = ("created", "updated", "linked")
SKIP_ACTIONS: Final = ("unchanged", "ignored", "paused", "waiting", "skipped")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def links_to(
    settings: Settings, kind: str, webcrm_id: str | None, fortnox_id: str | None, ftype: str | None
) -> dict[str, str | None]:
    web = settings.web
    fortnox_kind = f"{ftype}s" if kind == "delivery" and ftype else FORTNOX_KINDS.get(kind, kind)
    return {
        "webcrm_url": web.webcrm_link.format(kind=WEBCRM_KINDS.get(kind, kind), id=webcrm_id)
        if webcrm_id
        else None,
        "fortnox_url": web.fortnox_link.format(kind=fortnox_kind, id=fortnox_id)
        if fortnox_id
        else None,
    }


# ---- overview -------------------------------------------------------------------


def overview(store: StateStore, settings: Settings, now: datetime) -> dict[str, Any]:
    beat = read_heartbeat(store)
    directions = []
    for direction in DIRECTIONS:
        last = store.last_run(direction)
        directions.append(
            {
                "name": direction,
                "last": _run_row(last) if last else None,
                "next": (beat.next_runs.get(direction) if beat else None),
                "paused": paused(store, direction),
            }
        )
    links: dict[str, int] = {}
    for kind in ("customer", "article", "delivery"):
        links[kind] = len(store.links(kind))
    tokens = store.token_times("fortnox")
    return {
        "directions": directions,
        "runner": {
            "alive": bool(beat and beat.alive(now)),
            "holder": beat.holder if beat else None,
            "last_beat": _iso(beat.at) if beat else None,
        },
        "events": read_health(store, now),
        "links": links,
        "open_errors": len(store.failures(status="open")),
        "open_conflicts": len(store.conflicts()),
        "token": {
            "renewed": _iso(tokens[0]) if tokens else None,
            "age_days": (now - tokens[0]).days if tokens else None,
            "expires": _iso(tokens[1]) if tokens and tokens[1] else None,
            "days_left": (tokens[1] - now).days if tokens and tokens[1] else None,
        },
        "alerts": active_alerts(store),
        "imported": store.get_cursor("webcrm", "organisations") is not None,
    }


# ---- error inbox ----------------------------------------------------------------


def inbox_rows(store: StateStore, settings: Settings, status: str = "open") -> list[dict[str, Any]]:
    pending = {r.target_id: r for r in store.pending_requests("retry")}
    names = cached_names(store)
    return [
        _inbox_row(store, settings, f, pending.get(f.id) is not None, names)
        for f in store.failures(status)
    ]


def _inbox_row(
    store: StateStore,
    settings: Settings,
    failure: Failure,
    retry_pending: bool,
    names: dict[str, str],
) -> dict[str, Any]:
    row = inbox_entry(store, failure, names)
    return {
        **row,
        **links_to(
            settings, failure.kind, row["webcrm_id"], row["fortnox_id"], row["fortnox_type"]
        ),
        "first_seen": _iso(failure.first_seen),
        "last_seen": _iso(failure.last_seen),
        "retry_pending": retry_pending,
        "raw": failure.detail or {},
    }


# ---- conflicts ------------------------------------------------------------------


def conflict_rows(
    store: StateStore, settings: Settings, *, everything: bool
) -> list[dict[str, Any]]:
    return [
        _conflict_row(store, settings, c) for c in store.conflicts(include_acknowledged=everything)
    ]


def _conflict_row(store: StateStore, settings: Settings, conflict: Conflict) -> dict[str, Any]:
    requests = store.requests_for("override", conflict.id)
    latest = requests[0] if requests else None
    link = None
    if conflict.webcrm_id:
        link = store.get_link(conflict.kind, webcrm_id=conflict.webcrm_id)
    name, number = name_and_number(link)
    return {
        "id": conflict.id,
        "kind": conflict.kind,
        "name": name,
        "number": number,
        "webcrm_id": conflict.webcrm_id,
        "fortnox_id": conflict.fortnox_id,
        **links_to(
            settings,
            conflict.kind,
            conflict.webcrm_id,
            conflict.fortnox_id,
            link.fortnox_type if link else None,
        ),
        "field": conflict.field,
        "base": conflict.base_value,
        "webcrm": conflict.webcrm_value,
        "fortnox": conflict.fortnox_value,
        "winner": conflict.winner,
        "kept": conflict.resolved_value,
        "other": other_value(conflict),
        "loser": "webcrm" if conflict.winner == "fortnox" else "fortnox",
        "rule": conflict.rule,
        "at": _iso(conflict.created_at),
        "acknowledged": conflict.acknowledged,
        "override": {"status": latest.status, "result": latest.result} if latest else None,
        "can_override": can_override(conflict),
    }


# ---- records --------------------------------------------------------------------


def search_records(store: StateStore, query: str, kind: str | None) -> list[dict[str, Any]]:
    """Linked records whose name, number or either id contains ``query`` (any case)."""
    needle = query.strip().casefold()
    found = []
    for each in ("customer", "article", "delivery"):
        if kind and kind != each:
            continue
        for link in store.links(each):
            name, number = name_and_number(link)
            haystack = [name, number, link.webcrm_id, link.fortnox_id]
            if needle and not any(needle in (h or "").casefold() for h in haystack):
                continue
            found.append(
                {
                    "id": link.id,
                    "kind": each,
                    "name": name,
                    "number": number,
                    "webcrm_id": link.webcrm_id,
                    "fortnox_id": link.fortnox_id,
                    "state": link.state,
                    "last_synced": _iso(link.last_synced_at),
                }
            )
    return found[:200]


def record_detail(
    store: StateStore, settings: Settings, kind: str, link_id: int
) -> dict[str, Any] | None:
    link = next((x for x in store.links(kind) if x.id == link_id), None)
    if link is None:
        return None
    name, number = name_and_number(link)
    fields = sorted(set(link.webcrm_snapshot or {}) | set(link.fortnox_snapshot or {}))
    history = store.history(kind, webcrm_id=link.webcrm_id, fortnox_id=link.fortnox_id)
    return {
        "id": link.id,
        "kind": kind,
        "name": name,
        "number": number,
        "webcrm_id": link.webcrm_id,
        "fortnox_id": link.fortnox_id,
        "fortnox_type": link.fortnox_type,
        **links_to(settings, kind, link.webcrm_id, link.fortnox_id, link.fortnox_type),
        "state": link.state,
        "note": link.note,
        "last_synced": _iso(link.last_synced_at),
        "fields": fields,
        "webcrm_snapshot": link.webcrm_snapshot or {},
        "fortnox_snapshot": link.fortnox_snapshot or {},
        "history": [{"at": _iso(h.at), "action": h.action, "detail": h.detail} for h in history],
    }


# ---- runs -----------------------------------------------------------------------


def _run_row(run: RunRecord) -> dict[str, Any]:
    def total(actions: tuple[str, ...]) -> int:
        return sum(n for k, n in run.counts.items() if k.split(".", 1)[-1].startswith(actions))

    return {
        "id": run.id,
        "direction": run.direction,
        "status": run.status,
        "started": _iso(run.started_at),
        "finished": _iso(run.finished_at),
        "wrote": total(WRITE_ACTIONS),
        "skipped": total(SKIP_ACTIONS),
        "failed": total(("failed",)),
        "read": sum(run.counts.values()) - total(("planned_",)),
        "counts": run.counts,
        "error": run.error,
    }


def run_rows(store: StateStore, *, limit: int = 100) -> list[dict[str, Any]]:
    """Newest first; each failed record seen during the run with the vendor's own answer."""
    runs = store.last_runs(limit)
    failures = store.failures(status=None)
    rows = []
    for run in runs:
        row = _run_row(run)
        end = run.finished_at or run.started_at
        row["failures"] = [
            {
                "id": f.id,
                "record": f"{f.kind} {f.source} {f.source_id}",
                "message": f.message,
                "code": f.code,
                "raw": f.detail,
            }
            for f in failures
            if run.started_at <= f.last_seen <= end
        ]
        rows.append(row)
    return rows


# ---- settings -------------------------------------------------------------------


def settings_rows(settings: Settings) -> list[dict[str, str]]:
    """Every effective setting, secrets masked (whether one is set is still shown)."""
    rows: list[dict[str, str]] = []

    def walk(prefix: str, model: Any) -> None:
        for name in type(model).model_fields:
            value = getattr(model, name)
            key = f"{prefix}.{name}" if prefix else name
            if hasattr(type(value), "model_fields"):
                walk(key, value)
                continue
            if isinstance(value, SecretStr):
                shown = "•••••• (set)" if value.get_secret_value() else "(not set)"
            elif key == "state.url":
                shown = redact(str(value))
            else:
                shown = repr(value) if not isinstance(value, str) else value
            section, _, leaf = key.rpartition(".")
            rows.append({"section": section, "key": leaf, "value": shown})

    walk("", settings)
    return rows
