"""Intents (crash-safe creates) and incremental cursors."""

from __future__ import annotations

import pytest

from wfsync.clock import FakeClock
from wfsync.state import RecordNotFoundError, StateError, StateStore


def test_begin_intent_commits_at_once(
    store: StateStore, other_store: StateStore, clock: FakeClock
) -> None:
    intent = store.begin_intent("customer", "fortnox", "101", {"Name": "Acme AB"})

    assert intent.kind == "customer" and intent.target == "fortnox"
    assert intent.source_id == "101" and intent.payload == {"Name": "Acme AB"}
    assert intent.created_at == clock.now()
    assert other_store.open_intents() == [intent]


def test_begin_intent_again_returns_the_open_one_unchanged(
    store: StateStore, clock: FakeClock
) -> None:
    first = store.begin_intent("customer", "fortnox", "101", {"Name": "Acme AB"})
    clock.advance(600)

    again = store.begin_intent("customer", "fortnox", "101", {"Name": "Acme Sverige AB"})

    assert again == first
    assert store.open_intents() == [first]


def test_intents_are_keyed_by_kind_target_and_source(store: StateStore) -> None:
    a = store.begin_intent("customer", "fortnox", "101", {})
    b = store.begin_intent("customer", "webcrm", "101", {})
    c = store.begin_intent("delivery", "fortnox", "101", {})
    d = store.begin_intent("customer", "fortnox", "102", {})

    assert len({a.id, b.id, c.id, d.id}) == 4
    assert store.open_intents() == [a, b, c, d]
    assert store.open_intents("delivery") == [c]


def test_finish_intent_closes_it_and_a_later_create_starts_fresh(store: StateStore) -> None:
    first = store.begin_intent("customer", "fortnox", "101", {"v": 1})
    store.finish_intent(first.id)

    assert store.open_intents() == []
    second = store.begin_intent("customer", "fortnox", "101", {"v": 2})
    assert second.id != first.id and second.payload == {"v": 2}
    with pytest.raises(RecordNotFoundError):
        store.finish_intent(first.id)


def test_begin_intent_refuses_to_hide_inside_a_transaction(store: StateStore) -> None:
    with pytest.raises(StateError, match=r"outside store\.transaction"), store.transaction():
        store.begin_intent("customer", "fortnox", "101", {})
    assert store.open_intents() == []


def test_intent_target_and_kind_are_checked(store: StateStore) -> None:
    with pytest.raises(ValueError, match="intent target"):
        store.begin_intent("customer", "excel", "1", {})
    with pytest.raises(ValueError, match="intent kind"):
        store.begin_intent("invoice", "fortnox", "1", {})
    assert store.open_intents() == []


def test_cursor_is_none_until_set(store: StateStore) -> None:
    assert store.get_cursor("fortnox", "customers") is None
    assert store.get_cursor_version("fortnox", "customers") is None


def test_set_cursor_overwrites_and_is_per_source_and_entity(
    store: StateStore, other_store: StateStore
) -> None:
    store.set_cursor("fortnox", "customers", "2026-01-15 10:00")
    store.set_cursor("fortnox", "customers", "2026-01-15 10:06")
    store.set_cursor("fortnox", "articles", "a")
    store.set_cursor("webcrm", "customers", "w")

    assert other_store.get_cursor("fortnox", "customers") == "2026-01-15 10:06"
    assert other_store.get_cursor("fortnox", "articles") == "a"
    assert other_store.get_cursor("webcrm", "customers") == "w"


def test_cursor_of_another_format_version_reads_as_none(store: StateStore) -> None:
    store.set_cursor("webcrm", "deliveries", "old-format")
    assert store.get_cursor_version("webcrm", "deliveries") == 1
    assert store.get_cursor("webcrm", "deliveries", version=2) is None

    store.set_cursor("webcrm", "deliveries", '{"t": "x"}', version=2)

    assert store.get_cursor("webcrm", "deliveries", version=2) == '{"t": "x"}'
    assert store.get_cursor("webcrm", "deliveries", version=1) is None
    assert store.get_cursor("webcrm", "deliveries") == '{"t": "x"}'
