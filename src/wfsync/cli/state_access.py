"""Opening the state store for commands that only read it.

:meth:`StateStore.open` creates what is missing — a new SQLite file, the
tables — which is right for ``import`` and ``sync`` and wrong for ``status``,
``conflicts`` or ``serve``: a mistyped ``[state] url`` would then show an empty,
healthy-looking store (and leave a stray ``wfsync.db`` behind) instead of
saying that nothing is there. :func:`open_existing_store` first looks, as
``wfsync check`` does, and only opens a store that exists.
"""

from __future__ import annotations

import sqlalchemy as sa

from wfsync.http.errors import ConfigError
from wfsync.state import StateError, StateStore
from wfsync.state.db import (
    create_state_engine,
    current_revision,
    parse_state_url,
    redact,
    sqlite_path,
)

__all__ = ["NoStateYet", "ensure_state_exists", "open_existing_store"]


class NoStateYet(ConfigError):
    """The state URL points at nothing wfsync wrote (exit 2: check ``[state] url``)."""


def ensure_state_exists(url: str) -> None:
    """Raise :class:`NoStateYet` (one line) unless ``url`` holds a wfsync state store."""
    try:
        parsed = parse_state_url(url)
    except (StateError, sa.exc.ArgumentError) as exc:
        raise ConfigError(f"[state] url: {exc}") from None
    where = redact(parsed)
    hint = "run `wfsync import` first, or check [state] url"
    path = sqlite_path(parsed)
    if path is not None and not path.exists():
        raise NoStateYet(f"no state yet: {where} does not exist ({hint})")
    engine = create_state_engine(parsed)
    try:
        revision = current_revision(engine)
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StateError(f"cannot open state database {where}: {reason}") from None
    finally:
        engine.dispose()
    if revision is None:
        raise NoStateYet(f"no state yet: {where} has no wfsync tables ({hint})")


def open_existing_store(url: str) -> StateStore:
    """The store at ``url`` if it exists (older schemas are upgraded as usual)."""
    ensure_state_exists(url)
    return StateStore.open(url)
