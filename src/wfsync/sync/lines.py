"""Three-way merge of a delivery's line list (pure: no HTTP, no state store).

The two systems identify lines differently, so each side is diffed against its
own last-synced snapshot in its own way:

* **webCRM** ``QuotationLineId``\\ s are stable: a line of the snapshot is *kept*
  (maybe *modified*) if its id is still there, *deleted* if not; ids not in the
  snapshot are *inserted*. Order is ``SortOrder``.
* **Fortnox** regenerates every ``RowId`` on every write, so rows have no
  identity. The current rows are aligned with the snapshot rows on content
  (:class:`difflib.SequenceMatcher` over content keys): equal runs are kept,
  deleted/inserted runs are deletions/insertions, and inside a *replace* run
  rows are paired by position as modifications (the surplus on either side is a
  deletion or an insertion).

The two snapshots are aligned with each other — the i-th webCRM snapshot line
*is* the i-th Fortnox snapshot row — so both diffs speak about the same "base
lines". Per base line:

=====================  =====================  ==========================================
webCRM                 Fortnox                result
=====================  =====================  ==========================================
unchanged              unchanged              kept, nothing written
modified               unchanged              webCRM's content (written to Fortnox)
unchanged              modified               Fortnox's content (written to webCRM)
modified               modified               merged field by field (:func:`three_way`):
                                              a field changed on both sides to different
                                              values is a conflict, the rule picks it
deleted                unchanged              deleted on both
deleted                modified               kept with Fortnox's content, conflict
modified               deleted                kept with webCRM's content, conflict
deleted                deleted                deleted
=====================  =====================  ==========================================

Insertions are placed right after their *anchor* (the base line before them on
their side; the start of the list if none), webCRM's before Fortnox's. An
insertion made on both sides with the same content after the same anchor is one
line, not two — this is also what makes a crash between writing one side and
recording the snapshots harmless. If webCRM reordered its lines, webCRM's order
of the base lines is used; a row Fortnox moved (deleted in one place, inserted
with identical content in another) is recognised as a move and keeps its webCRM
line, which is re-sorted.

A line is only ever dropped when one side deleted it and the other left it as
it was; a line either side inserted or changed is never dropped, and no line is
ever emitted twice.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from wfsync.domain.models import Line
from wfsync.domain.normalise import key_of
from wfsync.sync.merge import FieldConflict, Side, three_way

__all__ = [
    "LineMerge",
    "MergedLine",
    "WebcrmLine",
    "content_key",
    "merge_lines",
    "same_lines",
    "sort_orders",
]

#: Gap between webCRM sort orders we assign (webCRM itself uses 10, 20, …).
SORT_STEP = 10
LINE_FIELDS: tuple[str, ...] = tuple(Line.model_fields)

Winner = Callable[[str], tuple[Side, str]]
_State = Literal["same", "modified", "deleted"]


def content_key(line: Line) -> tuple[Any, ...]:
    """What a line *means*: equal keys are the same line content (10 == 10.00)."""
    return tuple(key_of(name, value) for name, value in line.values().items())


def same_lines(a: Sequence[Line], b: Sequence[Line]) -> bool:
    """Same content in the same order."""
    return [content_key(x) for x in a] == [content_key(y) for y in b]


@dataclass(frozen=True)
class WebcrmLine:
    """A webCRM quotation line: its stable id, sort order and canonical content."""

    id: int
    line: Line
    sort_order: int = 0


@dataclass(frozen=True)
class MergedLine:
    """One line of the agreed list and what each side holds for it now."""

    #: The agreed content.
    line: Line
    #: The webCRM line that carries it (``None``: to be created in webCRM).
    webcrm_id: int | None = None
    #: webCRM's current content of that line (``None``: not in webCRM).
    webcrm: Line | None = None
    #: Fortnox's current content of the row (``None``: not in Fortnox).
    fortnox: Line | None = None
    #: webCRM's content must change (a create is implied by ``webcrm_id`` None).
    write_webcrm: bool = False
    #: Fortnox's content must change (a new row is implied by ``fortnox`` None).
    write_fortnox: bool = False

    @property
    def fortnox_value(self) -> Line:
        """The row to send to Fortnox: its own current form unless it must change."""
        if self.fortnox is not None and not self.write_fortnox:
            return self.fortnox
        return self.line

    @property
    def webcrm_value(self) -> Line:
        if self.webcrm is not None and not self.write_webcrm:
            return self.webcrm
        return self.line


@dataclass
class LineMerge:
    lines: list[MergedLine]
    #: webCRM line ids to delete.
    webcrm_deleted: list[int] = field(default_factory=list)
    conflicts: list[FieldConflict] = field(default_factory=list)
    #: Fortnox's current rows, to tell whether the row set must be written.
    fortnox_current: list[Line] = field(default_factory=list)

    @property
    def fortnox_rows(self) -> list[Line]:
        """The complete row list to send to Fortnox (positional, no RowIds)."""
        return [item.fortnox_value for item in self.lines]

    @property
    def fortnox_changed(self) -> bool:
        """Fortnox must be written: a row's content, count or order differs."""
        return not same_lines(self.fortnox_rows, self.fortnox_current)

    @property
    def webcrm_changed(self) -> bool:
        """Some webCRM line must be created, changed or deleted (sort order aside)."""
        return bool(self.webcrm_deleted) or any(
            item.webcrm_id is None or item.write_webcrm for item in self.lines
        )

    @property
    def agreed(self) -> list[Line]:
        return [item.line for item in self.lines]


