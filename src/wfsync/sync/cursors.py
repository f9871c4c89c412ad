"""Where each change feed starts reading, and when that point may move.

One :class:`FeedCursor` per feed owns the rules that used to be spread over the
engine and the importer:

* **Where to read from** (:meth:`FeedCursor.since`). Every feed re-reads an
  *overlap* before its stored position, because a record stamped just before
  the position may have been committed just after our last read. webCRM feeds
  are positioned on the server's own ``UpdatedAt`` (its clock is not ours) with
  a 2-minute overlap; a window that was re-read with its overlap and brought
  nothing newer is *settled* and is then read strictly after the position, so
  a quiet cycle costs one query per feed. Fortnox records carry no timestamp:
  those feeds are positioned on our clock at the start of the poll, with a
  2-minute overlap (the Fortnox client converts to Stockholm time; docs/sync.md
  says why two are enough).
* **What was seen** (:meth:`FeedCursor.observe`): the newest server stamp of a
  record that was *processed* (not merely read).
* **When to move** (:meth:`FeedCursor.commit`): only after the whole batch the
  cursor covers has been processed, in one transaction for all feeds of a run
  — a crash re-reads, never skips. A dry run never commits.

The :data:`FEEDS` registry names every feed and its rule; the importer sets the
starting point of all of them with :func:`start_feeds`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from wfsync.clock import Clock
from wfsync.state import StateStore

__all__ = [
    "FEEDS",
    "Cursors",
    "FeedCursor",
    "FeedSpec",
    "commit_all",
    "import_began",
    "start_feeds",
]

#: Read strictly after a settled position: records stamped exactly at it were read twice.
SETTLED_STEP = timedelta(microseconds=1)


@dataclass(frozen=True)
class FeedSpec:
    source: Literal["webcrm", "fortnox"]
    entity: str
    overlap: timedelta
    #: "server": positioned on the newest stamp the server gave a processed record;
    #: "poll_start": on our clock when the poll began (the records carry no stamp).
    position: Literal["server", "poll_start"]

    @property
    def settles(self) -> bool:
        return self.position == "server"


FEEDS: dict[tuple[str, str], FeedSpec] = {
    (spec.source, spec.entity): spec
    for spec in (
        FeedSpec("webcrm", "organisations", timedelta(minutes=2), "server"),
        FeedSpec("webcrm", "deliveries", timedelta(minutes=2), "server"),
        FeedSpec("fortnox", "customers", timedelta(minutes=2), "poll_start"),
        FeedSpec("fortnox", "articles", timedelta(minutes=2), "poll_start"),
        FeedSpec("fortnox", "orders", timedelta(minutes=2), "poll_start"),
        FeedSpec("fortnox", "invoices", timedelta(minutes=2), "poll_start"),
    )
}


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass
class FeedCursor:
    """One feed's position for one run: read where it says, observe, then commit."""

    spec: FeedSpec
    store: StateStore
    #: The stored position when the run began (None: the feed was never started).
    position: datetime | None
    settled: bool
    poll_start: datetime
    newest: datetime | None = field(default=None)

    @classmethod
    def open(cls, store: StateStore, source: str, entity: str, clock: Clock) -> FeedCursor:
        spec = FEEDS[source, entity]
        position = _parse(store.get_cursor(source, entity))
        settled = (
            spec.settles
            and position is not None
            and store.get_cursor(source, f"{entity}.settled") == position.isoformat()
        )
        return cls(spec, store, position, settled, clock.now(), newest=position)

    def since(self) -> datetime | None:
        """The first moment this run's read covers (None: from the beginning)."""
        if self.position is None:
            return None
        if self.settled:
            return self.position + SETTLED_STEP
        return self.position - self.spec.overlap

    def observe(self, stamp: datetime | None) -> None:
        """A record stamped ``stamp`` by the server has been processed."""
        if stamp is not None and (self.newest is None or stamp > self.newest):
            self.newest = stamp

    def commit(self) -> None:
        """Move the position past what this run processed (call inside a transaction)."""
        source, entity = self.spec.source, self.spec.entity
        if self.spec.position == "poll_start":
            self.store.set_cursor(source, entity, self.poll_start.isoformat())
            return
        if self.newest is None:
            return
        self.store.set_cursor(source, entity, self.newest.isoformat())
        # Nothing newer than the position came, although the overlap was re-read:
        # the window is settled and the next read starts strictly after it.
        settled = self.newest.isoformat() if self.newest == self.position else ""
        self.store.set_cursor(source, f"{entity}.settled", settled)


#: One direction's cursors for a run, by feed name (``organisations``, ``orders``…).
Cursors = Mapping[str, FeedCursor]


def commit_all(store: StateStore, cursors: list[FeedCursor]) -> None:
    """Advance the feeds of one run together: all of them or none."""
    with store.transaction():
        for cursor in cursors:
            cursor.commit()


#: Where an import that has not finished began (our clock): kept across an
#: interrupted run, so the feeds start where the *first* run began.
IMPORT_STARTED = ("import", "started")


def import_began(store: StateStore, now: datetime) -> datetime:
    """An import begins now, or resumes one that began earlier: when it began."""
    began = _parse(store.get_cursor(*IMPORT_STARTED))
    if began is not None:
        return began
    store.set_cursor(*IMPORT_STARTED, now.isoformat())
    return now


#: The feeds whose records an import links (a resumed import skips those linked).
CUSTOMER_FEEDS = frozenset({("webcrm", "organisations"), ("fortnox", "customers")})


def start_feeds(
    store: StateStore,
    *,
    started: datetime,
    webcrm_newest: datetime | None,
    customers_from: datetime | None = None,
) -> None:
    """Where the feeds begin after ``wfsync import``: webCRM at the newest stamp the
    import saw (else the import's start), Fortnox at the import's start; the
    customer feeds at ``customers_from`` when an interrupted import linked
    customers then (their changes since must still be read).

    A feed is never moved *forward*: ``wfsync import`` run again (after an
    interruption, or beside a running sync) skips records already linked, so
    their changes since the feed's position would be skipped for good. The
    other direction's merge also relies on the Fortnox feed never skipping
    (docs/sync.md, "Organisations changed in webCRM")."""
    with store.transaction():
        for (source, entity), spec in FEEDS.items():
            wanted = (webcrm_newest or started) if spec.position == "server" else started
            if customers_from is not None and (source, entity) in CUSTOMER_FEEDS:
                wanted = min(wanted, customers_from)
            stored = _parse(store.get_cursor(source, entity))
            if stored is None or wanted < stored:
                store.set_cursor(source, entity, wanted.isoformat())
        store.set_cursor(*IMPORT_STARTED, "")
