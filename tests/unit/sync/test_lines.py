"""The line-list merge: examples for each rule, then properties over random edits."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from wfsync.domain.models import Line
from wfsync.sync.lines import (
    LineMerge,
    WebcrmLine,
    content_key,
    merge_lines,
    same_lines,
    sort_orders,
)
from wfsync.sync.merge import Side


def line(text: str, quantity: int = 1) -> Line:
    return Line(article_number="A1", description=text, quantity=Decimal(quantity))


def fortnox_wins(_field: str) -> tuple[Side, str]:
    return "fortnox", "test rule"


def webcrm_wins(_field: str) -> tuple[Side, str]:
    return "webcrm", "test rule"


BASE_W = [WebcrmLine(1, line("a"), 10), WebcrmLine(2, line("b"), 20), WebcrmLine(3, line("c"), 30)]
BASE_F = [line("a"), line("b"), line("c")]


def merge(webcrm: list[WebcrmLine], fortnox: list[Line], winner=fortnox_wins) -> LineMerge:  # type: ignore[no-untyped-def]
    return merge_lines(
        webcrm=webcrm, fortnox=fortnox, webcrm_base=BASE_W, fortnox_base=BASE_F, winner=winner
    )


def texts(lines: list[Line]) -> list[str | None]:
    return [x.description for x in lines]


# --- examples ---------------------------------------------------------------------------


def test_nothing_changed_writes_nothing() -> None:
    result = merge(list(BASE_W), list(BASE_F))
    assert texts(result.agreed) == ["a", "b", "c"]
    assert not result.fortnox_changed and not result.webcrm_changed and not result.conflicts


def test_representation_differences_of_unchanged_lines_are_not_written() -> None:
    # Fortnox filled the unit from the article; the snapshot says so: not a change.
    filled = [x.model_copy(update={"unit": "st"}) for x in BASE_F]
    result = merge_lines(
        webcrm=list(BASE_W),
        fortnox=filled,
        webcrm_base=BASE_W,
        fortnox_base=filled,
        winner=fortnox_wins,
    )
    assert not result.fortnox_changed and not result.webcrm_changed


def test_webcrm_edit_goes_to_fortnox_only() -> None:
    edited = [BASE_W[0], WebcrmLine(2, line("b", 5), 20), BASE_W[2]]
    result = merge(edited, list(BASE_F))
    assert result.fortnox_rows[1].quantity == 5
    assert result.fortnox_changed and not result.webcrm_changed


def test_fortnox_edit_goes_to_the_same_webcrm_line() -> None:
    result = merge(list(BASE_W), [line("a"), line("b", 7), line("c")])
    item = result.lines[1]
    assert item.webcrm_id == 2 and item.write_webcrm and item.line.quantity == 7
    assert not result.fortnox_changed


def test_webcrm_delete_removes_the_fortnox_row() -> None:
    result = merge([BASE_W[0], BASE_W[2]], list(BASE_F))
    assert texts(result.fortnox_rows) == ["a", "c"]
    assert result.webcrm_deleted == []


def test_fortnox_delete_deletes_the_webcrm_line() -> None:
    result = merge(list(BASE_W), [line("a"), line("c")])
    assert result.webcrm_deleted == [2]
    assert texts(result.agreed) == ["a", "c"]
    assert not result.fortnox_changed


def test_delete_against_modify_keeps_the_modified_line_and_reports_it() -> None:
    result = merge([BASE_W[0], BASE_W[2]], [line("a"), line("b", 9), line("c")])
    assert [x.quantity for x in result.agreed] == [1, 9, 1]
    assert result.lines[1].webcrm_id is None  # re-created in webCRM
    assert [c.field for c in result.conflicts] == ["lines[1]"]


def test_different_fields_edited_on_each_side_both_stay() -> None:
    w = [BASE_W[0], WebcrmLine(2, line("b", 6), 20), BASE_W[2]]
    f = [line("a"), line("b").model_copy(update={"price": Decimal(99)}), line("c")]
    result = merge(w, f)
    assert (result.agreed[1].quantity, result.agreed[1].price) == (6, 99)
    assert result.lines[1].write_webcrm and result.lines[1].write_fortnox
    assert not result.conflicts


def test_both_modified_differently_is_a_conflict_settled_by_the_rule() -> None:
    w = [BASE_W[0], WebcrmLine(2, line("b", 2), 20), BASE_W[2]]
    f = [line("a"), line("b", 3), line("c")]
    by_fortnox = merge(w, f, fortnox_wins)
    by_webcrm = merge(w, f, webcrm_wins)
    assert by_fortnox.agreed[1].quantity == 3 and by_fortnox.lines[1].write_webcrm
    assert by_webcrm.agreed[1].quantity == 2 and by_webcrm.fortnox_changed
    assert by_fortnox.conflicts[0].winner == "fortnox" and by_webcrm.conflicts[0].winner == "webcrm"
    assert by_fortnox.conflicts[0].field == "lines[1].quantity"


def test_both_modified_alike_is_no_conflict() -> None:
    w = [BASE_W[0], WebcrmLine(2, line("b", 4), 20), BASE_W[2]]
    result = merge(w, [line("a"), line("b", 4), line("c")])
    assert not result.conflicts and not result.fortnox_changed and not result.webcrm_changed


def test_inserts_land_after_their_anchor_webcrm_first() -> None:
    w = [BASE_W[0], WebcrmLine(9, line("w"), 15), BASE_W[1], BASE_W[2]]
    f = [line("a"), line("f"), line("b"), line("c")]
    result = merge(w, f)
    assert texts(result.agreed) == ["a", "w", "f", "b", "c"]
    assert [x.webcrm_id for x in result.lines] == [1, 9, None, 2, 3]


def test_the_same_insert_on_both_sides_is_one_line() -> None:
    w = [*BASE_W, WebcrmLine(9, line("x"), 40)]
    result = merge(w, [*BASE_F, line("x")])
    assert texts(result.agreed) == ["a", "b", "c", "x"]
    assert not result.fortnox_changed and not result.webcrm_changed


def test_fortnox_reorder_moves_the_webcrm_line_without_recreating_it() -> None:
    result = merge(list(BASE_W), [line("c"), line("a"), line("b")])
    assert texts(result.agreed) == ["c", "a", "b"]
    assert [x.webcrm_id for x in result.lines] == [3, 1, 2]
    assert result.webcrm_deleted == [] and not result.fortnox_changed


def test_webcrm_reorder_reorders_fortnox_rows() -> None:
    w = [BASE_W[2], BASE_W[0], BASE_W[1]]
    result = merge(w, list(BASE_F))
    assert texts(result.fortnox_rows) == ["c", "a", "b"] and result.fortnox_changed


def test_first_sync_takes_the_preferred_side_and_reuses_lines_by_position() -> None:
    result = merge_lines(
        webcrm=[WebcrmLine(5, line("a"), 10)],
        fortnox=[line("a"), line("z")],
        webcrm_base=None,
        fortnox_base=None,
        winner=fortnox_wins,
        first_sync="fortnox",
    )
    assert texts(result.agreed) == ["a", "z"]
    assert [x.webcrm_id for x in result.lines] == [5, None]


def test_decimal_spelling_is_not_a_change() -> None:
    assert content_key(Line(price=Decimal("10.00"))) == content_key(Line(price=Decimal(10)))
    assert same_lines([Line(quantity=Decimal("1.0"))], [Line(quantity=Decimal(1))])


def test_sort_orders_keep_existing_numbers_and_fill_gaps() -> None:
    assert sort_orders([10, None, 20]) == [10, 15, 20]
    assert sort_orders([10, 20, None]) == [10, 20, 30]
    assert sort_orders([20, 10]) == [10, 20]  # out of order: renumber
    assert sort_orders([10, None, 11]) == [10, 20, 30]  # no gap: renumber


# --- properties -------------------------------------------------------------------------

_ids = itertools.count(1000)
_texts = itertools.count()


def fresh(tag: str) -> Line:
    return line(f"{tag}{next(_texts)}")


@dataclass
class Edit:
    kind: str  # insert | delete | move | modify
    at: int
    to: int


edits = st.lists(
    st.builds(
        Edit,
        st.sampled_from(["insert", "delete", "move", "modify"]),
        st.integers(0, 20),
        st.integers(0, 20),
    ),
    max_size=6,
)


def apply(items: list[object], edit: Edit, make: object, modify: object) -> None:
    if edit.kind == "insert":
        items.insert(edit.at % (len(items) + 1), make())  # type: ignore[operator]
        return
    if not items:
        return
    k = edit.at % len(items)
    if edit.kind == "delete":
        items.pop(k)
    elif edit.kind == "move":
        items.insert(edit.to % len(items), items.pop(k))
    else:
        items[k] = modify(items[k])  # type: ignore[operator]


def new_webcrm() -> WebcrmLine:
    return WebcrmLine(next(_ids), fresh("w"), 0)


def edit_webcrm(item: WebcrmLine) -> WebcrmLine:
    return WebcrmLine(item.id, fresh("w"), item.sort_order)


@given(st.integers(0, 6), edits, edits, st.booleans())
@settings(max_examples=300, deadline=None)
def test_any_edits_on_both_sides_converge(
    size: int, w_edits: list[Edit], f_edits: list[Edit], webcrm_first: bool
) -> None:
    base_f = [fresh("b") for _ in range(size)]
    base_w = [WebcrmLine(n + 1, x, 10 * (n + 1)) for n, x in enumerate(base_f)]
    w_now: list[WebcrmLine] = list(base_w)
    f_now: list[Line] = list(base_f)
    for edit in w_edits:
        apply(w_now, edit, new_webcrm, edit_webcrm)  # type: ignore[arg-type]
    for edit in f_edits:
        apply(f_now, edit, lambda: fresh("f"), lambda _x: fresh("f"))  # type: ignore[arg-type]
    winner = webcrm_wins if webcrm_first else fortnox_wins
    result = merge_lines(
        webcrm=w_now, fortnox=f_now, webcrm_base=base_w, fortnox_base=base_f, winner=winner
    )
    agreed = [x.description for x in result.agreed]

    # Never duplicates: every content is unique, so no description may appear twice,
    # and no webCRM line id is used twice.
    assert len(agreed) == len(set(agreed))
    used = [x.webcrm_id for x in result.lines if x.webcrm_id is not None]
    assert len(used) == len(set(used))

    # Never drops what one side inserted or changed, nor what both sides kept.
    w_texts = {x.line.description for x in w_now}
    f_texts = {x.description for x in f_now}
    base_texts = {x.description for x in base_f}
    # (a conflict's losing value is the one exception, and it is recorded).
    lost = set()
    for conflict in result.conflicts:
        loser = conflict.webcrm if conflict.winner == "fortnox" else conflict.fortnox
        if isinstance(loser, dict):
            lost.add(loser["description"])
        elif conflict.field.endswith(".description"):
            lost.add(loser)
    for text in (w_texts | f_texts) - base_texts:
        assert text in agreed or text in lost
    for text in (w_texts & f_texts) & base_texts:
        assert text in agreed
    # A line is dropped only when absent from one side and unchanged on the other.
    for text in set(agreed):
        assert text in w_texts or text in f_texts

    # One side untouched → the result is exactly the other side.
    if not w_edits:
        assert agreed == [x.description for x in f_now]
        assert not result.fortnox_changed
    if not f_edits:
        assert agreed == [x.line.description for x in w_now]
        assert not result.webcrm_changed

    # Writing the result to both sides and merging again is quiet.
    ids = iter(itertools.count(5000))
    new_w = [
        WebcrmLine(x.webcrm_id or next(ids), x.webcrm_value if not x.write_webcrm else x.line, n)
        for n, x in enumerate(result.lines)
    ]
    new_f = result.fortnox_rows
    assert same_lines([x.line for x in new_w], new_f)
    again = merge_lines(
        webcrm=new_w, fortnox=new_f, webcrm_base=new_w, fortnox_base=new_f, winner=winner
    )
    assert not again.fortnox_changed and not again.webcrm_changed and not again.conflicts
    # Deleted webCRM ids are exactly those not carried over.
    assert set(result.webcrm_deleted) == {x.id for x in w_now} - set(used)
