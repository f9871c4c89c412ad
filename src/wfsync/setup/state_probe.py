"""Is the state store reachable and migrated? (a ``wfsync check`` row)

Opening the store the usual way (:meth:`StateStore.open`) would create a new
SQLite file or empty schema as a side effect; a check must not. So the probe
first looks: a SQLite file that does not exist, or a database without wfsync's
migration table, is reported as "not initialised" and left alone. A database
that has the tables is opened normally, which upgrades an older schema exactly
as the next run would.
"""

from __future__ import annotations

import sqlalchemy as sa

from wfsync.setup.report import Readiness, Status
from wfsync.state import StateError, StateStore
from wfsync.state.db import (
    create_state_engine,
    current_revision,
    head_revision,
    parse_state_url,
    redact,
    sqlite_path,
)

__all__ = ["open_state"]

_TITLE = "state store"
_CREATE_HINT = (
    "`wfsync connect fortnox` creates it (or the first `wfsync import`, when "
    "[fortnox] refresh_token holds a bootstrap token, as with `wfsync simulate`)"
)


def open_state(url: str, report: Readiness) -> StateStore | None:
    """Add the state-store row to ``report``; the open store when it is usable."""
    try:
        parsed = parse_state_url(url)
    except (StateError, sa.exc.ArgumentError) as exc:
        report.add("state_store", _TITLE, Status.fail, f"[state] url: {exc}")
        return None
    where = redact(parsed)
    path = sqlite_path(parsed)
    if path is not None and not path.exists():
        report.add(
            "state_store", _TITLE, Status.fail, f"{where} does not exist yet: {_CREATE_HINT}"
        )
        return None
    engine = create_state_engine(parsed)
    try:
        revision = current_revision(engine)
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        report.add("state_store", _TITLE, Status.fail, f"cannot reach {where}: {reason}")
        return None
    finally:
        engine.dispose()
    if revision is None:
        report.add(
            "state_store", _TITLE, Status.fail, f"{where} has no wfsync tables: {_CREATE_HINT}"
        )
        return None
    try:
        store = StateStore.open(url)
    except StateError as exc:
        report.add("state_store", _TITLE, Status.fail, str(exc))
        return None
    head = head_revision()
    upgraded = f" (upgraded from {revision})" if revision != head else ""
    report.add("state_store", _TITLE, Status.ok, f"{where}, schema {head}{upgraded}")
    return store
