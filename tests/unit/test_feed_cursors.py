"""FeedCursor: overlap, settling and commit, on a real (file) state store, no World."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from wfsync.clock import FakeClock
from wfsync.state import StateStore
from wfsync.sync.cursors import FEEDS, SETTLED_STEP, FeedCursor, commit_all, start_feeds

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[StateStore]:
    store = StateStore.open(f"sqlite:///{tmp_path / 'state.db'}", clock=clock)
    yield store
    store.close()


def test_a_feed_never_started_reads_from_the_beginning_and_commits_what_it_saw(
    store: StateStore, clock: FakeClock
) -> None:
    cursor = FeedCursor.open(store, "webcrm", "organisations", clock)
    assert cursor.since() is None
    cursor.observe(T0)
    cursor.observe(T0 - timedelta(hours=1))  # older stamps never move it back
    commit_all(store, [cursor])
    assert store.get_cursor("webcrm", "organisations") == T0.isoformat()


def test_webcrm_rereads_its_overlap_until_a_window_brings_nothing_new(
    store: StateStore, clock: FakeClock
) -> None:
    start_feeds(store, started=T0, webcrm_newest=T0)
    first = FeedCursor.open(store, "webcrm", "deliveries", clock)
    assert first.since() == T0 - timedelta(minutes=2)
    first.observe(T0 - timedelta(seconds=30))  # an overlap record: nothing newer
    commit_all(store, [first])
    settled = FeedCursor.open(store, "webcrm", "deliveries", clock)
    assert settled.since() == T0 + SETTLED_STEP  # quiet: strictly after the position
    settled.observe(T0 + timedelta(minutes=3))
    commit_all(store, [settled])
    moved = FeedCursor.open(store, "webcrm", "deliveries", clock)
    assert moved.position == T0 + timedelta(minutes=3)
    assert moved.since() == T0 + timedelta(minutes=1)  # a new window: overlap again


def test_fortnox_feeds_move_to_the_start_of_the_poll_with_a_two_minute_overlap(
    store: StateStore, clock: FakeClock
) -> None:
    start_feeds(store, started=T0, webcrm_newest=None)
    clock.set(T0 + timedelta(minutes=6))
    cursors = [FeedCursor.open(store, "fortnox", e, clock) for e in ("customers", "orders")]
    assert cursors[0].since() == T0 - timedelta(minutes=2)
    clock.advance(90)  # the poll takes a while: edits meanwhile must be read next time
    commit_all(store, cursors)
    for entity in ("customers", "orders"):
        assert store.get_cursor("fortnox", entity) == (T0 + timedelta(minutes=6)).isoformat()


def test_a_run_that_fails_before_commit_leaves_every_position_alone(
    store: StateStore, clock: FakeClock
) -> None:
    start_feeds(store, started=T0, webcrm_newest=T0)
    cursor = FeedCursor.open(store, "webcrm", "organisations", clock)
    cursor.observe(T0 + timedelta(hours=1))
    # (no commit: the run died) — the next run reads the same window
    again = FeedCursor.open(store, "webcrm", "organisations", clock)
    assert again.since() == T0 - timedelta(minutes=2)


def test_the_import_starts_every_registered_feed() -> None:
    assert {source for source, _ in FEEDS} == {"webcrm", "fortnox"}
    assert all(spec.overlap > timedelta(0) for spec in FEEDS.values())
