"""``/3/invoices`` (reference §8).

Lists carry neither rows nor ``OrderReference``; ``get`` the invoice for both.
Booked or cancelled invoices are read-only (:attr:`FortnoxInvoice.locked`), and
the rows of an invoice made from an order cannot be written
(:attr:`FortnoxInvoice.rows_locked`).
"""

from __future__ import annotations

from wfsync.fortnox.models import FortnoxInvoice, InvoiceListItem
from wfsync.fortnox.resources._base import DocumentResource

__all__ = ["Invoices"]


class Invoices(DocumentResource[InvoiceListItem, FortnoxInvoice]):
    path = "invoices"
    root = "Invoice"
    collection = "Invoices"
    item_model = InvoiceListItem
    record_model = FortnoxInvoice

    async def bookkeep(self, number: str) -> FortnoxInvoice:
        """Book the invoice (irreversible; the invoice becomes read-only)."""
        return await self._record_action(number, "bookkeep", idempotent=True)

    async def cancel(self, number: str) -> FortnoxInvoice:
        return await self._record_action(number, "cancel", idempotent=True)

    async def credit(self, number: str) -> FortnoxInvoice:
        """Create a credit invoice for ``number``; returns what Fortnox answers.

        Not retried after a 5xx/timeout (a retry could credit twice); re-read
        ``credit_invoice_reference`` of the original before trying again.
        """
        return await self._record_action(number, "credit", idempotent=False)
