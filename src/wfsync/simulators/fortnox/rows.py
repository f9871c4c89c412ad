"""Document rows (order and invoice) and the totals computed from them (§7.4, §8.3).

The row update rules are Fortnox's, exactly: without any ``RowId`` in a PUT the
sent rows map onto the existing ones *by position* (surplus rows are removed);
with ``RowId``s a known id updates its row, a row without id is new, and any row
not listed is removed. After every write every row gets a fresh ``RowId`` from
one tenant-wide counter, so a client that caches row ids breaks here as it
would in production. A new row inherits description, unit, VAT, account and
price from its article and the document's price list.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from wfsync.simulators.fortnox.errors import ApiProblem, Code
from wfsync.simulators.fortnox.prices import price_for
from wfsync.simulators.fortnox.schema import Field, Kind, apply_changes, defaults, parse_changes
from wfsync.simulators.fortnox.store import Record, TenantStore
from wfsync.simulators.fortnox.values import decimal_text, json_number, round2

__all__ = [
    "INVOICE_ROWS",
    "ORDER_ROWS",
    "RowRules",
    "compute_totals",
    "merge_rows",
    "render_rows",
    "renumber",
]

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_VAT_RATES = (Decimal(0), Decimal(6), Decimal(12), Decimal(25))
_STRING_NUMBERS = (
    "OrderedQuantity",
    "DeliveredQuantity",
    "ReservedQuantity",
    "ContributionPercent",
    "ContributionValue",
)

_COMMON_ROW_FIELDS: dict[str, Field] = {
    "RowId": Field(Kind.INTEGER, None),
    "ArticleNumber": Field(Kind.TEXT, "", blank=""),
    "Description": Field(Kind.TEXT, "", blank="", max_length=255),
    "DeliveredQuantity": Field(Kind.NUMBER, _ZERO),
    "ReservedQuantity": Field(Kind.NUMBER, _ZERO, read_only=True),
    "Price": Field(Kind.NUMBER, _ZERO),
    "Discount": Field(Kind.NUMBER, _ZERO),
    "DiscountType": Field(Kind.CHOICE, "PERCENT", choices=("PERCENT", "AMOUNT")),
    "Unit": Field(Kind.TEXT, "", blank=""),
    "VAT": Field(Kind.NUMBER, Decimal(25)),
    "VATCode": Field(Kind.TEXT, "", blank=""),
    "AccountNumber": Field(Kind.INTEGER, 3001),
    "CostCenter": Field(Kind.TEXT, "", blank=""),
    "Project": Field(Kind.TEXT, "", blank=""),
    "HouseWork": Field(Kind.BOOLEAN, False),
    "HouseWorkType": Field(Kind.TEXT, None),
    "HouseWorkHoursToReport": Field(Kind.INTEGER, None),
    "StockPointCode": Field(Kind.TEXT, None),
    "StockPointId": Field(Kind.TEXT, None),
    "Total": Field(Kind.NUMBER, _ZERO, read_only=True),
    "ContributionPercent": Field(Kind.NUMBER, _ZERO, read_only=True),
    "ContributionValue": Field(Kind.NUMBER, _ZERO, read_only=True),
    "Cost": Field(Kind.NUMBER, _ZERO, read_only=True),
}
ORDER_ROW_FIELDS: dict[str, Field] = {
    **_COMMON_ROW_FIELDS,
    "OrderedQuantity": Field(Kind.NUMBER, _ZERO),
}
INVOICE_ROW_FIELDS: dict[str, Field] = {
    **_COMMON_ROW_FIELDS,
    "PriceExcludingVAT": Field(Kind.NUMBER, _ZERO, read_only=True),
    "TotalExcludingVAT": Field(Kind.NUMBER, _ZERO, read_only=True),
}


@dataclass(frozen=True)
class RowRules:
    """What differs between order rows and invoice rows."""

    fields: dict[str, Field]
    #: Invoice rows also render the VAT-exclusive figures.
    excluding_vat: bool


ORDER_ROWS = RowRules(ORDER_ROW_FIELDS, excluding_vat=False)
INVOICE_ROWS = RowRules(INVOICE_ROW_FIELDS, excluding_vat=True)


def merge_rows(
    store: TenantStore, rules: RowRules, header: Record, existing: list[Record], sent: Any
) -> list[Record]:
    """The rows after a write that sent ``sent`` (rules 1 and 2 of §7.4)."""
    if not isinstance(sent, list) or not all(isinstance(item, dict) for item in sent):
        raise ApiProblem.wrong_root()
    with_ids = any(item.get("RowId") is not None for item in sent)
    by_id = {row["RowId"]: row for row in existing}
    result: list[Record] = []
    used: set[int] = set()
    for position, item in enumerate(sent):
        if with_ids:
            row_id = item.get("RowId")
            base = None
            if row_id is not None:
                changes = parse_changes(rules.fields, {"RowId": row_id}, creating=False)
                base = by_id.get(changes["RowId"])
                if base is None or changes["RowId"] in used:
                    raise ApiProblem.invalid(Code.UNKNOWN_ROW, f"Raden finns inte ({row_id})")
                used.add(changes["RowId"])
        else:
            base = existing[position] if position < len(existing) else None
        payload = {name: value for name, value in item.items() if name != "RowId"}
        if base is None:
            result.append(_new_row(store, rules, header, payload))
        else:
            result.append(_updated_row(store, rules, header, base, payload))
    return result


def renumber(store: TenantStore, rows: Iterable[Record]) -> None:
    """Fresh RowIds for every row: Fortnox does this after any write (rule 3)."""
    for row in rows:
        row["RowId"] = store.next_row_id()


def compute_totals(store: TenantStore, rules: RowRules, header: Record, rows: list[Record]) -> None:
    """Row totals, then header Net/TotalVAT/Gross/Total/RoundOff (rounded kronor)."""
    vat_included = bool(header.get("VATIncluded"))
    net_sum = vat_sum = cost_sum = _ZERO
    for row in rows:
        total, net = _row_amounts(row, vat_included)
        row["Total"] = total
        cost = _row_cost(store, row)
        row["Cost"] = cost
        row["ContributionValue"] = round2(net - cost)
        row["ContributionPercent"] = round2((net - cost) / net * _HUNDRED) if net else _ZERO
        if rules.excluding_vat:
            price = Decimal(row["Price"])
            divisor = 1 + Decimal(row["VAT"]) / _HUNDRED
            row["PriceExcludingVAT"] = round2(price / divisor) if vat_included else price
            row["TotalExcludingVAT"] = net
        net_sum += net
        vat_sum += round2(net * Decimal(row["VAT"]) / _HUNDRED)
        cost_sum += cost
    freight = Decimal(header.get("Freight") or 0)
    fee = Decimal(header.get("AdministrationFee") or 0)
    header["FreightVAT"] = round2(freight * Decimal("0.25"))
    header["AdministrationFeeVAT"] = round2(fee * Decimal("0.25"))
    net_total = round2(net_sum + freight + fee)
    vat_total = round2(vat_sum + header["FreightVAT"] + header["AdministrationFeeVAT"])
    gross = net_total + vat_total
    total = (
        gross.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        if header.get("Currency") == "SEK"
        else gross
    )
    header["Net"] = net_total
    header["TotalVAT"] = vat_total
    header["Gross"] = gross
    header["Total"] = total
    header["RoundOff"] = round2(total - gross)
    header["TotalToPay"] = total
    header["ContributionValue"] = round2(net_sum - cost_sum)
    header["ContributionPercent"] = (
        round2((net_sum - cost_sum) / net_sum * _HUNDRED) if net_sum else _ZERO
    )


def render_rows(rows: list[Record]) -> list[dict[str, Any]]:
    """Rows as JSON: quantities and contribution as strings, the rest as numbers."""
    rendered = []
    for row in rows:
        body: dict[str, Any] = {}
        for name, value in row.items():
            if name in _STRING_NUMBERS:
                body[name] = decimal_text(Decimal(value))
            elif isinstance(value, Decimal):
                body[name] = json_number(value)
            else:
                body[name] = value
        rendered.append(body)
    return rendered


def _row_amounts(row: Record, vat_included: bool) -> tuple[Decimal, Decimal]:
    """(row Total, net amount). Total = DeliveredQuantity × Price less discount.

    AMOUNT discounts are per unit (a documented simulator decision).
    """
    quantity = Decimal(row["DeliveredQuantity"])
    price = Decimal(row["Price"])
    discount = Decimal(row["Discount"])
    if row["DiscountType"] == "AMOUNT":
        total = round2(quantity * (price - discount))
    else:
        total = round2(quantity * price * (1 - discount / _HUNDRED))
    net = total
    if vat_included:
        net = round2(total / (1 + Decimal(row["VAT"]) / _HUNDRED))
    return total, net


def _row_cost(store: TenantStore, row: Record) -> Decimal:
    article = store.articles.get(row.get("ArticleNumber") or "")
    if article is None:
        return _ZERO
    return round2(Decimal(row["DeliveredQuantity"]) * Decimal(article["PurchasePrice"]))


def _new_row(
    store: TenantStore, rules: RowRules, header: Record, payload: dict[str, Any]
) -> Record:
    changes = parse_changes(rules.fields, payload, creating=True)
    row = defaults(rules.fields)
    if _vat_exempt(store, header):
        row["VAT"] = _ZERO
    _inherit(store, header, row, changes)
    apply_changes(row, changes)
    _validate(store, row, changes)
    return row


def _updated_row(
    store: TenantStore, rules: RowRules, header: Record, base: Record, payload: dict[str, Any]
) -> Record:
    changes = parse_changes(rules.fields, payload, creating=False)
    row = copy.deepcopy(base)
    if changes.get("ArticleNumber") and changes["ArticleNumber"] != row.get("ArticleNumber"):
        _inherit(store, header, row, changes)
    apply_changes(row, changes)
    _validate(store, row, changes)
    return row


def _inherit(store: TenantStore, header: Record, row: Record, changes: dict[str, Any]) -> None:
    """Defaults from the article and the document's price list for what was not sent."""
    number = changes.get("ArticleNumber") or ""
    if not number:
        return
    article = store.articles.get(number)
    if article is None:
        raise ApiProblem.invalid(Code.ARTICLE_NOT_FOUND, "Kan inte hitta artikeln.")
    row["Description"] = article["Description"]
    row["Unit"] = article["Unit"] or ""
    row["VAT"] = _ZERO if _vat_exempt(store, header) else article["VAT"]
    row["AccountNumber"] = article["SalesAccount"]
    quantity = changes.get("OrderedQuantity", changes.get("DeliveredQuantity", _ZERO))
    price = price_for(store, str(header.get("PriceList") or "A"), number, Decimal(quantity))
    row["Price"] = _ZERO if price is None else price


def _vat_exempt(store: TenantStore, header: Record) -> bool:
    """Rows for export and reverse-charge customers default to 0 % VAT."""
    customer = store.customers.get(str(header.get("CustomerNumber") or ""))
    return customer is not None and customer.get("VATType") not in (None, "SEVAT", "EUVAT")


def _validate(store: TenantStore, row: Record, changes: dict[str, Any]) -> None:
    if changes.get("Unit") and changes["Unit"] not in store.units:
        raise ApiProblem.reference_missing("enhet", Code.UNIT_NOT_FOUND)
    if "VAT" in changes and changes["VAT"] not in _VAT_RATES:
        raise ApiProblem.reference_missing("momssats")
    account = changes.get("AccountNumber")
    if account is not None and not 1000 <= account <= 8999:
        raise ApiProblem.invalid(Code.ACCOUNT_NOT_FOUND, "Kunde inte hitta konto")
