"""A rate budget that outlives the process: :class:`~wfsync.http.ratelimit.WindowStore`
in the state database.

The vendors count requests per tenant (Fortnox) or per token (webCRM), not per
process. A window kept in memory starts empty in every command, so ``wfsync
sync`` run right after ``wfsync import`` believed it had a full budget that the
vendor had already half spent, and met a 429 and a 5-second stall. Kept here,
the send times of the last window are shared by every process on the same state
store: commands run back to back, the console and the runner all pace against
one count.

The window of one budget is one row of the ``cursors`` table (source
``ratelimit``): a JSON list of the epoch seconds of the sends still inside the
window, and the second until which a 429 paused everybody. ``reserve`` reads and
writes it in one write transaction, which serialises all users of the budget:
``BEGIN IMMEDIATE`` on SQLite, ``SELECT … FOR UPDATE`` of the row on PostgreSQL.
A transaction per request costs well under a millisecond on a local SQLite file
and one round trip on PostgreSQL, against 200 ms per Fortnox request at the
limit. An in-memory SQLite database is private to its process, so there a
:class:`~wfsync.http.ratelimit.LocalWindow` is used instead (:func:`window_store`).
"""

from __future__ import annotations

import json
from typing import Any, cast

import sqlalchemy as sa

from wfsync.http.ratelimit import LocalWindow, WindowStore
from wfsync.state.db import READ_ONLY, sqlite_path
from wfsync.state.models import CursorRow
from wfsync.state.store import StateStore

__all__ = ["StateWindowStore", "window_store"]

SOURCE = "ratelimit"
_TABLE = cast(sa.Table, CursorRow.__table__)


class StateWindowStore:
    """The send times of one budget (``budget``: e.g. ``fortnox``) in the state store.

    Each call commits on its own, outside any transaction the caller has open
    (like token rotation), because another process waits for it.
    """

    def __init__(self, store: StateStore, budget: str) -> None:
        self._store = store
        self.budget = budget
        self._key = (SOURCE, budget)

    def __repr__(self) -> str:
        return f"StateWindowStore({self.budget!r}, {self._store!r})"

    def _load(self, conn: sa.Connection) -> dict[str, Any]:
        stmt = sa.select(_TABLE.c.value).where(
            _TABLE.c.source == SOURCE, _TABLE.c.entity == self.budget
        )
        if conn.dialect.name == "postgresql":
            # The row must exist before it can be locked; the first user creates it.
            conn.execute(
                sa.dialects.postgresql.insert(_TABLE)
                .values(**self._row({"sent": [], "paused_until": 0.0}))
                .on_conflict_do_nothing(index_elements=["source", "entity"])
            )
            stmt = stmt.with_for_update()
        value = conn.execute(stmt).scalar_one_or_none()
        if not value:
            return {"sent": [], "paused_until": 0.0}
        try:
            state = json.loads(value)
        except ValueError:
            return {"sent": [], "paused_until": 0.0}
        return state if isinstance(state, dict) else {"sent": [], "paused_until": 0.0}

    def _row(self, state: dict[str, Any]) -> dict[str, Any]:
        return {
            "source": SOURCE,
            "entity": self.budget,
            "value": json.dumps(state),
            "version": 1,
            "updated_at": self._store.clock.now(),
        }

    def _save(self, conn: sa.Connection, state: dict[str, Any]) -> None:
        row = self._row(state)
        if conn.dialect.name == "postgresql":
            insert: Any = sa.dialects.postgresql.insert(_TABLE)
        else:
            insert = sa.dialects.sqlite.insert(_TABLE)
        conn.execute(
            insert.values(**row).on_conflict_do_update(
                index_elements=["source", "entity"],
                set_={k: row[k] for k in ("value", "version", "updated_at")},
            )
        )

    def reserve(self, now: float, limit: int, window: float) -> float:
        with self._store._independent() as session, session.begin():
            conn = session.connection()
            state = self._load(conn)
            sent = sorted(float(t) for t in state.get("sent", []) if float(t) > now - window)
            if len(sent) >= limit:
                # Not taken: nothing to write (the expired sends go on the next write).
                return sent[-limit] + window - now
            sent.append(now)
            state["sent"] = sent
            self._save(conn, state)
            return 0.0

    def pause(self, until: float) -> None:
        with self._store._independent() as session, session.begin():
            conn = session.connection()
            state = self._load(conn)
            state["paused_until"] = max(float(state.get("paused_until", 0.0)), until)
            self._save(conn, state)

    def paused_until(self) -> float:
        with self._store._independent() as session:
            session.connection(execution_options={READ_ONLY: True})
            value = session.execute(
                sa.select(_TABLE.c.value).where(
                    _TABLE.c.source == SOURCE, _TABLE.c.entity == self.budget
                )
            ).scalar_one_or_none()
        if not value:
            return 0.0
        try:
            return float(json.loads(value).get("paused_until", 0.0))
        except (ValueError, AttributeError, TypeError):
            return 0.0


def window_store(store: StateStore, budget: str) -> WindowStore:
    """The budget's window in ``store`` when other processes can see it, else in memory."""
    url = store.engine.url
    if url.get_backend_name() == "sqlite" and sqlite_path(url) is None:
        return LocalWindow()
    return StateWindowStore(store, budget)
