"""Names for inbox entries whose record was never linked (so no snapshot names it).

A record that failed before it was ever synced (a new customer Fortnox refused)
has only an id in the inbox. The console asks its source system once for the
name, and keeps the answer in the state store (``name.<kind>.<source>.<id>``),
so later page loads — and htmx refreshes — cost no API calls. A name recorded
with the failure itself (``detail["name"]``) always wins.
"""

from __future__ import annotations

import logging
from typing import Final

from wfsync.http.errors import WfsyncError
from wfsync.inbox import name_key
from wfsync.state import Failure, StateStore
from wfsync.sync.engine import SyncEngine

__all__ = ["cached_names", "look_up_names", "unnamed"]

log = logging.getLogger("wfsync.web.names")

#: At most this many reads per page load.
LOOKUPS_PER_PAGE: Final = 20


def cached_names(store: StateStore) -> dict[str, str]:
    return {k: v for k, v in store.values("name.").items() if isinstance(v, str)}


def unnamed(store: StateStore, failures: list[Failure]) -> list[Failure]:
    """Entries with no name anywhere (detail, link snapshot, cache) that we know how to ask."""
    cache = cached_names(store)
    out = []
    for failure in failures:
        if failure.detail.get("name") or name_key(failure) in cache:
            continue
        if failure.kind not in ("customer", "article"):
            continue
        if store.get_link(failure.kind, **{f"{failure.source}_id": failure.source_id}):
            continue  # the snapshot names it
        out.append(failure)
    return out[:LOOKUPS_PER_PAGE]


async def _read_name(engine: SyncEngine, failure: Failure) -> str | None:
    if failure.kind == "customer" and failure.source == "webcrm":
        org = await engine.webcrm.organisations.get(int(failure.source_id))
        return org.name
    if failure.kind == "customer":
        return (await engine.fortnox.customers.get(failure.source_id)).name
    if failure.kind == "article" and failure.source == "fortnox":
        return (await engine.fortnox.articles.get(failure.source_id)).description
    return None


async def look_up_names(engine: SyncEngine, failures: list[Failure]) -> None:
    """Ask each source once; a record that cannot be read is remembered as nameless."""
    for failure in failures:
        try:
            name = await _read_name(engine, failure)
        except (WfsyncError, ValueError) as exc:
            log.info("no name for %s: %s", name_key(failure), exc)
            name = None
        engine.store.set_value(name_key(failure), name or "")
