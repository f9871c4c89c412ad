"""Contract tests: orders and invoices — rows, totals, actions, locks (§7, §8)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from wfsync.simulators.fortnox import FortnoxSimulator

ROWS_LINKED = (
    "En eller flera rader har koppling till en order, det går därför inte att uppdatera "
    "raderna via API."
)


@pytest.fixture
def shop(fortnox_sim: FortnoxSimulator) -> FortnoxSimulator:
    """Customer 1 and article 101 "Hammer" at 100 kr (list A), 40 kr purchase price."""
    fortnox_sim.ui.create_customer(Name="Acme AB", CountryCode="SE", City="Uppsala")
    fortnox_sim.ui.create_article(
        ArticleNumber="101", Description="Hammer", Unit="st", PurchasePrice=40
    )
    fortnox_sim.ui.set_price("A", "101", 100)
    return fortnox_sim


async def _order(
    http: httpx.AsyncClient, rows: list[dict[str, Any]], **fields: Any
) -> dict[str, Any]:
    response = await http.post(
        "orders", json={"Order": {"CustomerNumber": "1", "OrderRows": rows, **fields}}
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"] == "orders"
    order: dict[str, Any] = response.json()["Order"]
    return order


async def test_order_rows_inherit_from_article_and_price_list(
    shop: FortnoxSimulator, fortnox_http: httpx.AsyncClient
) -> None:
    order = await _order(fortnox_http, [{"ArticleNumber": "101", "OrderedQuantity": 2}])
    row = order["OrderRows"][0]
    assert row["Description"] == "Hammer"
    assert row["Unit"] == "st"
    assert row["Price"] == 100
    assert row["VAT"] == 25
    assert row["AccountNumber"] == 3001
    assert row["OrderedQuantity"] == "2"
    assert row["DeliveredQuantity"] == "0"
    assert row["Total"] == 0  # nothing delivered yet (recorded)
    assert order["Total"] == 0
    assert order["CustomerName"] == "Acme AB"
    assert order["Country"] == "Sverige"
    assert order["TermsOfPayment"] == "30"
    assert order["InvoiceReference"] == "0"
    assert order["OrderDate"] == "2026-01-15"


async def test_totals_vat_and_whole_krona_rounding(
    shop: FortnoxSimulator, fortnox_http: httpx.AsyncClient
) -> None:
    order = await _order(
        fortnox_http,
        [
            {
                "ArticleNumber": "101",
                "OrderedQuantity": 3,
                "DeliveredQuantity": 3,
                "Discount": 10,
                "DiscountType": "PERCENT",
            },
            {"Description": "Frakt", "DeliveredQuantity": 1.125, "Price": 10.1, "VAT": 12},
        ],
    )
    first, second = order["OrderRows"]
    assert first["Total"] == 270
    assert second["DeliveredQuantity"] == "1.13"
    assert second["Total"] == 11.41
    assert order["Net"] == 281.41
    assert order["TotalVAT"] == 67.5 + 1.37
    assert order["Total"] == 350
    assert order["RoundOff"] == round(350 - 281.41 - 68.87, 2)


async def test_row_rules_position_rowid_and_fresh_ids_after_every_write(
    shop: FortnoxSimulator, fortnox_http: httpx.AsyncClient
) -> None:
    order = await _order(
        fortnox_http,
        [
            {"Description": "a", "Price": 1},
            {"Description": "b", "Price": 2},
            {"Description": "c", "Price": 3},
        ],
    )
    number = order["DocumentNumber"]
    ids = [row["RowId"] for row in order["OrderRows"]]
    # rule 1: by position; surplus rows removed
    by_position = await fortnox_http.put(
        f"orders/{number}", json={"Order": {"OrderRows": [{"Price": 10}, {}]}}
    )
    rows = by_position.json()["Order"]["OrderRows"]
    assert [(r["Description"], r["Price"]) for r in rows] == [("a", 10), ("b", 2)]
    assert not {r["RowId"] for r in rows} & set(ids)
    assert min(r["RowId"] for r in rows) > max(ids)
    # rule 2: RowId keeps/updates, no id = new, unlisted removed
    keep, drop = rows[0]["RowId"], rows[1]["RowId"]
    by_id = await fortnox_http.put(
        f"orders/{number}",
        json={"Order": {"OrderRows": [{"RowId": keep}, {"Description": "new", "Price": 5}]}},
    )
    rows = by_id.json()["Order"]["OrderRows"]
    assert [r["Description"] for r in rows] == ["a", "new"]
    assert drop not in {r["RowId"] for r in rows}
    # rule 3 also for a header-only write; rule 4: rows untouched
    header_only = await fortnox_http.put(f"orders/{number}", json={"Order": {"Comments": "x"}})
    rows_after = header_only.json()["Order"]["OrderRows"]
    assert [r["Description"] for r in rows_after] == ["a", "new"]
    assert {r["RowId"] for r in rows_after}.isdisjoint({r["RowId"] for r in rows})
    stale = await fortnox_http.put(
        f"orders/{number}", json={"Order": {"OrderRows": [{"RowId": keep}]}}
    )
    assert stale.status_code == 400
    cleared = await fortnox_http.put(f"orders/{number}", json={"Order": {"OrderRows": []}})
    assert cleared.json()["Order"]["OrderRows"] == []


async def test_createinvoice_copies_links_and_locks_the_order(
    shop: FortnoxSimulator, fortnox_http: httpx.AsyncClient
) -> None:
    order = await _order(
        fortnox_http,
        [{"ArticleNumber": "101", "OrderedQuantity": 2, "DeliveredQuantity": 2}],
        Remarks="Tack!",
        YourReference="Eva",
    )
    number = order["DocumentNumber"]
    response = await fortnox_http.put(f"orders/{number}/createinvoice")
    assert response.status_code == 200
    invoice = response.json()["Invoice"]
    assert invoice["OrderReference"] == number
    assert invoice["YourReference"] == "Eva"
    assert invoice["Remarks"] == ""  # CopyRemarks was false
    assert invoice["InvoiceRows"][0]["DeliveredQuantity"] == "2"
    assert invoice["Total"] == 250
    reread = (await fortnox_http.get(f"orders/{number}")).json()["Order"]
    assert reread["InvoiceReference"] == invoice["DocumentNumber"]
    for attempt in (
        fortnox_http.put(f"orders/{number}", json={"Order": {"Comments": "late"}}),
        fortnox_http.put(f"orders/{number}/cancel"),
        fortnox_http.put(f"orders/{number}/createinvoice"),
    ):
        locked = await attempt
        assert locked.status_code == 400
        assert set(locked.json()["ErrorInformation"]) == {"error", "message", "code"}
    created = (await fortnox_http.get("orders", params={"filter": "invoicecreated"})).json()
    assert [o["DocumentNumber"] for o in created["Orders"]] == [number]
    assert "InvoiceReference" not in created["Orders"][0]


async def test_invoice_from_order_rejects_rows_even_unchanged_but_accepts_header(
    shop: FortnoxSimulator, fortnox_http: httpx.AsyncClient
) -> None:
    order_no = shop.ui.create_order("1", rows=[{"ArticleNumber": "101", "DeliveredQuantity": 1}])
    invoice_no = shop.ui.create_invoice_from_order(order_no)
    invoice = (await fortnox_http.get(f"invoices/{invoice_no}")).json()["Invoice"]
    rows = [{"RowId": r["RowId"]} for r in invoice["InvoiceRows"]]
    rejected = await fortnox_http.put(
        f"invoices/{invoice_no}", json={"Invoice": {"InvoiceRows": rows}}
    )
    assert rejected.status_code == 400
    assert rejected.json()["ErrorInformation"]["message"] == ROWS_LINKED
    header = await fortnox_http.put(f"invoices/{invoice_no}", json={"Invoice": {"Comments": "ok"}})
    assert header.status_code == 200


async def test_invoice_defaults_due_date_ocr_and_string_flags(
    shop: FortnoxSimulator, fortnox_http: httpx.AsyncClient
) -> None:
    response = await fortnox_http.post(
        "invoices",
        json={
            "Invoice": {
                "CustomerNumber": "1",
                "InvoiceDate": "2023-01-30",
                "InvoiceRows": [{"ArticleNumber": "101", "DeliveredQuantity": 1}],
            }
        },
    )
    assert response.status_code == 201
    invoice = response.json()["Invoice"]
    assert invoice["DueDate"] == "2023-03-01"
    assert invoice["OCR"] == "133"
    assert invoice["Credit"] == "false"
    assert (invoice["OrderReference"], invoice["InvoiceReference"]) == ("0", "0")
    assert invoice["CreditInvoiceReference"] == "0"
    assert invoice["Booked"] is False
    assert invoice["Balance"] == invoice["Total"] == 125
    assert invoice["InvoiceRows"][0]["TotalExcludingVAT"] == 100
    listed = (await fortnox_http.get("invoices")).json()["Invoices"][0]
    assert listed["CurrencyRate"] == "1"
    assert "OrderReference" not in listed


@pytest.mark.parametrize(("number", "ocr"), [(3, "331"), (18, "1842"), (20, "2048"), (39, "3947")])
async def test_ocr_follows_the_recorded_pairs(
    shop: FortnoxSimulator, number: int, ocr: str
) -> None:
    created = shop.ui.create_invoice("1", rows=[], DocumentNumber=str(number))
    assert shop.ui.invoice(created)["OCR"] == ocr


async def test_bookkeep_sets_voucher_and_locks_the_invoice(
    shop: FortnoxSimulator, fortnox_http: httpx.AsyncClient
) -> None:
    number = shop.ui.create_invoice("1", rows=[{"ArticleNumber": "101", "DeliveredQuantity": 1}])
    booked = (await fortnox_http.put(f"invoices/{number}/bookkeep")).json()["Invoice"]
    assert booked["Booked"] is True
    assert booked["VoucherSeries"] == "B"
    assert booked["VoucherNumber"] == 1
    assert booked["VoucherYear"] == 2026
    edit = await fortnox_http.put(f"invoices/{number}", json={"Invoice": {"Comments": "x"}})
    assert edit.status_code == 400
    assert (await fortnox_http.put(f"invoices/{number}/bookkeep")).status_code == 400
    assert (await fortnox_http.put(f"invoices/{number}/cancel")).status_code == 400
    unbooked = (await fortnox_http.get("invoices", params={"filter": "unbooked"})).json()
    assert unbooked["Invoices"] == []
    assert unbooked["MetaInformation"]["@TotalPages"] == 0


async def test_credit_creates_negated_invoice_and_links_it(
    shop: FortnoxSimulator, fortnox_http: httpx.AsyncClient
) -> None:
    number = shop.ui.create_invoice("1", rows=[{"ArticleNumber": "101", "DeliveredQuantity": 2}])
    assert (await fortnox_http.put(f"invoices/{number}/credit")).status_code == 400  # unbooked
    shop.ui.bookkeep_invoice(number)
    original = (await fortnox_http.put(f"invoices/{number}/credit")).json()["Invoice"]
    credit_no = original["CreditInvoiceReference"]
    credit = (await fortnox_http.get(f"invoices/{credit_no}")).json()["Invoice"]
    assert credit["Credit"] == "true"
    assert credit["InvoiceReference"] == number
    assert credit["InvoiceRows"][0]["DeliveredQuantity"] == "-2"
    assert credit["Total"] == -250


async def test_cancelled_order_is_locked_and_listed(
    shop: FortnoxSimulator, fortnox_http: httpx.AsyncClient
) -> None:
    number = shop.ui.create_order("1", rows=[])
    cancelled = await fortnox_http.put(f"orders/{number}/cancel")
    assert cancelled.json()["Order"]["Cancelled"] is True
    assert (await fortnox_http.put(f"orders/{number}/cancel")).status_code == 400
    assert (
        await fortnox_http.put(f"orders/{number}", json={"Order": {"Comments": "x"}})
    ).status_code == 400
    listed = (await fortnox_http.get("orders", params={"filter": "cancelled"})).json()
    assert [o["DocumentNumber"] for o in listed["Orders"]] == [number]


async def test_document_validation(shop: FortnoxSimulator, fortnox_http: httpx.AsyncClient) -> None:
    no_customer = await fortnox_http.post("orders", json={"Order": {"CustomerNumber": "77"}})
    assert no_customer.status_code == 400
    bad_article = await fortnox_http.post(
        "orders", json={"Order": {"CustomerNumber": "1", "OrderRows": [{"ArticleNumber": "9"}]}}
    )
    assert bad_article.json()["ErrorInformation"]["code"] == 2000428
    bad_row_field = await fortnox_http.post(
        "orders", json={"Order": {"CustomerNumber": "1", "OrderRows": [{"Qty": 1}]}}
    )
    assert bad_row_field.json()["ErrorInformation"]["code"] == 2001399
    no_invoice_ordered_qty = await fortnox_http.post(
        "invoices",
        json={"Invoice": {"CustomerNumber": "1", "InvoiceRows": [{"OrderedQuantity": 1}]}},
    )
    assert no_invoice_ordered_qty.json()["ErrorInformation"]["code"] == 2001399
    missing = await fortnox_http.get("orders/55")
    assert missing.json() == {
        "ErrorInformation": {"Error": 1, "Message": "Kan inte hitta ordern.", "Code": 2000439}
    }
    missing_invoice = await fortnox_http.get("invoices/55")
    assert missing_invoice.json()["ErrorInformation"]["Code"] == 2000434


async def test_customer_in_use_cannot_be_deleted(
    shop: FortnoxSimulator, fortnox_http: httpx.AsyncClient
) -> None:
    shop.ui.create_order("1", rows=[])
    assert (await fortnox_http.delete("customers/1")).status_code == 400


async def test_rows_for_an_export_customer_default_to_zero_vat(
    shop: FortnoxSimulator, fortnox_http: httpx.AsyncClient
) -> None:
    export = shop.ui.create_customer(Name="Fjord AS", CountryCode="NO", VATType="EXPORT")
    response = await fortnox_http.post(
        "invoices",
        json={
            "Invoice": {
                "CustomerNumber": export,
                "InvoiceRows": [
                    {"ArticleNumber": "101", "DeliveredQuantity": 1},
                    {"Description": "Frakt", "DeliveredQuantity": 1, "Price": 50},
                ],
            }
        },
    )
    invoice = response.json()["Invoice"]
    assert [row["VAT"] for row in invoice["InvoiceRows"]] == [0, 0]
    assert invoice["TotalVAT"] == 0
    assert invoice["Country"] == "Norge"
