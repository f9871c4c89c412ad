"""Find the record on the other side before creating one: no duplicates.

Keys, strongest first: customer number, organisation number, VAT number, then
the loose company name. One candidate found by a strong key links even when the
names differ (companies rename); several candidates, or keys that point at
different records, or a candidate whose keys contradict ours, go to the admin
instead of to a guess. A name alone links only when exactly one candidate has
it and no identifying key contradicts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Literal

from wfsync.domain.normalise import name_key, org_number_key, vat_key

__all__ = ["Candidate", "CandidateIndex", "Match"]


@dataclass(frozen=True)
class Candidate:
    """The identifying keys of a record on the side we search."""

    id: str
    name: str | None = None
    customer_number: str | None = None
    organisation_number: str | None = None
    vat_number: str | None = None


@dataclass(frozen=True)
class Match:
    outcome: Literal["link", "create", "ambiguous"]
    candidate: Candidate | None = None
    reason: str = ""
    #: Every candidate involved in an ambiguous outcome: a change to any of them
    #: may settle it, so the waiting record is re-checked when one changes.
    involved: tuple[str, ...] = ()


def _number_key(value: str | None) -> str | None:
    return value.strip().upper() if value and value.strip() else None


_KEYS: tuple[tuple[str, Callable[[str | None], str | None]], ...] = (
    ("customer_number", _number_key),
    ("organisation_number", org_number_key),
    ("vat_number", vat_key),
)


def _with_derived_org_number(candidate: Candidate) -> Candidate:
    """A Swedish VAT number is SE + the organisation number + 01.

    Fortnox's customer list carries organisation numbers but no VAT numbers, so
    a record known on one side only by its VAT number is matched through the
    organisation number it contains.
    """
    if candidate.organisation_number or not candidate.vat_number:
        return candidate
    vat = vat_key(candidate.vat_number) or ""
    if len(vat) == 14 and vat.startswith("SE") and vat[2:].isdigit() and vat.endswith("01"):
        return replace(candidate, organisation_number=vat[2:12])
    return candidate


class CandidateIndex:
    """Candidates indexed by each identifying key."""

    def __init__(self, candidates: Iterable[Candidate] = (), *, label: str = "record") -> None:
        #: What a candidate is called in reasons ("Fortnox customer"), so an inbox
        #: message never leaves the reader guessing which system an id belongs to.
        self.label = label
        self._by: dict[str, dict[str, list[Candidate]]] = defaultdict(lambda: defaultdict(list))
        self._ids: set[str] = set()
        for candidate in candidates:
            self.add(candidate)

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, candidate: Candidate) -> None:
        if candidate.id in self._ids:
            return
        self._ids.add(candidate.id)
        candidate = _with_derived_org_number(candidate)
        for field, keyer in _KEYS:
            key = keyer(getattr(candidate, field))
            if key:
                self._by[field][key].append(candidate)
        name = name_key(candidate.name)
        if name:
            self._by["name"][name].append(candidate)

    def match(self, record: Candidate, *, exclude: set[str] | None = None) -> Match:
        excluded = exclude or set()
        record = _with_derived_org_number(record)
        strong: dict[str, Candidate] = {}
        via: dict[str, list[str]] = defaultdict(list)
        for field, keyer in _KEYS:
            key = keyer(getattr(record, field))
            if not key:
                continue
            for hit in self._by[field].get(key, []):
                if hit.id not in excluded:
                    strong[hit.id] = hit
                    via[hit.id].append(field.replace("_", " "))
        if len(strong) > 1:
            listed = ", ".join(f"{c.id} ({'/'.join(via[c.id])})" for c in strong.values())
            return Match("ambiguous", None, f"several {self.label}s match: {listed}", tuple(strong))
        if strong:
            (candidate,) = strong.values()
            clash = _contradiction(record, candidate)
            if clash:
                return Match(
                    "ambiguous",
                    candidate,
                    f"{self.label} {candidate.id} matches but {clash}",
                    (candidate.id,),
                )
            return Match("link", candidate, f"same {' and '.join(via[candidate.id])}")
        name = name_key(record.name)
        hits = [c for c in self._by["name"].get(name, []) if c.id not in excluded] if name else []
        hits = [c for c in hits if not _contradiction(record, c)]
        if len(hits) > 1:
            ids = ", ".join(c.id for c in hits)
            return Match(
                "ambiguous",
                None,
                f"several {self.label}s have the name {record.name!r}: {ids}",
                tuple(c.id for c in hits),
            )
        if hits:
            return Match("link", hits[0], "same name")
        return Match("create", None, "no existing record matches")


def _contradiction(record: Candidate, candidate: Candidate) -> str | None:
    """An identifying key present on both sides with different values."""
    for field, keyer in _KEYS:
        ours, theirs = keyer(getattr(record, field)), keyer(getattr(candidate, field))
        if ours and theirs and ours != theirs:
            return f"its {field.replace('_', ' ')} differs ({theirs} vs {ours})"
    return None
