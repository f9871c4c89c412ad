"""The request log both simulators keep, so tests assert on what actually reached
the vendor (``sim.requests``) and on what could have changed data (``sim.writes``).

Each vendor keeps its own rule for what counts as a write, because the vendors
disagree: for Fortnox any non-GET request under ``/3/`` (the token endpoint
is not data), for webCRM a POST/PUT/PATCH/DELETE outside ``/Auth`` (its logins
are POSTs). The rule is applied once, when a request is recorded, so a record
answers ``is_write`` by itself.

The query's shape is the vendor's too (``Q``): Fortnox's tests read single
parameters (a dict), webCRM's compare the whole decoded query string. How a
dropped answer is recorded is the vendor's as well: Fortnox logs ``None``,
webCRM ``0``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

__all__ = ["RecordedRequest", "RequestLog", "WriteRule"]

Q = TypeVar("Q")
#: Whether a request (method, path) could have changed data at this vendor.
WriteRule = Callable[[str, str], bool]


@dataclass(frozen=True)
class RecordedRequest(Generic[Q]):
    """One request the simulator received."""

    method: str
    path: str
    query: Q
    #: The status answered; the vendor's marker (None or 0) when no answer went out.
    status: int | None
    #: The parsed JSON body, where the vendor records it (Fortnox).
    body: Any = None
    #: The OAuth client that sent it, where the vendor knows it (Fortnox).
    client_id: str | None = None
    #: Decided by the vendor's :data:`WriteRule` when the request was recorded.
    is_write: bool = False


@dataclass
class RequestLog(Generic[Q]):
    """Every request in arrival order, each marked read or write by ``is_write``."""

    is_write: WriteRule
    entries: list[RecordedRequest[Q]] = field(default_factory=list)

    def record(
        self,
        method: str,
        path: str,
        query: Q,
        status: int | None,
        *,
        body: Any = None,
        client_id: str | None = None,
    ) -> RecordedRequest[Q]:
        """Append one request, marked by the vendor's write rule; returns it."""
        entry = RecordedRequest(
            method, path, query, status, body, client_id, self.is_write(method, path)
        )
        self.entries.append(entry)
        return entry

    def writes(self, path_prefix: str = "") -> list[RecordedRequest[Q]]:
        """The recorded writes whose path starts with ``path_prefix``, in order."""
        return [r for r in self.entries if r.is_write and r.path.startswith(path_prefix)]
