"""Transaction boundaries: what commits together, and what commits on its own."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from wfsync.state import Failure, Link, LinkClashError, StateError, StateStore


class Crash(Exception):
    """Stands in for anything that goes wrong half-way (a bug, a kill, a network error)."""


def test_outside_a_transaction_each_call_commits(
    store: StateStore, other_store: StateStore
) -> None:
    store.save_link(Link(kind="customer", webcrm_id="1"))
    assert other_store.get_link("customer", webcrm_id="1") is not None


def test_writes_in_a_transaction_commit_together(
    store: StateStore, other_store: StateStore
) -> None:
    with store.transaction():
        store.save_link(Link(kind="customer", webcrm_id="1"))
        store.set_cursor("webcrm", "organisations", "c1")
        assert other_store.get_link("customer", webcrm_id="1") is None  # not yet visible
        assert store.get_link("customer", webcrm_id="1") is not None  # but to itself

    assert other_store.get_link("customer", webcrm_id="1") is not None
    assert other_store.get_cursor("webcrm", "organisations") == "c1"


def test_exception_leaves_nothing_behind_including_link_and_finished_intent(
    store: StateStore,
) -> None:
    intent = store.begin_intent("customer", "fortnox", "101", {"name": "Acme"})

    with pytest.raises(Crash), store.transaction():
        store.save_link(Link(kind="customer", webcrm_id="101", fortnox_id="1"))
        store.finish_intent(intent.id)
        raise Crash

    assert store.get_link("customer", webcrm_id="101") is None
    assert store.open_intents() == [intent]


def test_link_and_finished_intent_commit_as_a_pair(store: StateStore) -> None:
    intent = store.begin_intent("customer", "fortnox", "101", {"name": "Acme"})

    with store.transaction():
        store.save_link(Link(kind="customer", webcrm_id="101", fortnox_id="1"))
        store.finish_intent(intent.id)

    assert store.open_intents() == []
    assert store.get_link("customer", fortnox_id="1") is not None


def test_nested_transactions_join_the_outer_one(store: StateStore) -> None:
    with pytest.raises(Crash), store.transaction():
        with store.transaction():
            store.save_link(Link(kind="customer", webcrm_id="1"))
        store.start_run("webcrm")
        raise Crash

    assert store.links("customer") == []
    assert store.last_runs() == []


def test_a_clash_inside_a_transaction_leaves_it_usable(store: StateStore) -> None:
    store.save_link(Link(kind="customer", webcrm_id="1"))

    with store.transaction():
        store.save_link(Link(kind="customer", webcrm_id="2"))
        with pytest.raises(LinkClashError):
            store.save_link(Link(kind="customer", webcrm_id="1"))
        store.save_link(Link(kind="customer", webcrm_id="3"))

    assert [link.webcrm_id for link in store.links("customer")] == ["1", "2", "3"]


def test_another_thread_does_not_join_this_threads_transaction(store: StateStore) -> None:
    seen_from_thread: list[Link | None] = []

    with store.transaction():
        store.save_link(Link(kind="customer", webcrm_id="1"))
        reader = threading.Thread(
            target=lambda: seen_from_thread.append(store.get_link("customer", webcrm_id="1"))
        )
        reader.start()
        reader.join(timeout=10)

    assert seen_from_thread == [None]


async def test_another_task_does_not_join_this_tasks_transaction(store: StateStore) -> None:
    opened = asyncio.Event()
    release = asyncio.Event()

    async def writer() -> None:
        with store.transaction():
            store.save_link(Link(kind="customer", webcrm_id="1"))
            opened.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await opened.wait()
    seen = store.get_link("customer", webcrm_id="1")
    release.set()
    await task

    assert seen is None
    assert store.get_link("customer", webcrm_id="1") is not None


async def test_writing_while_another_task_awaits_inside_a_transaction_fails_fast(
    store: StateStore,
) -> None:
    opened = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        with store.transaction():
            store.save_link(Link(kind="customer", webcrm_id="1"))
            opened.set()
            await release.wait()  # the mistake: awaiting with a transaction open

    task = asyncio.create_task(holder())
    await opened.wait()
    try:
        with pytest.raises(StateError, match="do not await inside"):
            store.save_link(Link(kind="customer", webcrm_id="2"))
        with pytest.raises(StateError, match="do not await inside"), store.transaction():
            pass
    finally:
        release.set()
        await task

    assert [link.webcrm_id for link in store.links("customer")] == ["1"]
    store.save_link(Link(kind="customer", webcrm_id="2"))  # fine once it has ended


def test_two_processes_recording_the_same_first_failure_share_one_row(
    store: StateStore, other_store: StateStore
) -> None:
    results: list[Failure] = []
    racer = threading.Thread(
        target=lambda: results.append(
            other_store.record_failure("customer", "webcrm", "1", "create", "second")
        )
    )
    with store.transaction():
        store.record_failure("customer", "webcrm", "1", "create", "first")
        racer.start()
        time.sleep(0.1)  # the racer reaches the database and waits on our row
    racer.join(timeout=20)

    assert [(f.attempts, f.message) for f in results] == [(2, "second")]
    assert [f.id for f in store.failures()] == [results[0].id]
