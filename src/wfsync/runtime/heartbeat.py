"""The runner's heartbeat: how the console (another process) knows `wfsync run` is alive.

The runner writes one small value every few seconds, cycles or not; the console
calls it alive while the newest beat is younger than :data:`STALE_AFTER`. The
beat also carries each direction's next slot and whether change events are
connected, so the overview needs nothing from the runner but the database.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from wfsync.state import StateStore

__all__ = [
    "HEARTBEAT_KEY",
    "STALE_AFTER",
    "Heartbeat",
    "beat",
    "read_heartbeat",
]

HEARTBEAT_KEY: Final = "runner.heartbeat"
#: A runner that has not beaten this long is reported as not running.
STALE_AFTER: Final = timedelta(seconds=60)


@dataclass(frozen=True)
class Heartbeat:
    at: datetime
    holder: str
    next_runs: dict[str, str] = field(default_factory=dict)

    def alive(self, now: datetime) -> bool:
        return now - self.at < STALE_AFTER


def holder_name() -> str:
    return f"wfsync run (pid {os.getpid()} on {socket.gethostname()})"


def beat(store: StateStore, now: datetime, *, next_runs: dict[str, datetime]) -> None:
    store.set_value(
        HEARTBEAT_KEY,
        {
            "at": now.isoformat(),
            "holder": holder_name(),
            "next": {name: slot.isoformat() for name, slot in next_runs.items()},
        },
    )


def stop_beating(store: StateStore) -> None:
    """A runner that stops cleanly says so at once instead of going stale."""
    store.delete_value(HEARTBEAT_KEY)


def read_heartbeat(store: StateStore) -> Heartbeat | None:
    value: Any = store.get_value(HEARTBEAT_KEY)
    if not isinstance(value, dict) or "at" not in value:
        return None
    return Heartbeat(
        at=datetime.fromisoformat(value["at"]),
        holder=str(value.get("holder", "")),
        next_runs={str(k): str(v) for k, v in (value.get("next") or {}).items()},
    )
