"""The webCRM DTOs as data: every property, its JSON type and its write rules.

One table per entity drives everything the simulator does with a record:
defaults for a create, coercion and validation of a request body, the JSON a GET
returns and the columns ``/Queries`` knows. Names and types come from the 2019
Swagger document (shared/reference/webcrm-api.md §4.2, §5, §6.3, §7.2, §8.2); a
property is listed here exactly once, so a typo cannot hide in one code path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

__all__ = [
    "CATALOGUE",
    "DELIVERY",
    "ENTITY_TYPES",
    "LINKED_DATA_ENTITY_TYPES",
    "OPPORTUNITY",
    "ORGANISATION",
    "PERSON",
    "QUOTATION_LINE",
    "Entity",
    "Field",
    "Kind",
]


class Kind(Enum):
    """JSON shape of a property (what a GET emits and a write must send)."""

    TEXT = "string"
    INT = "int32"
    FLOAT = "double"
    BOOL = "boolean"
    DATETIME = "date-time"
    ENUM = "enum"


@dataclass(frozen=True)
class Field:
    """One DTO property.

    ``server`` properties are maintained by the server and ignored on write;
    ``write_only`` ones are accepted on write and never returned; ``nullable``
    numbers may be ``null`` (the catalogue's prices, §8.3).
    """

    name: str
    kind: Kind
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    server: bool = False
    write_only: bool = False
    nullable: bool = False


@dataclass(frozen=True)
class Entity:
    """A DTO: its name prefix, id property and ordered properties."""

    name: str
    id_field: str
    fields: tuple[Field, ...]
    _index: dict[str, Field] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({f.name.casefold(): f for f in self.fields})

    def get(self, name: str) -> Field | None:
        """The property called ``name`` (case-insensitively), or None."""
        return self._index.get(name.casefold())

    @property
    def readable(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.write_only)


def _text(name: str, max_length: int | None = None, *, server: bool = False) -> Field:
    return Field(name, Kind.TEXT, max_length=max_length, server=server)


def _int(name: str, *, server: bool = False) -> Field:
    return Field(name, Kind.INT, server=server)


def _float(name: str, *, server: bool = False, nullable: bool = False) -> Field:
    return Field(name, Kind.FLOAT, server=server, nullable=nullable)


def _bool(name: str) -> Field:
    return Field(name, Kind.BOOL)


def _date(name: str, *, server: bool = False) -> Field:
    return Field(name, Kind.DATETIME, server=server)


def _enum(name: str, *choices: str, server: bool = False) -> Field:
    return Field(name, Kind.ENUM, choices=choices, server=server)


def _numbered(prefix: str, count: int, kind: Kind, max_length: int | None = None) -> list[Field]:
    return [Field(f"{prefix}{n}", kind, max_length=max_length) for n in range(1, count + 1)]


def _stamps(prefix: str) -> list[Field]:
    return [
        _date(f"{prefix}CreatedAt", server=True),
        _text(f"{prefix}CreatedBy", server=True),
        _date(f"{prefix}UpdatedAt", server=True),
        _text(f"{prefix}UpdatedBy", server=True),
    ]


def _organisation() -> Entity:
    p = "Organisation"
    fields = [
        _text(f"{p}Address", 250),
        _text(f"{p}Alert", 50),
        _int(f"{p}ApprovalStatus"),
        _text(f"{p}City", 50),
        _text(f"{p}Comment"),
        _text(f"{p}CompareName", 500, server=True),
        _text(f"{p}Country", 50),
        _date(f"{p}CreatedAt", server=True),
        _text(f"{p}CreatedBy", server=True),
        _text(f"{p}DivisionName", 200),
        _text(f"{p}Domain", 50),
        *_numbered(f"{p}ExtraCustom", 8, Kind.TEXT, max_length=50),
        _text(f"{p}Fax", 50),
        _text(f"{p}Gps", 50),
        _int(f"{p}Id"),
        _text(f"{p}ImageFileExtension"),
        _text(f"{p}Industry", 50),
        _date(f"{p}LastDisplayedAt", server=True),
        _enum(
            f"{p}LastItemType",
            "Undefined",
            "Activity",
            "Opportunity",
            "Delivery",
            "Meeting",
            "SupportCase",
            server=True,
        ),
        _date(f"{p}LastItemUpdatedAt", server=True),
        _text(f"{p}MarketDataId"),
        _int(f"{p}MarketDataProviderId"),
        _text(f"{p}Name", 200),
        _bool(f"{p}NoAds"),
        _text(f"{p}History", server=True),
        _int(f"{p}OutlookSync"),
        _text(f"{p}OverlayUrl"),
        _int(f"{p}Owner"),
        _int(f"{p}Owner2"),
        _text(f"{p}PostCode"),
        _int(f"{p}ReportTemp"),
        _int(f"{p}Sla"),
        _text(f"{p}State"),
        _text(f"{p}Status"),
        _text(f"{p}Telephone", 50),
        _text(f"{p}TelephoneSearch", server=True),
        _int(f"{p}TerritoryId"),
        _text(f"{p}Type"),
        _date(f"{p}UpdatedAt", server=True),
        _text(f"{p}UpdatedBy", server=True),
        _text(f"{p}VatCountry", 10),
        _text(f"{p}VatGroup", 20),
        _text(f"{p}VatNumber", 50),
        _text(f"{p}VatStatus"),
        _date(f"{p}VatVerifiedAt"),
        _text(f"{p}Www", 50),
        *_numbered(f"{p}XDate", 2, Kind.DATETIME),
        *_numbered(f"{p}XInt", 8, Kind.INT),
        *_numbered(f"{p}XMemo", 2, Kind.TEXT),
        *_numbered(f"{p}XText", 8, Kind.TEXT, max_length=50),
        *_numbered(f"{p}Plus", 20, Kind.TEXT),
        *_numbered(f"{p}Custom", 15, Kind.TEXT),
        _text(f"{p}Memo"),
    ]
    return Entity(p, f"{p}Id", tuple(fields))


def _person() -> Entity:
    p = "Person"
    fields = [
        _int(f"{p}Id"),
        _int(f"{p}OrganisationId"),
        _text(f"{p}FirstName", 50),
        _text(f"{p}MiddleName", 50),
        _text(f"{p}LastName", 50),
        _text(f"{p}Name", server=True),
        _text(f"{p}Title", 50),
        _text(f"{p}Salutation", 50),
        _text(f"{p}Email", 100),
        _text(f"{p}Email2", 100),
        _text(f"{p}DirectPhone", 50),
        _text(f"{p}MobilePhone", 50),
        _text(f"{p}Skype", 50),
        _text(f"{p}Comment"),
        _enum(f"{p}Status", "Active", "Resigned", "Other", "Guest"),
        _date(f"{p}Birthday"),
        _int(f"{p}SortOrder"),
        _bool(f"{p}BlockMassEmail"),
        _bool(f"{p}BlockMassEmail2"),
        _bool(f"{p}EmailBounces"),
        _bool(f"{p}Email2Bounces"),
        *_stamps(p),
        _text(f"{p}History", server=True),
        *_numbered(f"{p}CheckMark", 10, Kind.BOOL),
        *_numbered(f"{p}Plus", 20, Kind.TEXT),
        *_numbered(f"{p}Custom", 15, Kind.TEXT),
        _text(f"{p}Memo"),
    ]
    return Entity(p, f"{p}Id", tuple(fields))


DELIVERY_STATUSES = ("New", "Planned", "OnGoing", "Completed", "GeneralDelivery")
ERP_STATUSES = ("NotReadyForSynchronization", "ReadyForSynchronization", "Synchronized")


def _delivery() -> Entity:
    p = "Delivery"
    fields = [
        _int(f"{p}AssignedTo"),
        _int(f"{p}AssignedTo2"),
        _text(f"{p}Comment"),
        _date(f"{p}CreatedAt", server=True),
        _text(f"{p}CreatedBy", server=True),
        _text(f"{p}CurrencyName"),
        _text(f"{p}Description"),
        _float(f"{p}Discount"),
        _text(f"{p}ErpId"),
        _text(f"{p}ErpReadOnly"),
        _enum(f"{p}ErpStatus", *ERP_STATUSES),
        _date(f"{p}ErpSyncDateTime"),
        *_numbered(f"{p}GmRevenue", 12, Kind.FLOAT),
        _text(f"{p}History", server=True),
        _int(f"{p}Id"),
        _date(f"{p}NextFollowUp"),
        _text(f"{p}Note"),
        _text(f"{p}Number"),
        *_numbered(f"{p}OpportunityCustom", 15, Kind.TEXT),
        _text(f"{p}OpportunityMemo"),
        *_numbered(f"{p}OpportunityPlus", 20, Kind.TEXT),
        _date(f"{p}OrderDate"),
        _float(f"{p}OrderGmValue", server=True),
        _float(f"{p}OrderValue", server=True),
        _int(f"{p}OrganisationId"),
        _int(f"{p}Percent"),
        _int(f"{p}PersonId"),
        _text(f"{p}Product"),
        _int(f"{p}ProductId"),
        _int(f"{p}QuotationLanguageId"),
        _int(f"{p}Responsible"),
        *_numbered(f"{p}Revenue", 12, Kind.FLOAT),
        _enum(f"{p}Risk", "NoRisk", "Small", "Medium", "High", "Crises"),
        *_numbered(f"{p}Search", 2, Kind.TEXT),
        _text(f"{p}SpentTime"),
        _enum(f"{p}Status", *DELIVERY_STATUSES),
        _int(f"{p}Type"),
        _date(f"{p}UpdatedAt", server=True),
        _text(f"{p}UpdatedBy", server=True),
        _int(f"{p}UserGroupId"),
        _int(f"{p}WinPercent"),
        _int(f"{p}WinPercent2"),
        _bool(f"{p}WinYesNo"),
        _date(f"{p}WonDate"),
        *_numbered(f"{p}Plus", 20, Kind.TEXT),
        *_numbered(f"{p}Custom", 15, Kind.TEXT),
        _text(f"{p}Memo"),
    ]
    return Entity(p, f"{p}Id", tuple(fields))


def _quotation_line() -> Entity:
    p = "QuotationLine"
    fields = [
        Field(f"{p}LinkedDataId", Kind.INT, write_only=True),
        _text(f"{p}Comment"),
        _float(f"{p}CostPrice"),
        _date(f"{p}CreatedAt", server=True),
        _text(f"{p}CreatedBy", server=True),
        *_numbered(f"{p}Data", 9, Kind.TEXT),
        _float(f"{p}Discount"),
        _int(f"{p}Id"),
        _float(f"{p}ListPrice"),
        _text(f"{p}Memo"),
        _int(f"{p}OpportunityId"),
        _int(f"{p}OrganisationId"),
        _int(f"{p}PersonId"),
        _float(f"{p}Price"),
        _float(f"{p}Quantity"),
        _int(f"{p}SortOrder"),
        _text(f"{p}StockStatus"),
        _date(f"{p}UpdatedAt", server=True),
        _text(f"{p}UpdatedBy", server=True),
        _float(f"{p}VatPercentage"),
    ]
    return Entity(p, f"{p}Id", tuple(fields))


#: Declaration order of the linked-data entity-type enum; /Queries uses the index (Product = 7).
LINKED_DATA_ENTITY_TYPES = (
    "Undefined",
    "Organisation",
    "Person",
    "Activity",
    "Meeting",
    "Opportunity",
    "Delivery",
    "Product",
    "SupportCase",
    "SupportFaq",
)


def _catalogue() -> Entity:
    p = "QuotationLineLinkedDataItem"
    fields = [
        _float(f"{p}CostPrice", nullable=True),
        _text(f"{p}VatCode"),
        *_numbered(f"{p}Data", 9, Kind.TEXT),
        _text(f"{p}DataMemo"),
        _enum(f"{p}EntityType", *LINKED_DATA_ENTITY_TYPES),
        _int(f"{p}Id"),
        _text(f"{p}ItemGroup"),
        _float(f"{p}Price", nullable=True),
    ]
    return Entity(p, f"{p}Id", tuple(fields))


def _opportunity() -> Entity:
    """Opportunities exist only as a /Queries table (no REST endpoints are simulated)."""
    p = "Opportunity"
    fields = [
        _int(f"{p}Id"),
        _int(f"{p}OrganisationId"),
        _int(f"{p}PersonId"),
        _text(f"{p}Description"),
        _int(f"{p}Level"),
        _text(f"{p}Number"),
        _float(f"{p}OrderValue"),
        _int(f"{p}WinPercent"),
        *_stamps(p),
        *_numbered(f"{p}Custom", 15, Kind.TEXT),
        _text(f"{p}Memo"),
    ]
    return Entity(p, f"{p}Id", tuple(fields))


ORGANISATION = _organisation()
PERSON = _person()
DELIVERY = _delivery()
QUOTATION_LINE = _quotation_line()
CATALOGUE = _catalogue()
OPPORTUNITY = _opportunity()

#: Values of the ``{entityTypes}`` path parameter of /FieldsMetadata.
ENTITY_TYPES = (
    "Activity",
    "Delivery",
    "Event",
    "Opportunity",
    "Organisation",
    "Person",
    "Product",
    "SupportCase",
    "User",
    "SyncedMeeting",
    "All",
)
