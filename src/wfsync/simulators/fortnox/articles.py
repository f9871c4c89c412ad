"""Articles — ``/3/articles`` (reference §5).

``SalesPrice`` is read-only and computed on every read from the pre-selected
price list at quantity 0, so it changes when a price changes without the
article's ``lastmodified`` moving — faithfully inconvenient. List items render
stock figures and prices as strings while the full record uses numbers.
"""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from typing import Any

from wfsync.simulators.fortnox.errors import ApiProblem, Code
from wfsync.simulators.fortnox.listing import ListSpec, contains, key_order, list_envelope
from wfsync.simulators.fortnox.prices import delete_article_prices, sales_price
from wfsync.simulators.fortnox.routing import Call, Reply, Router
from wfsync.simulators.fortnox.schema import Field, Kind, apply_changes, defaults, parse_changes
from wfsync.simulators.fortnox.store import Record, TenantStore
from wfsync.simulators.fortnox.values import decimal_text, json_number, jsonable

__all__ = [
    "ARTICLE_FIELDS",
    "add_article_routes",
    "create_article",
    "delete_article",
    "find_article",
    "update_article",
]

_NULL = Field(Kind.TEXT, None, blank=None)
_EMPTY = Field(Kind.TEXT, "", blank="")
_ZERO = Decimal(0)
_ACCOUNTS = (
    "SalesAccount",
    "EUAccount",
    "EUVATAccount",
    "ExportAccount",
    "PurchaseAccount",
    "StockAccount",
    "StockChangeAccount",
)

ARTICLE_FIELDS: dict[str, Field] = {
    "@url": Field(Kind.TEXT, read_only=True),
    "ArticleNumber": _EMPTY,
    "Description": Field(Kind.TEXT, "", blank="", max_length=200),
    "Active": Field(Kind.BOOLEAN, True),
    "Type": Field(Kind.CHOICE, "STOCK", choices=("STOCK", "SERVICE")),
    "Unit": _NULL,
    "PurchasePrice": Field(Kind.NUMBER, _ZERO),
    "SalesPrice": Field(Kind.NUMBER, None, read_only=True),
    "VAT": Field(Kind.NUMBER, Decimal(25)),
    "SalesAccount": Field(Kind.INTEGER, 3001),
    "EUAccount": Field(Kind.INTEGER, 3108),
    "EUVATAccount": Field(Kind.INTEGER, 3106),
    "ExportAccount": Field(Kind.INTEGER, 3105),
    "PurchaseAccount": Field(Kind.INTEGER, 4000),
    "ConstructionAccount": Field(Kind.INTEGER, 0),
    "EAN": Field(Kind.TEXT, "", blank="", max_length=30),
    "Manufacturer": _NULL,
    "ManufacturerArticleNumber": _EMPTY,
    "Note": _EMPTY,
    "QuantityInStock": Field(Kind.NUMBER, _ZERO),
    "ReservedQuantity": Field(Kind.NUMBER, _ZERO, read_only=True),
    "DisposableQuantity": Field(Kind.NUMBER, _ZERO, read_only=True),
    "StockValue": Field(Kind.NUMBER, _ZERO, read_only=True),
    "StockGoods": Field(Kind.BOOLEAN, False),
    "StockPlace": _NULL,
    "StockWarning": Field(Kind.NUMBER, _ZERO),
    "SupplierNumber": _NULL,
    "SupplierName": Field(Kind.TEXT, None, read_only=True),
    "Housework": Field(Kind.BOOLEAN, False),
    "HouseworkType": Field(
        Kind.CHOICE,
        None,
        choices=(
            "CONSTRUCTION",
            "ELECTRICITY",
            "GLASSMETALWORK",
            "GROUNDDRAINAGEWORK",
            "MASONRY",
            "PAINTINGWALLPAPERING",
            "HVAC",
            "CLEANING",
            "TEXTILECLOTHING",
            "SNOWPLOWING",
            "GARDENING",
            "BABYSITTING",
            "OTHERCARE",
            "OTHERCOSTS",
        ),
    ),
    "WebshopArticle": Field(Kind.BOOLEAN, False),
    "Bulky": Field(Kind.BOOLEAN, False),
    "Expired": Field(Kind.BOOLEAN, False),
    "Depth": Field(Kind.INTEGER, 0),
    "Height": Field(Kind.INTEGER, 0),
    "Width": Field(Kind.INTEGER, 0),
    "Weight": Field(Kind.INTEGER, 0),
    "CostCalculationMethod": _NULL,
    "StockAccount": Field(Kind.INTEGER, None),
    "StockChangeAccount": Field(Kind.INTEGER, None),
    "DirectCost": Field(Kind.NUMBER, None),
    "FreightCost": Field(Kind.NUMBER, None),
    "OtherCost": Field(Kind.NUMBER, None),
    "DefaultStockPoint": _NULL,
    "DefaultStockLocation": _NULL,
    "CommodityCode": _EMPTY,
}
_VAT_RATES = (Decimal(0), Decimal(6), Decimal(12), Decimal(25))
_NUMBER_CHARS = re.compile(r"[A-Za-z0-9_+/.\-–]{1,50}")

