"""Edits a person makes in Fortnox's own user interface (``sim.ui``).

Sync tests need changes that do not come through our client: a bookkeeper
renames a customer, books an invoice, changes a price. These helpers apply the
same validation as the API (so they cannot create impossible states), bypass
authentication, rate limits and request recording, and stamp ``lastmodified``
exactly like API writes do. Field names are Fortnox's (``Name``, ``Phone1``);
rows are lists of row dicts as in the API (``{"ArticleNumber": "101",
"OrderedQuantity": 2}``). Business-rule violations raise
:class:`~wfsync.simulators.fortnox.errors.ApiProblem`.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from wfsync.simulators.fortnox import actions
from wfsync.simulators.fortnox.articles import create_article, delete_article, update_article
from wfsync.simulators.fortnox.customers import create_customer, delete_customer, update_customer
from wfsync.simulators.fortnox.documents import (
    INVOICE,
    ORDER,
    create_document,
    find_document,
    update_document,
)
from wfsync.simulators.fortnox.prices import set_price
from wfsync.simulators.fortnox.store import Record, TenantStore

__all__ = ["FortnoxUI"]


class FortnoxUI:
    def __init__(self, store: TenantStore) -> None:
        self._store = store

    # -- customers ------------------------------------------------------------

    def create_customer(self, **fields: Any) -> str:
        """Create a customer; returns its number."""
        return str(create_customer(self._store, fields)["CustomerNumber"])

    def update_customer(self, number: str, **fields: Any) -> Record:
        return copy.deepcopy(update_customer(self._store, number, fields))

    def delete_customer(self, number: str) -> None:
        delete_customer(self._store, number)

    def customer(self, number: str) -> Record:
        """A copy of the stored customer, for assertions."""
        return copy.deepcopy(self._store.customers[number])

    # -- articles and prices -----------------------------------------------------

    def create_article(self, **fields: Any) -> str:
        return str(create_article(self._store, fields)["ArticleNumber"])

    def update_article(self, number: str, **fields: Any) -> Record:
        return copy.deepcopy(update_article(self._store, number, fields))

    def delete_article(self, number: str) -> None:
        delete_article(self._store, number)

    def set_price(
        self,
        price_list: str,
        article: str,
        price: Decimal | float | int | str,
        from_quantity: Decimal | int = 0,
    ) -> None:
        """Create or change a price; like the API it does not bump the article."""
        set_price(self._store, price_list, article, price, from_quantity)

    # -- orders ------------------------------------------------------------------

    def create_order(
        self, customer_number: str, rows: list[dict[str, Any]] | None = None, **fields: Any
    ) -> str:
        payload = {"CustomerNumber": customer_number, **fields}
        if rows is not None:
            payload["OrderRows"] = rows
        return str(create_document(self._store, ORDER, payload)["DocumentNumber"])

    def update_order(self, number: str, **fields: Any) -> Record:
        return copy.deepcopy(update_document(self._store, ORDER, number, fields))

    def cancel_order(self, number: str) -> None:
        actions.cancel_order(self._store, number)

    def create_invoice_from_order(self, number: str) -> str:
        """``Skapa faktura`` on an order; returns the new invoice's number."""
        return str(actions.create_invoice_from_order(self._store, number)["DocumentNumber"])

    def order(self, number: str) -> Record:
        return copy.deepcopy(find_document(self._store, ORDER, number))

    # -- invoices ---------------------------------------------------------------

    def create_invoice(
        self, customer_number: str, rows: list[dict[str, Any]] | None = None, **fields: Any
    ) -> str:
        payload = {"CustomerNumber": customer_number, **fields}
        if rows is not None:
            payload["InvoiceRows"] = rows
        return str(create_document(self._store, INVOICE, payload)["DocumentNumber"])

    def update_invoice(self, number: str, **fields: Any) -> Record:
        return copy.deepcopy(update_document(self._store, INVOICE, number, fields))

    def bookkeep_invoice(self, number: str) -> None:
        actions.bookkeep_invoice(self._store, number)

    def cancel_invoice(self, number: str) -> None:
        actions.cancel_invoice(self._store, number)

    def credit_invoice(self, number: str) -> str:
        """Credit a booked invoice; returns the credit invoice's number."""
        return str(actions.credit_invoice(self._store, number)["CreditInvoiceReference"])

    def pay_invoice(self, number: str) -> None:
        """Register full payment of a booked invoice (Balance 0, FinalPayDate today)."""
        actions.register_payment(self._store, number)

    def invoice(self, number: str) -> Record:
        return copy.deepcopy(find_document(self._store, INVOICE, number))
