"""Run history, conflicts and the error inbox."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from wfsync.clock import FakeClock
from wfsync.state import Link, RecordNotFoundError, StateStore

# ---- runs -------------------------------------------------------------------


def test_run_starts_running_and_finishes_with_counts(store: StateStore, clock: FakeClock) -> None:
    run = store.start_run("webcrm")
    assert run.status == "running" and run.finished_at is None and run.counts == {}
    assert run.started_at == clock.now()
    clock.advance(42)

    done = store.finish_run(run.id, "ok", {"created": 2, "updated": 5})

    assert done.status == "ok" and done.finished_at == clock.now()
    assert store.last_runs() == [done]
    assert done.counts == {"created": 2, "updated": 5} and done.error is None


def test_failed_run_keeps_its_error(store: StateStore) -> None:
    run = store.start_run("fortnox")
    store.finish_run(run.id, "failed", {}, error="Fortnox: 401 invalid token")
    last = store.last_run("fortnox")
    assert last is not None and last.status == "failed"
    assert last.error == "Fortnox: 401 invalid token"


def test_last_runs_newest_first_with_limit(store: StateStore, clock: FakeClock) -> None:
    ids = []
    for direction in ("webcrm", "fortnox", "webcrm", "import"):
        ids.append(store.start_run(direction).id)
        clock.advance(180)

    assert [run.id for run in store.last_runs()] == ids[::-1]
    assert [run.id for run in store.last_runs(limit=2)] == ids[:1:-1]


def test_last_run_per_direction_and_status(store: StateStore, clock: FakeClock) -> None:
    ok = store.start_run("webcrm")
    store.finish_run(ok.id, "ok", {})
    clock.advance(360)
    failed = store.start_run("webcrm")
    store.finish_run(failed.id, "failed", {}, error="boom")
    clock.advance(1)
    store.start_run("fortnox")

    last = store.last_run("webcrm")
    last_ok = store.last_run("webcrm", status="ok")
    assert last is not None and last.id == failed.id
    assert last_ok is not None and last_ok.id == ok.id
    assert store.last_run("import") is None


def test_old_runs_are_pruned_but_each_direction_keeps_its_newest(
    store: StateStore, clock: FakeClock
) -> None:
    def run(direction: str) -> int:
        record = store.start_run(direction)
        store.finish_run(record.id, "ok", {})
        clock.advance(3600)
        return record.id

    old_events = [run("event") for _ in range(3)]
    only_import = run("import")
    running = store.start_run("webcrm")  # a run still going is never pruned
    clock.advance(40 * 86400)
    recent = run("event")
    removed = store.prune_runs(clock.now() - timedelta(days=31))
    kept = {r.id for r in store.last_runs(limit=100)}
    assert removed == 3
    assert kept == {only_import, running.id, recent}
    assert not kept & set(old_events)


def test_finish_run_rejects_unknown_status_and_id(store: StateStore) -> None:
    run = store.start_run("webcrm")
    with pytest.raises(ValueError, match="run status"):
        store.finish_run(run.id, "running", {})
    with pytest.raises(ValueError, match="run status"):
        store.finish_run(run.id, "done", {})
    with pytest.raises(RecordNotFoundError):
        store.finish_run(run.id + 100, "ok", {})
    assert store.last_runs()[0].status == "running"


def test_mark_interrupted_runs_closes_only_running_ones(
    store: StateStore, clock: FakeClock
) -> None:
    finished = store.start_run("webcrm")
    store.finish_run(finished.id, "ok", {})
    dangling = store.start_run("fortnox")
    clock.advance(3600)

    assert store.mark_interrupted_runs() == 1

    runs = {run.id: run for run in store.last_runs()}
    assert runs[finished.id].status == "ok"
    assert runs[dangling.id].status == "interrupted"
    assert runs[dangling.id].finished_at == clock.now()
    assert store.mark_interrupted_runs() == 0


# ---- conflicts --------------------------------------------------------------


def record_name_conflict(store: StateStore, **overrides: object) -> int:
    fields: dict[str, object] = {
        "kind": "customer",
        "webcrm_id": "101",
        "fortnox_id": "1",
        "field": "name",
        "base_value": "Acme",
        "webcrm_value": "Acme AB",
        "fortnox_value": "Acme Sverige AB",
        "winner": "fortnox",
        "resolved_value": "Acme Sverige AB",
        "rule": "most recent change wins",
    }
    fields.update(overrides)
    return store.record_conflict(**fields).id  # type: ignore[arg-type]


def test_record_conflict_keeps_every_value(store: StateStore, clock: FakeClock) -> None:
    conflict_id = record_name_conflict(store)

    [conflict] = store.conflicts()
    assert conflict.id == conflict_id
    assert (conflict.base_value, conflict.webcrm_value, conflict.fortnox_value) == (
        "Acme",
        "Acme AB",
        "Acme Sverige AB",
    )
    assert conflict.winner == "fortnox" and conflict.resolved_value == "Acme Sverige AB"
    assert conflict.rule == "most recent change wins" and conflict.field == "name"
    assert conflict.created_at == clock.now() and conflict.acknowledged is False


def test_conflict_values_may_be_empty_numbers_or_structures(store: StateStore) -> None:
    record_name_conflict(
        store,
        field="list_price",
        base_value=None,
        webcrm_value=Decimal("10.50"),
        fortnox_value=12,
        resolved_value={"amount": 12, "currency": "SEK"},
    )
    [conflict] = store.conflicts()
    assert conflict.base_value is None
    assert conflict.webcrm_value == "10.50" and conflict.fortnox_value == 12
    assert conflict.resolved_value == {"amount": 12, "currency": "SEK"}


def test_acknowledged_conflicts_leave_the_default_list(store: StateStore, clock: FakeClock) -> None:
    older = record_name_conflict(store)
    clock.advance(60)
    newer = record_name_conflict(store, field="phone")

    store.acknowledge_conflict(older)

    assert [c.id for c in store.conflicts()] == [newer]
    assert [c.id for c in store.conflicts(include_acknowledged=True)] == [newer, older]
    with pytest.raises(RecordNotFoundError):
        store.acknowledge_conflict(newer + 100)


def test_conflicts_of_one_link(store: StateStore) -> None:
    """Recording a link's conflicts reads only that link's, not the whole table."""
    first = store.save_link(Link(id=None, kind="customer", webcrm_id="101", fortnox_id="1"))
    second = store.save_link(Link(id=None, kind="customer", webcrm_id="102", fortnox_id="2"))
    mine = record_name_conflict(store, link_id=first.id)
    record_name_conflict(store, link_id=second.id, webcrm_id="102", fortnox_id="2")
    assert [c.id for c in store.conflicts(link_id=first.id)] == [mine]
    assert len(store.conflicts()) == 2


def test_conflict_winner_must_be_a_side(store: StateStore) -> None:
    with pytest.raises(ValueError, match="winner"):
        record_name_conflict(store, winner="both")
    assert store.conflicts(include_acknowledged=True) == []


# ---- error inbox ------------------------------------------------------------


def test_first_failure_opens_an_inbox_row(store: StateStore, clock: FakeClock) -> None:
    failure = store.record_failure(
        "customer", "webcrm", "101", "create", "Ogiltigt organisationsnummer", 2000588, {"a": 1}
    )

    assert failure.status == "open" and failure.attempts == 1
    assert failure.code == 2000588 and failure.detail == {"a": 1}
    assert failure.first_seen == failure.last_seen == clock.now()
    assert store.failures() == [failure]


def test_recording_again_counts_attempts_and_keeps_one_open_row(
    store: StateStore, clock: FakeClock
) -> None:
    first = store.record_failure("customer", "webcrm", "101", "create", "first")
    clock.advance(360)

    again = store.record_failure("customer", "webcrm", "101", "create", "second", code=7)

    assert again.id == first.id and again.attempts == 2
    assert again.message == "second" and again.code == 7
    assert again.first_seen == first.first_seen and again.last_seen == clock.now()
    assert store.failures() == [again]


def test_other_operations_and_records_get_their_own_rows(store: StateStore) -> None:
    store.record_failure("customer", "webcrm", "101", "create", "x")
    store.record_failure("customer", "webcrm", "101", "link", "x")
    store.record_failure("customer", "fortnox", "101", "create", "x")
    store.record_failure("delivery", "webcrm", "101", "create", "x")
    assert len(store.failures()) == 4


def test_resolve_closes_open_failures_of_that_record_only(store: StateStore) -> None:
    store.record_failure("customer", "webcrm", "101", "create", "x")
    store.record_failure("customer", "webcrm", "101", "update", "x")
    other = store.record_failure("customer", "webcrm", "102", "create", "x")

    assert store.resolve_failures("customer", "webcrm", "101") == 2

    assert store.failures() == [other]
    assert len(store.failures("resolved")) == 2
    fresh = store.record_failure("customer", "webcrm", "101", "create", "again")
    assert fresh.attempts == 1 and fresh.status == "open"


def test_skip_stops_retries_and_survives_new_attempts(store: StateStore) -> None:
    failure = store.record_failure("customer", "fortnox", "7", "update", "locked")
    assert not store.is_skipped("customer", "fortnox", "7")

    store.skip_failure(failure.id)

    assert store.is_skipped("customer", "fortnox", "7")
    assert not store.is_skipped("customer", "webcrm", "7")
    assert store.failures() == []
    later = store.record_failure("customer", "fortnox", "7", "update", "still locked")
    assert later.id == failure.id and later.status == "skipped" and later.attempts == 2
    assert store.failures() == []
    assert store.resolve_failures("customer", "fortnox", "7") == 0


def test_reopen_undoes_a_skip(store: StateStore) -> None:
    failure = store.record_failure("article", "fortnox", "A1", "create", "x")
    store.skip_failure(failure.id)

    store.reopen_failure(failure.id)

    assert not store.is_skipped("article", "fortnox", "A1")
    assert [f.id for f in store.failures()] == [failure.id]
    with pytest.raises(RecordNotFoundError):
        store.skip_failure(failure.id + 100)


def test_failures_lists_by_status_newest_first(store: StateStore, clock: FakeClock) -> None:
    a = store.record_failure("customer", "webcrm", "1", "create", "x")
    clock.advance(1)
    b = store.record_failure("customer", "webcrm", "2", "create", "x")
    clock.advance(1)
    c = store.record_failure("customer", "webcrm", "3", "create", "x")
    store.skip_failure(b.id)

    assert [f.id for f in store.failures()] == [c.id, a.id]
    assert [f.id for f in store.failures("skipped")] == [b.id]
    assert [f.id for f in store.failures(None)] == [c.id, b.id, a.id]


def test_failure_source_is_checked(store: StateStore) -> None:
    with pytest.raises(ValueError, match="failure source"):
        store.record_failure("customer", "visma", "1", "create", "x")
