"""One Fortnox tenant's data, in memory, with the bookkeeping the API implies.

Besides the records themselves the store keeps what Fortnox keeps but never
shows: a modification instant per record (for ``lastmodified``), the highest
number ever used per series (auto-numbering survives deletes), the customer
numbers that were deleted (reserved forever), and the global counters behind
row ids and voucher numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from wfsync.clock import Clock

__all__ = ["ChangeListener", "PriceKey", "Record", "TenantStore"]

Record = dict[str, Any]
PriceKey = tuple[str, str, Decimal]
#: Called with (topic, event type, entity id) after every stamped change.
ChangeListener = Callable[[str, str, str], None]


@dataclass
class TenantStore:
    clock: Clock
    base_url: str
    tenant_id: str
    customers: dict[str, Record] = field(default_factory=dict)
    articles: dict[str, Record] = field(default_factory=dict)
    prices: dict[PriceKey, Record] = field(default_factory=dict)
    pricelists: dict[str, Record] = field(default_factory=dict)
    orders: dict[str, Record] = field(default_factory=dict)
    invoices: dict[str, Record] = field(default_factory=dict)
    terms_of_payments: dict[str, Record] = field(default_factory=dict)
    terms_of_delivery: dict[str, Record] = field(default_factory=dict)
    ways_of_delivery: dict[str, Record] = field(default_factory=dict)
    currencies: dict[str, Record] = field(default_factory=dict)
    units: dict[str, Record] = field(default_factory=dict)
    company: Record = field(default_factory=dict)
    me: Record = field(default_factory=dict)
    deleted_customers: set[str] = field(default_factory=set)
    deleted_articles: set[str] = field(default_factory=set)
    highest: dict[str, int] = field(default_factory=dict)
    modified: dict[tuple[str, str], datetime] = field(default_factory=dict)
    listeners: list[ChangeListener] = field(default_factory=list)
    last_row_id: int = 0
    last_voucher: int = 0

    def url(self, *segments: str) -> str:
        """The absolute ``@url`` of a record: ``{base}/3/customers/17``."""
        path = "/".join(quote(segment, safe="") for segment in segments)
        return f"{self.base_url.rstrip('/')}/3/{path}"

    def touch(self, topic: str, key: str, event: str) -> None:
        """Stamp a record as modified now and tell listeners (event stream)."""
        self.modified[(topic, key)] = self.clock.now()
        for listener in list(self.listeners):
            listener(topic, event, key)

    def modified_at(self, topic: str, key: str) -> datetime | None:
        return self.modified.get((topic, key))

    def claim_number(self, series: str, explicit: str | None) -> str:
        """The key for a new record: ``explicit`` if given, else highest ever + 1."""
        if explicit is None:
            number = self.highest.get(series, 0) + 1
            self.highest[series] = number
            return str(number)
        if explicit.isascii() and explicit.isdigit():
            self.highest[series] = max(self.highest.get(series, 0), int(explicit))
        return explicit

    def next_row_id(self) -> int:
        """Row ids come from one counter for all documents (as recorded)."""
        self.last_row_id += 1
        return self.last_row_id

    def next_voucher(self) -> int:
        self.last_voucher += 1
        return self.last_voucher
