"""Which linked Fortnox customers are known to hold exactly what we last synced.

When an organisation changes in webCRM, the merge needs the Fortnox customer as
it is now. One ``GET`` per customer is what that used to cost. But the Fortnox
feed already promises something stronger: every customer modified before its
position (minus its overlap) has been read and merged since its last change, so
the link's Fortnox snapshot *is* its state. Only customers modified after that
point can differ, and one ``lastmodified`` list names them all — the same read
the Fortnox feed will make at its next poll, made early. A customer it does not
name is merged against its snapshot: no read at all.

The snapshot stands in only when nothing else could make it stale:

* the link is active and has no write of ours whose answer was lost (a pending
  write may have landed without our knowing);
* neither side of the pair waits in the error inbox (open or skipped): a
  Fortnox change that failed was listed and *not* merged;
* the Fortnox feed has a position (it has polled, or the import set it).

The list is taken again when it is older than :data:`FRESH` (one request per
Fortnox rate window at most), so a person's edit in Fortnox lands in it within
seconds — the gap between our knowledge and our write is seconds, as it was
between a ``GET`` and its ``PUT`` under pacing, not the length of a batch.
Deletes are not in any list: a ``PUT`` to a deleted customer answers 404, the
record goes to the inbox, and its retry reads it (and pauses the link).

When the list is long (a bulk edit in Fortnox: :data:`MAX_LISTED` customers or
more), it is abandoned and every customer is read as before.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import ValidationError

from wfsync.domain import Customer
from wfsync.http.errors import ApiError
from wfsync.sync.cursors import FeedCursor
from wfsync.sync.plan import pending_values

if TYPE_CHECKING:
    from wfsync.state import Link
    from wfsync.sync.context import SyncContext

__all__ = ["FRESH", "MAX_LISTED", "UnmovedCustomers"]

log = logging.getLogger("wfsync.sync.customers")

_FIELDS = frozenset(Customer.model_fields)
#: How old the list may be when a snapshot is trusted (one Fortnox rate window).
FRESH = timedelta(seconds=5)
#: A list this long (two of Fortnox's 500-record pages) is not worth reading ahead.
MAX_LISTED = 1000


class UnmovedCustomers:
    """One webCRM feed run's view of which Fortnox customers have not moved."""

    def __init__(self, ctx: SyncContext, kind: str) -> None:
        self.ctx = ctx
        self.kind = kind
        cursor = FeedCursor.open(ctx.store, "fortnox", "customers", ctx.clock)
        self._since = cursor.since()
        self._overlap = cursor.spec.overlap
        self._moved: set[str] = set()
        self._listed_at: datetime | None = None
        self._waiting: set[tuple[str, str]] | None = None
        #: False once the list proved too long (or the feed has no position).
        self.usable = self._since is not None

    async def snapshot(self, link: Link) -> Customer | None:
        """The Fortnox customer of ``link`` as it stands now, from its snapshot, or
        None when it must be read (it moved, or the snapshot cannot be trusted)."""
        if not self.usable or not self._trusted(link):
            return None
        assert link.fortnox_id is not None and link.fortnox_snapshot is not None
        await self._refresh()
        if not self.usable or link.fortnox_id in self._moved:
            return None
        if set(link.fortnox_snapshot) != _FIELDS:
            return None  # a snapshot of an older shape: read the record
        try:
            return Customer.model_validate(link.fortnox_snapshot)
        except ValidationError:
            return None

    def _trusted(self, link: Link) -> bool:
        if link.state != "active" or link.fortnox_id is None or link.fortnox_snapshot is None:
            return False
        if pending_values(link.extra, "fortnox"):
            return False
        if self._waiting is None:
            self._waiting = {
                (failure.source, failure.source_id)
                for status in ("open", "skipped")
                for failure in self.ctx.store.failures(status=status)
                if failure.kind == self.kind
            }
        pair = {("fortnox", link.fortnox_id), ("webcrm", link.webcrm_id or "")}
        return not pair & self._waiting

    async def _refresh(self) -> None:
        """List what moved since the feed's window began (first call) or since the
        last list (later calls, with the feed's overlap), when the list is stale."""
        now = self.ctx.clock.now()
        if self._listed_at is not None and now - self._listed_at < FRESH:
            return
        since = self._since if self._listed_at is None else self._listed_at - self._overlap
        moved: set[str] = set()
        try:
            async for item in self.ctx.fortnox.customers.list(lastmodified=since):
                moved.add(item.customer_number)
                if len(moved) >= MAX_LISTED:
                    log.info(
                        "%d+ Fortnox customers changed since %s: each one is read before its merge",
                        MAX_LISTED,
                        since,
                    )
                    self.usable = False
                    return
        except ApiError as exc:
            if exc.fatal_for_run:
                raise
            # Not this organisation's failure: read each customer, as without the list.
            log.warning("the Fortnox customer list failed (%s): each one is read", exc)
            self.usable = False
            return
        self._moved |= moved
        self._listed_at = now
