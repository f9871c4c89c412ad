"""webCRM: the async API client, its records, and the mapping to canonical models.

The simulator (``wfsync.simulators.webcrm``) lives apart and is imported
separately so that the client never drags in FastAPI.
"""

from wfsync.webcrm.client import WebcrmClient
from wfsync.webcrm.custom_fields import MissingCustomFieldError, check_custom_fields
from wfsync.webcrm.models import (
    CatalogueItem,
    Delivery,
    FieldMetadata,
    Hook,
    Organisation,
    Person,
    QuotationLine,
)
from wfsync.webcrm.query import Script, quote
from wfsync.webcrm.timestamps import format_for_query, parse_timestamp

__all__ = [
    "CatalogueItem",
    "Delivery",
    "FieldMetadata",
    "Hook",
    "MissingCustomFieldError",
    "Organisation",
    "Person",
    "QuotationLine",
    "Script",
    "WebcrmClient",
    "check_custom_fields",
    "format_for_query",
    "parse_timestamp",
    "quote",
]
