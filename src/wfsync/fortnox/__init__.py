"""Fortnox: API client (OAuth2 with rotating refresh tokens), models, mapping.

Import the client from here; the simulator lives in :mod:`wfsync.simulators.fortnox`.
"""

from wfsync.fortnox.auth import FortnoxAuth
from wfsync.fortnox.client import API_BLANK, FortnoxClient
from wfsync.fortnox.models import (
    ArticleListItem,
    CustomerListItem,
    FortnoxArticle,
    FortnoxCustomer,
    FortnoxInvoice,
    FortnoxOrder,
    InvoiceListItem,
    InvoiceRow,
    OrderListItem,
    OrderRow,
)
from wfsync.fortnox.tokens import FileTokenStore, MemoryTokenStore, TokenSet, TokenStore

__all__ = [
    "API_BLANK",
    "ArticleListItem",
    "CustomerListItem",
    "FileTokenStore",
    "FortnoxArticle",
    "FortnoxAuth",
    "FortnoxClient",
    "FortnoxCustomer",
    "FortnoxInvoice",
    "FortnoxOrder",
    "InvoiceListItem",
    "InvoiceRow",
    "MemoryTokenStore",
    "OrderListItem",
    "OrderRow",
    "TokenSet",
    "TokenStore",
]
