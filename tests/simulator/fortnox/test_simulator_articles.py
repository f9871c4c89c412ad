"""Contract tests: /3/articles, /3/prices and /3/pricelists (reference §5, §6)."""

from __future__ import annotations

import httpx
import pytest

from wfsync.clock import FakeClock
from wfsync.simulators.fortnox import FortnoxSimulator


async def _article(http: httpx.AsyncClient, **fields: object) -> httpx.Response:
    return await http.post("articles", json={"Article": fields})


async def test_create_article_defaults_and_sales_price_is_null_without_a_price(
    fortnox_http: httpx.AsyncClient,
) -> None:
    response = await _article(fortnox_http, Description="Hammer")
    assert response.status_code == 201
    assert response.headers["location"] == "articles"
    article = response.json()["Article"]
    assert article["ArticleNumber"] == "1"
    assert article["SalesPrice"] is None
    assert article["Unit"] is None
    assert article["PurchasePrice"] == 0
    assert article["Type"] == "STOCK"
    assert (article["EUAccount"], article["PurchaseAccount"]) == (3108, 4000)


async def test_sales_price_mirrors_list_a_at_quantity_zero_and_is_read_only(
    fortnox_http: httpx.AsyncClient,
) -> None:
    await _article(fortnox_http, Description="Hammer", ArticleNumber="101")
    price = await fortnox_http.post(
        "prices",
        json={
            "Price": {"PriceList": "A", "ArticleNumber": "101", "FromQuantity": 0, "Price": 199.5}
        },
    )
    assert price.status_code == 201
    assert price.json()["Price"]["@url"] == "https://api.fortnox.se/3/prices/A/101/0"
    article = (await fortnox_http.get("articles/101")).json()["Article"]
    assert article["SalesPrice"] == 199.5
    ignored = await fortnox_http.put("articles/101", json={"Article": {"SalesPrice": 5}})
    assert ignored.json()["Article"]["SalesPrice"] == 199.5


async def test_list_items_render_stock_and_prices_as_strings(
    fortnox_sim: FortnoxSimulator, fortnox_http: httpx.AsyncClient
) -> None:
    number = fortnox_sim.ui.create_article(Description="Skruv", PurchasePrice=1.125, Unit="st")
    fortnox_sim.ui.set_price("A", number, 2.5)
    item = (await fortnox_http.get("articles")).json()["Articles"][0]
    assert item["PurchasePrice"] == "1.13"
    assert item["QuantityInStock"] == "0"
    assert item["SalesPrice"] == "2.5"
    assert item["VAT"] == "25"
    assert item["Unit"] == "st"
    assert "Active" not in item


async def test_unknown_unit_and_missing_description_are_rejected(
    fortnox_http: httpx.AsyncClient,
) -> None:
    assert (await _article(fortnox_http, Description="X", Unit="lådor")).status_code == 400
    assert (await _article(fortnox_http, Unit="st")).status_code == 400
    missing = await fortnox_http.get("articles/404")
    assert missing.status_code == 404
    assert missing.json()["ErrorInformation"] == {
        "Error": 1,
        "Message": "Kan inte hitta artikeln.",
        "Code": 2000428,
    }


async def test_price_crud_by_list_article_and_quantity(fortnox_http: httpx.AsyncClient) -> None:
    await _article(fortnox_http, Description="Hammer", ArticleNumber="101")
    missing = await fortnox_http.get("prices/A/101/0")
    assert missing.status_code == 404
    assert missing.json()["ErrorInformation"]["Code"] == 2000431
    body = {"Price": {"PriceList": "A", "ArticleNumber": "101", "FromQuantity": 10, "Price": 90}}
    assert (await fortnox_http.post("prices", json=body)).status_code == 201
    duplicate = await fortnox_http.post("prices", json=body)
    assert duplicate.status_code == 400
    updated = await fortnox_http.put("prices/A/101/10", json={"Price": {"Price": 85}})
    assert updated.json()["Price"]["Price"] == 85
    sublist = (await fortnox_http.get("prices/sublist/A/101")).json()
    assert [p["FromQuantity"] for p in sublist["Prices"]] == [10]
    assert (await fortnox_http.delete("prices/A/101/10")).status_code == 204
    assert (await fortnox_http.get("prices/A/101/10")).status_code == 404


async def test_price_changes_do_not_bump_the_article_lastmodified(
    fortnox_sim: FortnoxSimulator, fortnox_http: httpx.AsyncClient, clock: FakeClock
) -> None:
    number = fortnox_sim.ui.create_article(Description="Hammer")
    clock.advance(1800)
    since = "2026-01-15 10:15"  # FakeClock starts 09:00 UTC = 10:00 Stockholm (CET)
    fortnox_sim.ui.set_price("A", number, 100)
    listed = (await fortnox_http.get("articles", params={"lastmodified": since})).json()
    assert listed["Articles"] == []
    fortnox_sim.ui.update_article(number, Note="ny")
    listed = (await fortnox_http.get("articles", params={"lastmodified": since})).json()
    assert [a["ArticleNumber"] for a in listed["Articles"]] == [number]


async def test_price_lists_register(fortnox_http: httpx.AsyncClient) -> None:
    lists = (await fortnox_http.get("pricelists")).json()
    assert lists["PriceLists"][0]["Code"] == "A"
    assert lists["PriceLists"][0]["PreSelected"] is True
    created = await fortnox_http.post(
        "pricelists", json={"PriceList": {"Code": "B", "Description": "Återförsäljare"}}
    )
    assert created.status_code == 201
    assert (await fortnox_http.get("pricelists/Q")).status_code == 404


@pytest.mark.parametrize("vat", [7, "abc"])
async def test_article_vat_must_be_a_swedish_rate(
    fortnox_http: httpx.AsyncClient, vat: object
) -> None:
    assert (await _article(fortnox_http, Description="X", VAT=vat)).status_code == 400
