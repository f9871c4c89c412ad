"""The bodies wfsync sends to Fortnox, named and typed where their keys are fixed.

The mapping modules turn canonical records into a document's fields; what a
create adds around them — the customer it belongs to and the marker that lets a
lost answer be found again — is built here, so the sync layer never spells a
Fortnox field name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

__all__ = ["NewDocumentParams", "new_document"]


class NewDocumentParams(TypedDict):
    """The fixed part of ``POST /3/orders`` and ``POST /3/invoices``."""

    CustomerNumber: str
    #: wfsync's own marker (``webcrm-delivery-<id>``): a create whose answer was
    #: lost is found by it before anything is sent again.
    ExternalInvoiceReference1: str


def new_document(
    *, customer_number: str, reference: str, fields: Mapping[str, Any]
) -> dict[str, Any]:
    """An order or invoice create body."""
    fixed: NewDocumentParams = {
        "CustomerNumber": customer_number,
        "ExternalInvoiceReference1": reference,
    }
    return {**fixed, **fields}
