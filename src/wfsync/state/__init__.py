"""The state store: links, intents, cursors, runs, conflicts, failures and tokens.

``StateStore.open(url)`` connects to SQLite (default) or PostgreSQL and upgrades
the schema to the newest migration; see docs/state.md.
"""

from wfsync.state.lock import InstanceLock
from wfsync.state.records import (
    AmbiguousLinkError,
    Conflict,
    Failure,
    InboxStateError,
    Intent,
    Link,
    LinkClashError,
    RecordNotFoundError,
    RunRecord,
    StateError,
)
from wfsync.state.store import StateStore
from wfsync.state.tokens import SqlTokenStore

__all__ = [
    "AmbiguousLinkError",
    "Conflict",
    "Failure",
    "InboxStateError",
    "InstanceLock",
    "Intent",
    "Link",
    "LinkClashError",
    "RecordNotFoundError",
    "RunRecord",
    "SqlTokenStore",
    "StateError",
    "StateStore",
]