SPEC = ListSpec(
    plural="Articles",
    topic="articles",
    key_field="ArticleNumber",
    search={
        "articlenumber": contains("ArticleNumber"),
        "description": contains("Description"),
        "ean": contains("EAN"),
        "manufacturer": contains("Manufacturer"),
        "manufacturerarticlenumber": contains("ManufacturerArticleNumber"),
        "suppliernumber": contains("SupplierNumber"),
        "webshop": contains("WebshopArticle"),
    },
    filters={
        "active": lambda record, _today: bool(record["Active"]),
        "inactive": lambda record, _today: not record["Active"],
    },
    sort={
        "articlenumber": lambda record: key_order(record["ArticleNumber"]),
        "quantityinstock": lambda record: record["QuantityInStock"],
        "reservedquantity": lambda record: record["ReservedQuantity"],
        "stockvalue": lambda record: record["StockValue"],
    },
)


def create_article(store: TenantStore, payload: dict[str, Any]) -> Record:
    changes = parse_changes(ARTICLE_FIELDS, payload, creating=True)
    if not str(changes.get("Description") or "").strip():
        raise ApiProblem.invalid(Code.REQUIRED_FIELD, "Benämning måste anges.")
    explicit = changes.pop("ArticleNumber", "") or None
    if explicit is not None:
        if not _NUMBER_CHARS.fullmatch(explicit):
            raise ApiProblem.invalid(
                Code.NOT_ALPHANUMERIC, f"Värdet måste vara alfanumeriskt ({explicit})"
            )
        if explicit in store.articles or explicit in store.deleted_articles:
            raise ApiProblem.invalid(Code.NUMBER_TAKEN, f"Artikelnummer {explicit} används redan.")
    record = defaults(ARTICLE_FIELDS)
    for derived in ("@url", "SalesPrice"):
        del record[derived]
    apply_changes(record, changes)
    _validate(store, record, changes)
    number = store.claim_number("articles", explicit)
    while explicit is None and (number in store.articles or number in store.deleted_articles):
        number = store.claim_number("articles", None)
    record["ArticleNumber"] = number
    store.articles[number] = record
    store.touch("articles", number, "article-created-v1")
    return record


def update_article(store: TenantStore, number: str, payload: dict[str, Any]) -> Record:
    record = find_article(store, number)
    changes = parse_changes(ARTICLE_FIELDS, payload, creating=False)
    changes.pop("ArticleNumber", None)
    if "Description" in changes and not str(changes["Description"] or "").strip():
        raise ApiProblem.invalid(Code.REQUIRED_FIELD, "Benämning måste anges.")
    candidate = copy.deepcopy(record)
    apply_changes(candidate, changes)
    _validate(store, candidate, changes)
    record.clear()
    record.update(candidate)
    store.touch("articles", number, "article-updated-v1")
    return record