# --- per-side diffs -------------------------------------------------------------------


@dataclass
class _SideDiff:
    """One side's changes relative to the base, by base index."""

    state: list[_State]
    #: Current content of base lines that are still there.
    current: list[Line | None]
    #: anchor (base index, -1 = start) → lines inserted after it, in order.
    inserted: dict[int, list[Any]]


def _webcrm_diff(
    base: Sequence[WebcrmLine], now: Sequence[WebcrmLine]
) -> tuple[_SideDiff, list[int]]:
    """Diff by id; also returns webCRM's current order of the surviving base lines."""
    index = {line.id: i for i, line in enumerate(base)}
    state: list[_State] = ["deleted"] * len(base)
    current: list[Line | None] = [None] * len(base)
    inserted: dict[int, list[Any]] = defaultdict(list)
    order: list[int] = []
    anchor = -1
    for line in now:
        i = index.get(line.id)
        if i is None or current[i] is not None:  # new (or a repeated id: treat as new)
            inserted[anchor].append(line)
            continue
        current[i] = line.line
        same = content_key(line.line) == content_key(base[i].line)
        state[i] = "same" if same else "modified"
        order.append(i)
        anchor = i
    return _SideDiff(state, current, dict(inserted)), order


def _fortnox_diff(base: Sequence[Line], now: Sequence[Line]) -> tuple[_SideDiff, set[int]]:
    """Diff by content alignment (rows have no stable identity).

    Runs the sequence alignment finds equal are kept. Of the rest, a row whose
    exact content is a base row that is not kept elsewhere was *moved*: it is
    reported as unchanged, with its new place as an entry ``_Moved(i)`` in
    ``inserted``. What remains inside one changed run is paired by position as
    modifications; surplus base rows are deletions, surplus new rows insertions.
    Also returns the set of moved base indices.
    """
    keys = [content_key(x) for x in base]
    new_keys = [content_key(y) for y in now]
    state: list[_State] = ["deleted"] * len(base)
    current: list[Line | None] = [None] * len(base)
    inserted: dict[int, list[Any]] = defaultdict(list)
    matcher = difflib.SequenceMatcher(None, keys, new_keys, autojunk=False)
    blocks = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    for tag, i1, i2, j1, _j2 in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                state[i1 + offset] = "same"
                current[i1 + offset] = now[j1 + offset]
    # Moves: an unmatched new row equal to an unmatched base row.
    free_base = [i for _t, i1, i2, _a, _b in blocks for i in range(i1, i2)]
    moved_to: dict[int, int] = {}
    for _t, _i1, _i2, j1, j2 in blocks:
        for j in range(j1, j2):
            twin = next((i for i in free_base if keys[i] == new_keys[j]), None)
            if twin is not None:
                free_base.remove(twin)
                moved_to[j] = twin
    for _t, i1, i2, j1, j2 in blocks:
        leftover = [i for i in range(i1, i2) if i in free_base]
        anchor = i1 - 1
        for j in range(j1, j2):
            if j in moved_to:
                i = moved_to[j]
                state[i], current[i] = "same", now[j]
                inserted[anchor].append(_Moved(i))
            elif leftover:
                anchor = leftover.pop(0)
                state[anchor], current[anchor] = "modified", now[j]
            else:
                inserted[anchor].append(now[j])
    return _SideDiff(state, current, dict(inserted)), set(moved_to.values())


