"""What a run did, counted and (for --dry-run) planned.

``wfsync status`` and the end-of-run summary read these counters; a dry run
collects :class:`PlannedOp` rows instead of writing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

__all__ = ["PlannedOp", "RunReport"]


@dataclass(frozen=True)
class PlannedOp:
    entity: str  # customer | article | delivery
    action: str  # create | update | link | ambiguous | skip | fail | pause
    target: str  # fortnox | webcrm | -
    ident: str  # human label: "Acme AB (webCRM 12)"
    detail: str = ""


@dataclass
class RunReport:
    counts: Counter[str] = field(default_factory=Counter)
    planned: list[PlannedOp] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def count(self, entity: str, action: str, n: int = 1) -> None:
        if n:
            self.counts[f"{entity}.{action}"] += n

    def plan(self, op: PlannedOp) -> None:
        # A record can be reached twice in one run (an organisation, then again through
        # its delivery); the plan lists it once, so its counts match its rows.
        if op in self.planned:
            return
        self.planned.append(op)
        self.count(op.entity, f"planned_{op.action}")

    def total(self, action: str) -> int:
        return sum(n for key, n in self.counts.items() if key.endswith(f".{action}"))

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))