def delete_article(store: TenantStore, number: str) -> None:
    """Delete an article and its prices; refused while document rows use it."""
    find_article(store, number)
    for document in (*store.orders.values(), *store.invoices.values()):
        rows = document.get("OrderRows") or document.get("InvoiceRows") or []
        if any(row.get("ArticleNumber") == number for row in rows):
            raise ApiProblem.invalid(
                Code.RECORD_IN_USE, "Artikeln används i dokument och kan inte tas bort."
            )
    del store.articles[number]
    store.deleted_articles.add(number)
    delete_article_prices(store, number)
    store.touch("articles", number, "article-deleted-v1")


def find_article(store: TenantStore, number: str) -> Record:
    record = store.articles.get(number)
    if record is None:
        raise ApiProblem.not_found(Code.ARTICLE_NOT_FOUND, "Kan inte hitta artikeln.")
    return record


def render_article(store: TenantStore, record: Record) -> dict[str, Any]:
    body: dict[str, Any] = {"@url": store.url("articles", record["ArticleNumber"])}
    body.update(jsonable(record))
    price = sales_price(store, record["ArticleNumber"])
    body["SalesPrice"] = None if price is None else json_number(price)
    return body


def _list_item(store: TenantStore, record: Record) -> dict[str, Any]:
    price = sales_price(store, record["ArticleNumber"])
    return {
        "@url": store.url("articles", record["ArticleNumber"]),
        "ArticleNumber": record["ArticleNumber"],
        "Description": record["Description"],
        "DisposableQuantity": decimal_text(record["DisposableQuantity"]),
        "EAN": record["EAN"] or "",
        "Housework": record["Housework"],
        "PurchasePrice": decimal_text(record["PurchasePrice"]),
        "SalesPrice": None if price is None else decimal_text(price),
        "QuantityInStock": decimal_text(record["QuantityInStock"]),
        "ReservedQuantity": decimal_text(record["ReservedQuantity"]),
        "StockPlace": record["StockPlace"] or "",
        "StockValue": decimal_text(record["StockValue"]),
        "Unit": record["Unit"] or "",
        "VAT": decimal_text(record["VAT"]),
        "WebshopArticle": record["WebshopArticle"],
    }


def _validate(store: TenantStore, record: Record, changes: dict[str, Any]) -> None:
    if changes.get("Unit") and changes["Unit"] not in store.units:
        raise ApiProblem.reference_missing("enhet", Code.UNIT_NOT_FOUND)
    if "VAT" in changes and changes["VAT"] not in _VAT_RATES:
        raise ApiProblem.reference_missing("momssats")
    if changes.get("SupplierNumber"):
        raise ApiProblem.reference_missing("leverantör")
    for name in _ACCOUNTS:
        account = changes.get(name)
        if account is not None and not 1000 <= account <= 8999:
            raise ApiProblem.invalid(Code.ACCOUNT_NOT_FOUND, "Kunde inte hitta konto")


def add_article_routes(router: Router) -> None:
    def list_all(call: Call) -> Reply:
        return Reply(
            body=list_envelope(
                call.store,
                SPEC,
                call.store.articles,
                call.params,
                lambda record: _list_item(call.store, record),
            )
        )

    def get(call: Call, number: str) -> Reply:
        return Reply(body={"Article": render_article(call.store, find_article(call.store, number))})

    def post(call: Call) -> Reply:
        record = create_article(call.store, call.payload("Article"))
        return Reply(201, {"Article": render_article(call.store, record)}, "articles")

    def put(call: Call, number: str) -> Reply:
        record = update_article(call.store, number, call.payload("Article"))
        return Reply(body={"Article": render_article(call.store, record)})

    def delete(call: Call, number: str) -> Reply:
        delete_article(call.store, number)
        return Reply(204)

    router.add("GET", "/articles", "article", list_all)
    router.add("POST", "/articles", "article", post)
    router.add("GET", "/articles/{number}", "article", get)
    router.add("PUT", "/articles/{number}", "article", put)
    router.add("DELETE", "/articles/{number}", "article", delete)
