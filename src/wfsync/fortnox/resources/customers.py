"""``/3/customers`` (reference §4).

Lists carry only ``CustomerNumber``, ``Name``, ``OrganisationNumber``,
``Address1/2``, ``ZipCode``, ``City``, ``Phone`` and ``Email`` — not ``Active``,
``Type``, visiting address, terms, currency, VAT number or web site. The engine
``get``s the full record of every customer a change feed reports.
"""

from __future__ import annotations

from wfsync.fortnox.models import CustomerListItem, FortnoxCustomer
from wfsync.fortnox.resources._base import RecordResource

__all__ = ["Customers"]


class Customers(RecordResource[CustomerListItem, FortnoxCustomer]):
    path = "customers"
    root = "Customer"
    collection = "Customers"
    item_model = CustomerListItem
    record_model = FortnoxCustomer
