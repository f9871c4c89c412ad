"""Edits a person makes in Fortnox's own user interface (``sim.ui``).

Sync tests need changes that do not come through our client: a bookkeeper
renames a customer, books an invoice, changes a price. These helpers apply the
same validation as the API (so they cannot create impossible states), bypass
authentication, rate limits and request recording, and stamp ``lastmodified``
exactly like API writes do. Field names are Fortnox's (``Name``, ``Phone1``).
"""

from __future__ import annotations

from typing import Any

from wfsync.fortnox.simulator.customers import create_customer, delete_customer, update_customer
from wfsync.fortnox.simulator.store import Record, TenantStore

__all__ = ["FortnoxUI"]


class FortnoxUI:
    def __init__(self, store: TenantStore) -> None:
        self._store = store

    # -- customers ------------------------------------------------------------

    def create_customer(self, **fields: Any) -> str:
        """Create a customer; returns its number."""
        return str(create_customer(self._store, fields)["CustomerNumber"])

    def update_customer(self, number: str, **fields: Any) -> Record:
        return update_customer(self._store, number, fields)

    def delete_customer(self, number: str) -> None:
        delete_customer(self._store, number)

    def customer(self, number: str) -> Record:
        """The stored customer record (a copy), for assertions."""
        return dict(self._store.customers[number])
