"""Resource namespaces of the webCRM client, one module per endpoint family."""

from wfsync.webcrm.resources.catalogue import Catalogue
from wfsync.webcrm.resources.deliveries import Deliveries
from wfsync.webcrm.resources.entity import EntityResource
from wfsync.webcrm.resources.fields_metadata import FieldsMetadata
from wfsync.webcrm.resources.hooks import Hooks
from wfsync.webcrm.resources.organisations import Organisations
from wfsync.webcrm.resources.persons import Persons
from wfsync.webcrm.resources.queries import Queries
from wfsync.webcrm.resources.quotation_lines import QuotationLines
from wfsync.webcrm.resources.session import Session

__all__ = [
    "Catalogue",
    "Deliveries",
    "EntityResource",
    "FieldsMetadata",
    "Hooks",
    "Organisations",
    "Persons",
    "Queries",
    "QuotationLines",
    "Session",
]
