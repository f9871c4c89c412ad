"""Resource namespaces of :class:`~wfsync.fortnox.client.FortnoxClient`, one per endpoint."""

from wfsync.fortnox.resources._base import PAGE_SIZE, Listing
from wfsync.fortnox.resources.articles import Articles
from wfsync.fortnox.resources.company import Company
from wfsync.fortnox.resources.currencies import Currencies
from wfsync.fortnox.resources.customers import Customers
from wfsync.fortnox.resources.invoices import Invoices
from wfsync.fortnox.resources.orders import Orders
from wfsync.fortnox.resources.pricelists import PriceLists
from wfsync.fortnox.resources.prices import Prices
from wfsync.fortnox.resources.termsofpayments import TermsOfPayments

__all__ = [
    "PAGE_SIZE",
    "Articles",
    "Company",
    "Currencies",
    "Customers",
    "Invoices",
    "Listing",
    "Orders",
    "PriceLists",
    "Prices",
    "TermsOfPayments",
]
