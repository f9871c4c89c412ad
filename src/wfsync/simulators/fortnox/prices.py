"""Prices — ``/3/prices`` keyed by (price list, article, FromQuantity) (reference §6).

An article's read-only ``SalesPrice`` and a document row's default price both
come from here. Price writes stamp only the price's own ``Date``: they do not
bump the article's ``lastmodified`` and publish no event, which is exactly why a
sync must poll prices separately (§6.3, §14.15).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from wfsync.simulators.fortnox.errors import ApiProblem, Code
from wfsync.simulators.fortnox.listing import ListSpec, list_envelope
from wfsync.simulators.fortnox.routing import Call, Reply, Router
from wfsync.simulators.fortnox.schema import Field, Kind, parse_changes
from wfsync.simulators.fortnox.store import PriceKey, Record, TenantStore
from wfsync.simulators.fortnox.values import decimal_text, json_number, stockholm_today, to_decimal

__all__ = [
    "add_price_routes",
    "create_price",
    "delete_article_prices",
    "price_for",
    "sales_price",
    "set_price",
]

PRICE_FIELDS: dict[str, Field] = {
    "@url": Field(Kind.TEXT, read_only=True),
    "ArticleNumber": Field(Kind.TEXT, ""),
    "PriceList": Field(Kind.TEXT, ""),
    "FromQuantity": Field(Kind.NUMBER, Decimal(0)),
    "Price": Field(Kind.NUMBER, Decimal(0)),
    "Percent": Field(Kind.NUMBER, Decimal(0)),
    "Date": Field(Kind.DATE, read_only=True),
}
_SPEC = ListSpec("Prices", "prices", "ArticleNumber", natural_keys=False)


def sales_price(store: TenantStore, article_number: str) -> Decimal | None:
    """The pre-selected list's price at quantity 0 (article ``SalesPrice``), or None."""
    for code, price_list in store.pricelists.items():
        if price_list.get("PreSelected"):
            found = store.prices.get((code, article_number, Decimal(0)))
            return None if found is None else Decimal(found["Price"])
    return None


def price_for(
    store: TenantStore, price_list: str, article_number: str, quantity: Decimal
) -> Decimal | None:
    """Row default price: the highest quantity break at or below ``quantity``."""
    best: tuple[Decimal, Decimal] | None = None
    for (code, article, from_quantity), price in store.prices.items():
        ceiling = quantity if quantity > 0 else Decimal(0)
        if code != price_list or article != article_number or from_quantity > ceiling:
            continue
        if best is None or from_quantity > best[0]:
            best = (from_quantity, Decimal(price["Price"]))
    return None if best is None else best[1]


def create_price(store: TenantStore, payload: dict[str, Any]) -> Record:
    changes = parse_changes(PRICE_FIELDS, payload, creating=True)
    price_list = changes.get("PriceList") or ""
    article = changes.get("ArticleNumber") or ""
    if price_list not in store.pricelists:
        raise ApiProblem.reference_missing("prislista")
    if article not in store.articles:
        raise ApiProblem.invalid(Code.ARTICLE_NOT_FOUND, "Kan inte hitta artikeln.")
    if "Price" not in changes:
        raise ApiProblem.invalid(Code.REQUIRED_FIELD, "Pris måste anges.")
    quantity = Decimal(changes.get("FromQuantity", Decimal(0)))
    key: PriceKey = (price_list, article, quantity)
    if key in store.prices:
        raise ApiProblem.invalid(Code.NUMBER_TAKEN, "Priset finns redan.")
    record: Record = {
        "ArticleNumber": article,
        "PriceList": price_list,
        "FromQuantity": quantity,
        "Price": changes["Price"],
        "Percent": changes.get("Percent", Decimal(0)),
        "Date": stockholm_today(store.clock.now()).isoformat(),
    }
    store.prices[key] = record
    return record


def set_price(
    store: TenantStore,
    price_list: str,
    article: str,
    price: Decimal | float | int | str,
    from_quantity: Decimal | int = 0,
) -> Record:
    """Create or change one price (the UI's and the seed's upsert)."""
    key: PriceKey = (price_list, article, Decimal(from_quantity))
    if key in store.prices:
        return _update(store, key, {"Price": price})
    return create_price(
        store,
        {
            "PriceList": price_list,
            "ArticleNumber": article,
            "FromQuantity": from_quantity,
            "Price": price,
        },
    )


