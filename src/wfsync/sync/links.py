"""Link bookkeeping shared by every entity: snapshots, hashes, pausing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from wfsync.domain.normalise import fingerprint
from wfsync.state import Link, StateStore
from wfsync.sync.merge import FieldConflict

__all__ = [
    "hash_of",
    "pause",
    "record_conflicts",
    "resume",
    "snapshot_of",
    "store_snapshots",
    "written_part",
]

R = TypeVar("R", bound=BaseModel)


def snapshot_of(record: BaseModel) -> dict[str, Any]:
    """JSON-safe snapshot of a canonical record."""
    return record.model_dump(mode="json")


def hash_of(record: BaseModel) -> str:
    """Content hash of a canonical record, comparable with a link's stored hash."""
    return fingerprint(snapshot_of(record))


def written_part(answer: R, read: R, written: Iterable[str]) -> R:
    """A write's answer as the synced state of the fields we wrote only; every other
    field keeps the value the merge read. The answer (or the re-read an update makes
    before its ``PUT``) may carry a person's edit made since that read: it must stay
    a change for the next cycle to carry over, not be taken for synced."""
    wrote = set(written)
    kept = {name: getattr(read, name) for name in type(read).model_fields if name not in wrote}
    return answer.model_copy(update=kept)


def store_snapshots(
    store: StateStore,
    link: Link,
    *,
    webcrm: BaseModel | None,
    fortnox: BaseModel | None,
    now: Any,
) -> Link:
    """Record what each side holds right after a sync (the base of the next merge)."""
    if webcrm is not None:
        link.webcrm_snapshot = snapshot_of(webcrm)
        link.webcrm_hash = fingerprint(link.webcrm_snapshot)
    if fortnox is not None:
        link.fortnox_snapshot = snapshot_of(fortnox)
        link.fortnox_hash = fingerprint(link.fortnox_snapshot)
    link.last_synced_at = now
    return store.save_link(link)


def pause(store: StateStore, link: Link, reason: str) -> Link:
    """Stop syncing a link without forgetting it (never delete on the other side)."""
    if link.state == "paused" and link.note == reason:
        return link
    link.state = "paused"
    link.note = reason
    return store.save_link(link)


def resume(store: StateStore, link: Link) -> Link:
    link.state = "active"
    link.note = None
    return store.save_link(link)


def record_conflicts(store: StateStore, link: Link, conflicts: Sequence[FieldConflict]) -> None:
    """Store each conflict of a link once while it stays the same.

    A conflict whose loser side could not be written is detected again next
    cycle; it must not become a new row every six minutes.
    """
    if not conflicts:
        return  # the common case: no read of the conflict table at all
    recorded = {
        (c.link_id, c.field, str(c.webcrm_value), str(c.fortnox_value))
        for c in store.conflicts(link_id=link.id)
    }
    for conflict in conflicts:
        if (link.id, conflict.field, str(conflict.webcrm), str(conflict.fortnox)) in recorded:
            continue
        store.record_conflict(
            kind=link.kind,
            link_id=link.id,
            webcrm_id=link.webcrm_id,
            fortnox_id=link.fortnox_id,
            field=conflict.field,
            base_value=conflict.base,
            webcrm_value=conflict.webcrm,
            fortnox_value=conflict.fortnox,
            winner=conflict.winner,
            resolved_value=conflict.value,
            rule=conflict.rule,
        )
