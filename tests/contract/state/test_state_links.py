"""Links: the pairs of ids and the last-synced snapshots, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from wfsync.clock import FakeClock
from wfsync.state import (
    AmbiguousLinkError,
    Link,
    LinkClashError,
    RecordNotFoundError,
    StateStore,
)


def customer(webcrm_id: str | None = "101", fortnox_id: str | None = "1") -> Link:
    return Link(
        kind="customer",
        webcrm_id=webcrm_id,
        fortnox_id=fortnox_id,
        webcrm_snapshot={"name": "Acme AB", "phone": None},
        fortnox_snapshot={"name": "Acme AB", "phone": "08-123"},
        webcrm_hash="w1",
        fortnox_hash="f1",
    )


def test_save_inserts_and_get_finds_by_either_id(store: StateStore, clock: FakeClock) -> None:
    saved = store.save_link(customer())

    assert saved.id is not None
    assert saved.created_at == clock.now() and saved.updated_at == clock.now()
    by_webcrm = store.get_link("customer", webcrm_id="101")
    by_fortnox = store.get_link("customer", fortnox_id="1")
    assert by_webcrm == saved == by_fortnox
    assert by_webcrm is not None and by_webcrm.fortnox_snapshot == {
        "name": "Acme AB",
        "phone": "08-123",
    }


def test_get_link_is_none_for_unknown_ids_and_other_kinds(store: StateStore) -> None:
    store.save_link(customer())

    assert store.get_link("customer", webcrm_id="999") is None
    assert store.get_link("article", webcrm_id="101") is None
    with pytest.raises(ValueError):
        store.get_link("customer")


def test_save_does_not_modify_its_argument(store: StateStore) -> None:
    link = customer()
    saved = store.save_link(link)
    assert link.id is None and saved.id is not None


def test_update_by_id_changes_fields_and_updated_at(store: StateStore, clock: FakeClock) -> None:
    saved = store.save_link(customer(fortnox_id=None))
    clock.advance(60)
    saved.fortnox_id = "7"
    saved.fortnox_snapshot = {"name": "Acme Sverige AB"}
    saved.state = "paused"
    saved.note = "Type no longer synced"
    saved.last_synced_at = clock.now()

    updated = store.save_link(saved)

    assert updated.id == saved.id
    assert updated.created_at == saved.created_at
    assert updated.updated_at == clock.now()
    assert store.get_link("customer", fortnox_id="7") == updated
    assert updated.state == "paused" and updated.note == "Type no longer synced"
    assert len(store.links("customer")) == 1


def test_links_lists_by_kind_and_state(store: StateStore) -> None:
    first = store.save_link(customer("1", "1"))
    paused = customer("2", "2")
    paused.state = "paused"
    second = store.save_link(paused)
    store.save_link(Link(kind="article", fortnox_id="A1", webcrm_id="9"))

    assert [link.id for link in store.links("customer")] == [first.id, second.id]
    assert [link.id for link in store.links("customer", state="paused")] == [second.id]
    assert [link.fortnox_id for link in store.links("article")] == ["A1"]
    assert store.links("delivery") == []


def test_same_webcrm_id_twice_is_a_clear_clash(store: StateStore) -> None:
    first = store.save_link(customer("101", "1"))

    with pytest.raises(LinkClashError, match=rf"webCRM customer 101 .*link {first.id}"):
        store.save_link(customer("101", "2"))
    assert len(store.links("customer")) == 1


def test_same_fortnox_id_twice_is_a_clash(store: StateStore) -> None:
    store.save_link(customer("101", "1"))
    other = store.save_link(customer("102", None))
    other.fortnox_id = "1"

    with pytest.raises(LinkClashError, match="Fortnox customer 1"):
        store.save_link(other)
    unchanged = store.get_link("customer", webcrm_id="102")
    assert unchanged is not None and unchanged.fortnox_id is None


def test_missing_ids_never_clash(store: StateStore) -> None:
    store.save_link(customer("101", None))
    store.save_link(customer("102", None))
    store.save_link(customer(None, "5"))
    store.save_link(customer(None, "6"))
    assert len(store.links("customer")) == 4


def test_same_id_in_different_kinds_is_fine(store: StateStore) -> None:
    store.save_link(Link(kind="customer", webcrm_id="5", fortnox_id="5"))
    store.save_link(Link(kind="article", webcrm_id="5", fortnox_id="5"))
    assert store.get_link("article", fortnox_id="5") is not None


def test_order_and_invoice_with_the_same_number_are_separate(store: StateStore) -> None:
    order = store.save_link(
        Link(kind="delivery", webcrm_id="d1", fortnox_id="5", fortnox_type="order")
    )
    invoice = store.save_link(
        Link(kind="delivery", webcrm_id="d2", fortnox_id="5", fortnox_type="invoice")
    )

    assert store.get_link("delivery", fortnox_id="5", fortnox_type="order") == order
    assert store.get_link("delivery", fortnox_id="5", fortnox_type="invoice") == invoice
    with pytest.raises(AmbiguousLinkError, match="pass fortnox_type"):
        store.get_link("delivery", fortnox_id="5")
    with pytest.raises(LinkClashError, match="Fortnox delivery invoice 5"):
        store.save_link(
            Link(kind="delivery", webcrm_id="d3", fortnox_id="5", fortnox_type="invoice")
        )


def test_unknown_kind_state_and_id_are_rejected(store: StateStore) -> None:
    with pytest.raises(ValueError, match="link kind"):
        store.save_link(Link(kind="organisation", webcrm_id="1"))
    with pytest.raises(ValueError, match="link state"):
        store.save_link(Link(kind="customer", webcrm_id="1", state="deleted"))
    with pytest.raises(ValueError, match="Fortnox document type"):
        store.save_link(Link(kind="delivery", fortnox_id="5", fortnox_type="offer"))
    with pytest.raises(RecordNotFoundError):
        store.save_link(Link(id=4242, kind="customer", webcrm_id="1"))
    assert store.links("customer") == []


def test_delete_link_forgets_the_pair_and_detaches_conflicts(store: StateStore) -> None:
    link = store.save_link(customer())
    assert link.id is not None
    conflict = store.record_conflict(
        kind="customer",
        link_id=link.id,
        field="name",
        webcrm_value="A",
        fortnox_value="B",
        winner="fortnox",
        resolved_value="B",
        rule="most recent change",
    )

    store.delete_link(link.id)

    assert store.get_link("customer", webcrm_id="101") is None
    kept = store.conflicts()
    assert [c.id for c in kept] == [conflict.id] and kept[0].link_id is None
    with pytest.raises(RecordNotFoundError):
        store.delete_link(link.id)


def test_json_documents_round_trip(store: StateStore) -> None:
    snapshot = {
        "name": "Åkesson & Öberg AB",
        "lines": [{"article": "A1", "quantity": "2", "price": 99.5}, {"text": None}],
        "private": False,
        "nested": {"empty": {}, "list": []},
    }
    link = customer()
    link.webcrm_snapshot = snapshot
    link.extra = {"invoice_number": "1001", "line_map": {"w1": 3}}

    store.save_link(link)
    found = store.get_link("customer", webcrm_id="101")

    assert found is not None
    assert found.webcrm_snapshot == snapshot
    assert found.extra == {"invoice_number": "1001", "line_map": {"w1": 3}}


def test_decimals_and_dates_are_stored_as_exact_strings(store: StateStore) -> None:
    link = customer()
    link.fortnox_snapshot = {"price": Decimal("1234.50"), "since": datetime(2026, 1, 2).date()}
    saved = store.save_link(link)
    assert saved.fortnox_snapshot == {"price": "1234.50", "since": "2026-01-02"}


def test_datetimes_come_back_aware_utc(store: StateStore) -> None:
    stockholm_summer = timezone(timedelta(hours=2))
    link = customer()
    link.last_synced_at = datetime(2026, 6, 1, 12, 30, 15, 123456, tzinfo=stockholm_summer)

    store.save_link(link)
    found = store.get_link("customer", webcrm_id="101")

    assert found is not None and found.last_synced_at is not None
    assert found.last_synced_at.tzinfo == UTC
    assert found.last_synced_at == datetime(2026, 6, 1, 10, 30, 15, 123456, tzinfo=UTC)


def test_naive_datetimes_are_refused(store: StateStore) -> None:
    link = customer()
    link.last_synced_at = datetime(2026, 6, 1, 12, 0)
    with pytest.raises(Exception, match="naive datetime"):
        store.save_link(link)
    assert store.links("customer") == []


def test_links_by_ids_loads_a_page_of_links_at_once(store: StateStore) -> None:
    for n in range(1, 1203):
        store.save_link(customer(webcrm_id=str(1000 + n), fortnox_id=str(n)))
    wanted = [str(1000 + n) for n in range(1, 1203, 2)] + ["999999"]
    found = store.links_by_ids("customer", "webcrm", wanted)
    assert sorted(found) == sorted(wanted[:-1])
    assert found["1003"].fortnox_id == "3"
    by_number = store.links_by_ids("customer", "fortnox", ["5", "7"])
    assert {k: v.webcrm_id for k, v in by_number.items()} == {"5": "1005", "7": "1007"}
    assert store.links_by_ids("article", "fortnox", ["5"]) == {}