@dataclass(frozen=True)
class _Moved:
    """A base row Fortnox moved: emit the merged base line here."""

    index: int


# --- the merge --------------------------------------------------------------------------


def _skeleton(order: list[int], size: int) -> list[int]:
    """Base indices in webCRM's current order, with webCRM-deleted ones at their base place."""
    skeleton = list(order)
    placed = set(order)
    for i in range(size):
        if i in placed:
            continue
        before = [j for j in range(i - 1, -1, -1) if j in placed]
        position = skeleton.index(before[0]) + 1 if before else 0
        skeleton.insert(position, i)
        placed.add(i)
    return skeleton


def _dump(line: Line | None) -> dict[str, Any] | None:
    return None if line is None else line.model_dump(mode="json")


def merge_lines(
    *,
    webcrm: Sequence[WebcrmLine],
    fortnox: Sequence[Line],
    webcrm_base: Sequence[WebcrmLine] | None,
    fortnox_base: Sequence[Line] | None,
    winner: Winner,
    first_sync: Side = "webcrm",
) -> LineMerge:
    """Merge both sides' current lines against their aligned snapshots.

    Without snapshots (a pair linked for the first time) the ``first_sync``
    side's list is taken as the agreed list, reusing the other side's lines by
    position where there are any.
    """
    if webcrm_base is None or fortnox_base is None:
        return _first_sync(webcrm, fortnox, first_sync)
    if len(webcrm_base) != len(fortnox_base):
        raise ValueError("line snapshots of the two sides are not aligned")
    w_diff, w_order = _webcrm_diff(webcrm_base, webcrm)
    f_diff, f_moved = _fortnox_diff(fortnox_base, fortnox)
    result = LineMerge(lines=[], fortnox_current=list(fortnox))
    kept_ids: set[int] = set()

    def emit_base(i: int) -> None:
        merged = _merge_base_line(
            i, webcrm_base[i], fortnox_base[i], w_diff, f_diff, winner, result.conflicts
        )
        if merged is not None:
            result.lines.append(merged)
            if merged.webcrm_id is not None:
                kept_ids.add(merged.webcrm_id)
        emit_inserts(i)

    def emit_inserts(anchor: int) -> None:
        w_new: list[WebcrmLine] = w_diff.inserted.pop(anchor, [])
        f_new: list[Any] = f_diff.inserted.pop(anchor, [])
        # The same line inserted on both sides after the same anchor is one line.
        for w_line in w_new:
            twin = next(
                (
                    k
                    for k, f_line in enumerate(f_new)
                    if isinstance(f_line, Line) and content_key(f_line) == content_key(w_line.line)
                ),
                None,
            )
            f_match = f_new.pop(twin) if twin is not None else None
            kept_ids.add(w_line.id)
            result.lines.append(MergedLine(w_line.line, w_line.id, w_line.line, f_match))
        for entry in f_new:
            if isinstance(entry, _Moved):
                emit_base(entry.index)
            else:
                result.lines.append(MergedLine(entry, None, None, entry))

    emit_inserts(-1)
    for i in _skeleton(w_order, len(webcrm_base)):
        if i not in f_moved:
            emit_base(i)
    result.webcrm_deleted = [line.id for line in webcrm if line.id not in kept_ids]
    return result


