"""Canonical models: the one shape of a customer, article and delivery.

Each vendor adapter (``wfsync.fortnox.mapping``, ``wfsync.webcrm.mapping``) maps
its JSON to and from these; nothing outside the adapters knows vendor field names.
"""

from wfsync.domain.models import (
    ARTICLE_FIELDS,
    CUSTOMER_FIELDS,
    DELIVERY_FIELDS,
    Article,
    Customer,
    Delivery,
    Line,
)

__all__ = [
    "ARTICLE_FIELDS",
    "CUSTOMER_FIELDS",
    "DELIVERY_FIELDS",
    "Article",
    "Customer",
    "Delivery",
    "Line",
]