def delete_article_prices(store: TenantStore, article: str) -> None:
    for key in [key for key in store.prices if key[1] == article]:
        del store.prices[key]


def _update(store: TenantStore, key: PriceKey, payload: dict[str, Any]) -> Record:
    record = store.prices[key]
    changes = parse_changes(PRICE_FIELDS, payload, creating=False)
    for name in ("Price", "Percent"):
        if name in changes:
            record[name] = changes[name]
    record["Date"] = stockholm_today(store.clock.now()).isoformat()
    return record


def _render(store: TenantStore, record: Record, *, slim: bool = False) -> dict[str, Any]:
    quantity = decimal_text(record["FromQuantity"])
    body: dict[str, Any] = {
        "@url": store.url("prices", record["PriceList"], record["ArticleNumber"], quantity),
        "ArticleNumber": record["ArticleNumber"],
        "FromQuantity": json_number(record["FromQuantity"]),
        "Price": json_number(record["Price"]),
        "PriceList": record["PriceList"],
    }
    if not slim:
        body["Date"] = record["Date"]
        body["Percent"] = json_number(record["Percent"])
    return body


def _key(call: Call, price_list: str, article: str, quantity: str | None) -> PriceKey:
    if price_list not in call.store.pricelists:
        raise ApiProblem.not_found(Code.PRICELIST_NOT_FOUND, "Kan inte hitta prislistan.")
    if quantity is None:
        candidates = sorted(k for k in call.store.prices if k[:2] == (price_list, article))
        if not candidates:
            raise ApiProblem.not_found(Code.PRICE_NOT_FOUND, "Kan inte hitta priset.")
        return candidates[0]
    number = to_decimal(quantity)
    key: PriceKey = (price_list, article, number if number is not None else Decimal(-1))
    if key not in call.store.prices:
        raise ApiProblem.not_found(Code.PRICE_NOT_FOUND, "Kan inte hitta priset.")
    return key


def add_price_routes(router: Router) -> None:
    def list_all(call: Call) -> Reply:
        keyed = {"/".join((k[0], k[1], str(k[2]))): r for k, r in call.store.prices.items()}
        return Reply(
            body=list_envelope(
                call.store, _SPEC, keyed, call.params, lambda r: _render(call.store, r, slim=True)
            )
        )

    def sublist(call: Call, price_list: str, article: str) -> Reply:
        _key(call, price_list, article, None)
        keyed = {
            str(k[2]): r for k, r in call.store.prices.items() if k[:2] == (price_list, article)
        }
        return Reply(
            body=list_envelope(
                call.store, _SPEC, keyed, call.params, lambda r: _render(call.store, r, slim=True)
            )
        )

    def post(call: Call) -> Reply:
        record = create_price(call.store, call.payload("Price"))
        return Reply(201, {"Price": _render(call.store, record)}, "prices")

    def get(call: Call, price_list: str, article: str, quantity: str | None = None) -> Reply:
        key = _key(call, price_list, article, quantity)
        return Reply(body={"Price": _render(call.store, call.store.prices[key])})

    def put(call: Call, price_list: str, article: str, quantity: str | None = None) -> Reply:
        key = _key(call, price_list, article, quantity)
        record = _update(call.store, key, call.payload("Price"))
        return Reply(body={"Price": _render(call.store, record)})

    def delete(call: Call, price_list: str, article: str, quantity: str) -> Reply:
        del call.store.prices[_key(call, price_list, article, quantity)]
        return Reply(204)

    router.add("GET", "/prices", "price", list_all)
    router.add("POST", "/prices", "price", post)
    router.add("GET", "/prices/sublist/{price_list}/{article}", "price", sublist)
    router.add("GET", "/prices/{price_list}/{article}", "price", get)
    router.add("PUT", "/prices/{price_list}/{article}", "price", put)
    router.add("GET", "/prices/{price_list}/{article}/{quantity}", "price", get)
    router.add("PUT", "/prices/{price_list}/{article}/{quantity}", "price", put)
    router.add("DELETE", "/prices/{price_list}/{article}/{quantity}", "price", delete)
