"""Field-level three-way merge of one record pair against its last-synced snapshots.

For every field we ask each side "did you change this since we last synced?" —
comparing the side's current value with *its own* snapshot (what it looked like
right after our last write), by meaning (:mod:`wfsync.domain.normalise`), not
by characters. Then:

* neither changed → nothing to do;
* one changed → its value is copied to the other side;
* both changed to the same value → nothing to do;
* both changed to different values → a conflict: the configured rule picks the
  winner, the loser side is overwritten, and the conflict is reported so the
  admin sees the value that lost. Nothing is dropped silently.

Fields owned by one system (customer number when Fortnox assigns it, article
data, order and invoice numbers, the booked flag) always take that system's
value. A pair seen for the first time (no snapshots, e.g. matched during
import) fills empty fields from the other side and treats differing non-empty
values as conflicts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from wfsync.domain.normalise import clean, same

__all__ = ["FieldConflict", "MergeResult", "Side", "three_way"]

Side = Literal["webcrm", "fortnox"]
Ownership = Literal["both", "webcrm", "fortnox"]


@dataclass(frozen=True)
class FieldConflict:
    field: str
    base: Any
    webcrm: Any
    fortnox: Any
    winner: Side
    rule: str

    @property
    def value(self) -> Any:
        return self.webcrm if self.winner == "webcrm" else self.fortnox


@dataclass
class MergeResult:
    #: The agreed value of every field after the merge.
    merged: dict[str, Any]
    #: Fields whose agreed value webCRM does not hold yet.
    to_webcrm: dict[str, Any] = field(default_factory=dict)
    #: Fields whose agreed value Fortnox does not hold yet.
    to_fortnox: dict[str, Any] = field(default_factory=dict)
    conflicts: list[FieldConflict] = field(default_factory=list)

    @property
    def quiet(self) -> bool:
        return not (self.to_webcrm or self.to_fortnox)


def _changed(name: str, now: Mapping[str, Any], snapshot: Mapping[str, Any] | None) -> bool:
    if snapshot is None:
        return True
    return not same(name, now.get(name), snapshot.get(name))


def three_way(
    fields: Iterable[str],
    *,
    webcrm: Mapping[str, Any],
    fortnox: Mapping[str, Any],
    webcrm_snapshot: Mapping[str, Any] | None,
    fortnox_snapshot: Mapping[str, Any] | None,
    ownership: Mapping[str, Ownership] | None = None,
    winner: Callable[[str], tuple[Side, str]],
) -> MergeResult:
    """Merge ``webcrm`` and ``fortnox`` (canonical field → value) field by field.

    ``winner(field)`` returns the side that wins a true conflict on that field and
    the name of the rule that decided it (recorded with the conflict).
    """

    owners = ownership or {}
    result = MergeResult(merged={})
    first_sync = webcrm_snapshot is None and fortnox_snapshot is None
    for name in fields:
        w_now, f_now = webcrm.get(name), fortnox.get(name)
        owner = owners.get(name, "both")
        if owner == "fortnox":
            value = f_now
        elif owner == "webcrm":
            value = w_now
        else:
            w_changed = _changed(name, webcrm, webcrm_snapshot)
            f_changed = _changed(name, fortnox, fortnox_snapshot)
            if not w_changed and not f_changed:
                # Both still hold what we last synced, even if one stores it in
                # another form (a truncated name): nothing to carry over.
                result.merged[name] = f_now
                continue
            if same(name, w_now, f_now):
                value = f_now if f_changed and not w_changed else w_now
            elif w_changed and not f_changed:
                value = w_now
            elif f_changed and not w_changed:
                value = f_now
            elif first_sync and (clean(w_now) is None or clean(f_now) is None):
                value = w_now if clean(f_now) is None else f_now
            else:
                base = (webcrm_snapshot or fortnox_snapshot or {}).get(name)
                side, rule = winner(name)
                conflict = FieldConflict(name, base, w_now, f_now, side, rule)
                result.conflicts.append(conflict)
                value = conflict.value
        result.merged[name] = value
        if not same(name, w_now, value):
            result.to_webcrm[name] = value
        if not same(name, f_now, value):
            result.to_fortnox[name] = value
    return result
