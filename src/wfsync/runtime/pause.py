"""Auto-pause: a direction that keeps failing stops instead of hammering the APIs.

A run *fails* when it raises, or when it tried to write and nearly every write
was rejected (a wrong setting makes every record bounce). After
``[alerts] pause_after_failed_runs`` such runs in a row the direction is paused:
the runner skips its cycles until an admin resumes it (console or
`wfsync resume`). The pause lives in the state store, so every process sees it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from wfsync.state import RunRecord, StateStore

__all__ = ["DIRECTIONS", "failing_streak", "pause", "paused", "resume", "run_failed"]

DIRECTIONS: Final = ("webcrm", "fortnox")
#: A run with at least this many rejected writes …
REJECTED_MIN: Final = 5
#: … making up at least this share of its write attempts counts as failing.
REJECTED_SHARE: Final = 0.9
WRITE_ACTIONS: Final = ("created", "updated", "linked")


def _key(direction: str) -> str:
    return f"pause.{direction}"


def run_failed(run: RunRecord) -> bool:
    if run.status != "ok":
        return run.status == "failed"
    failed = sum(n for k, n in run.counts.items() if k.endswith(".failed"))
    written = sum(n for k, n in run.counts.items() if k.split(".", 1)[-1].startswith(WRITE_ACTIONS))
    return failed >= REJECTED_MIN and failed >= REJECTED_SHARE * (failed + written)


def failing_streak(store: StateStore, direction: str, *, window: int = 200) -> int:
    """How many of ``direction``'s newest runs failed in a row (since the last resume)."""
    resumed = store.get_value(f"resumed.{direction}")
    since = datetime.fromisoformat(resumed) if isinstance(resumed, str) else None
    streak = 0
    for run in store.last_runs(window):
        if run.direction != direction or run.status == "running":
            continue
        if (since is not None and run.started_at < since) or not run_failed(run):
            break
        streak += 1
    return streak


def pause(store: StateStore, direction: str, reason: str, now: datetime) -> None:
    store.set_value(_key(direction), {"reason": reason, "since": now.isoformat()})
    store.add_history("direction", "paused", f"{direction}: {reason}")


def paused(store: StateStore, direction: str) -> dict[str, Any] | None:
    """``{"reason", "since"}`` while ``direction`` is paused, else None."""
    value = store.get_value(_key(direction))
    return value if isinstance(value, dict) else None


def resume(store: StateStore, now: datetime, direction: str | None = None) -> list[str]:
    """Resume one direction (or all); returns those that were paused.

    Failures before the resume no longer count towards the next pause."""
    resumed = []
    for name in DIRECTIONS if direction is None else (direction,):
        if store.delete_value(_key(name)):
            store.set_value(f"resumed.{name}", now.isoformat())
            resumed.append(name)
            store.add_history("direction", "resumed", f"{name}: resumed by an admin")
    return resumed
