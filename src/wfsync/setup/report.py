"""The rows ``wfsync check`` produces: data first, rendering elsewhere.

Each row answers one question with a stable ``check`` id (for ``--json`` and
scripts), a title for people, a :class:`Status` and one line of detail or
advice. Several rows may share an id (one per missing custom field).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["CheckRow", "Readiness", "Status"]


class Status(StrEnum):
    ok = "ok"
    warn = "warn"
    fail = "fail"
    skip = "skip"

    @property
    def symbol(self) -> str:
        return {"ok": "✓", "warn": "!", "fail": "✗", "skip": "–"}[self.value]


@dataclass(frozen=True)
class CheckRow:
    """One answer: a stable ``check`` id, a human title, the status and a detail/advice line."""

    check: str
    title: str
    status: Status
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {
            "check": self.check,
            "title": self.title,
            "status": self.status.value,
            "detail": self.detail,
        }


@dataclass
class Readiness:
    rows: list[CheckRow] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """Everything required passed (warnings allowed)."""
        return all(row.status is not Status.fail for row in self.rows)

    def add(self, check: str, title: str, status: Status, detail: str) -> None:
        self.rows.append(CheckRow(check, title, status, detail))

    def row(self, check: str) -> CheckRow:
        return next(r for r in self.rows if r.check == check)

    def as_dict(self) -> dict[str, Any]:
        return {"ready": self.ready, "checks": [row.as_dict() for row in self.rows]}