def _merge_base_line(
    i: int,
    base: WebcrmLine,
    f_base: Line,
    w_diff: _SideDiff,
    f_diff: _SideDiff,
    winner: Winner,
    conflicts: list[FieldConflict],
) -> MergedLine | None:
    w_state, f_state = w_diff.state[i], f_diff.state[i]
    w_now, f_now = w_diff.current[i], f_diff.current[i]
    w_id = base.id if w_now is not None else None
    name = f"lines[{i}]"
    if w_state == "deleted" and f_state == "deleted":
        return None
    if w_state == "deleted":
        if f_state == "same":
            return None
        assert f_now is not None
        conflicts.append(
            FieldConflict(
                name,
                _dump(base.line),
                None,
                _dump(f_now),
                "fortnox",
                "a line deleted on one side and changed on the other is kept",
            )
        )
        return MergedLine(f_now, None, None, f_now)
    assert w_now is not None
    if f_state == "deleted":
        if w_state == "same":
            return None
        conflicts.append(
            FieldConflict(
                name,
                _dump(base.line),
                _dump(w_now),
                None,
                "webcrm",
                "a line deleted on one side and changed on the other is kept",
            )
        )
        return MergedLine(w_now, w_id, w_now, None)
    assert f_now is not None
    # Both still hold the line: merge it field by field against each side's base,
    # so an edit of the quantity in one system and of the price in the other both stay.
    field_merge = three_way(
        LINE_FIELDS,
        webcrm=w_now.values(),
        fortnox=f_now.values(),
        webcrm_snapshot=base.line.values(),
        fortnox_snapshot=f_base.values(),
        winner=lambda field_name: winner(f"{name}.{field_name}"),
    )
    for conflict in field_merge.conflicts:
        conflicts.append(replace(conflict, field=f"{name}.{conflict.field}"))
    return MergedLine(
        Line(**field_merge.merged),
        w_id,
        w_now,
        f_now,
        write_webcrm=bool(field_merge.to_webcrm),
        write_fortnox=bool(field_merge.to_fortnox),
    )


def _first_sync(webcrm: Sequence[WebcrmLine], fortnox: Sequence[Line], prefer: Side) -> LineMerge:
    result = LineMerge(lines=[], fortnox_current=list(fortnox))
    agreed = [line.line for line in webcrm] if prefer == "webcrm" else list(fortnox)
    for k, line in enumerate(agreed):
        w_line = webcrm[k] if k < len(webcrm) else None
        f_line = fortnox[k] if k < len(fortnox) else None
        w_content = w_line.line if w_line is not None else None
        result.lines.append(
            MergedLine(
                line,
                w_line.id if w_line is not None else None,
                w_content,
                f_line,
                write_webcrm=w_content is not None and content_key(w_content) != content_key(line),
                write_fortnox=f_line is not None and content_key(f_line) != content_key(line),
            )
        )
    result.webcrm_deleted = [line.id for line in webcrm[len(agreed) :]]
    return result


def sort_orders(current: Sequence[int | None]) -> list[int]:
    """webCRM sort orders for the merged list, changing as few existing lines as possible.

    ``current[k]`` is the sort order webCRM holds for the k-th merged line
    (``None`` for lines to be created). Existing lines keep their numbers while
    they are strictly increasing and every new line fits into a gap between its
    neighbours; otherwise the whole list is renumbered 10, 20, ….
    """
    result: list[int] = []
    previous = 0
    for k, value in enumerate(current):
        if value is not None:
            if value <= previous:
                return [SORT_STEP * (n + 1) for n in range(len(current))]
            result.append(value)
            previous = value
            continue
        upper = next((v for v in current[k + 1 :] if v is not None), None)
        candidate = previous + SORT_STEP if upper is None else (previous + upper) // 2
        if candidate <= previous or (upper is not None and candidate >= upper):
            return [SORT_STEP * (n + 1) for n in range(len(current))]
        result.append(candidate)
        previous = candidate
    return result
