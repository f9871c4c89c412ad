"""Sample data, seed files and the standalone app behind ``wfsync simulate fortnox``."""

from __future__ import annotations

import base64
import json
import re
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from wfsync.clock import FakeClock
from wfsync.simulators.fortnox import ApiProblem, FortnoxSimulator, build_standalone_app


def test_sample_data_is_swedish_and_covers_every_lifecycle(clock: FakeClock) -> None:
    sim = FortnoxSimulator(clock=clock, seed=True)
    customers = list(sim.store.customers.values())
    assert len(customers) >= 15
    assert {c["City"] for c in customers} >= {"Stockholm", "Göteborg", "Malmö", "Uppsala"}
    assert any(c["Type"] == "PRIVATE" for c in customers)
    assert sum(1 for c in customers if not c["Active"]) == 1
    companies = [c for c in customers if c["Type"] == "COMPANY" and c["CountryCode"] == "SE"]
    assert all(
        re.fullmatch(r"5\d{5}-\d{4}|9\d{5}-\d{4}", c["OrganisationNumber"]) for c in companies
    )
    assert all(
        c["VATNumber"] == "SE" + c["OrganisationNumber"].replace("-", "") + "01" for c in companies
    )
    assert len(sim.store.articles) >= 12
    assert all(a["PurchasePrice"] is not None for a in sim.store.articles.values())
    invoices = list(sim.store.invoices.values())
    assert any(i["Booked"] for i in invoices) and any(not i["Booked"] for i in invoices)
    invoiced_orders = [o for o in sim.store.orders.values() if o["InvoiceReference"] != "0"]
    assert len(invoiced_orders) == 1
    assert (
        sim.store.invoices[invoiced_orders[0]["InvoiceReference"]]["OrderReference"]
        == (invoiced_orders[0]["DocumentNumber"])
    )


def test_load_seed_from_a_file_validates_like_the_api(tmp_path: Path, clock: FakeClock) -> None:
    seed = {
        "customers": [{"Name": "Fil AB", "CustomerNumber": "K1"}],
        "articles": [{"ArticleNumber": "A-1", "Description": "Skiftnyckel", "Unit": "st"}],
        "prices": [{"PriceList": "A", "ArticleNumber": "A-1", "Price": 150}],
        "termsofpayments": [{"Code": "60", "Description": "60 dagar"}],
        "invoices": [
            {
                "CustomerNumber": "K1",
                "TermsOfPayment": "60",
                "InvoiceDate": "2026-01-01",
                "InvoiceRows": [{"ArticleNumber": "A-1", "DeliveredQuantity": 1}],
                "_actions": ["bookkeep"],
            }
        ],
    }
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed), encoding="utf-8")
    sim = FortnoxSimulator(clock=clock)
    sim.load_seed(path)
    invoice = sim.ui.invoice("1")
    assert (invoice["DueDate"], invoice["Booked"], invoice["Total"]) == ("2026-03-02", True, 188)
    with pytest.raises(ApiProblem):
        sim.load_seed({"customers": [{"Name": ""}]})
    with pytest.raises(ValueError, match="unknown seed sections"):
        sim.load_seed({"kunder": []})


async def test_standalone_app_banner_credentials_work() -> None:
    app, banner = build_standalone_app(seed=None, empty=True, base_url="http://127.0.0.1:8081")
    pasted = tomllib.loads(banner)["fortnox"]  # the banner is the TOML block to paste
    secret, refresh = pasted["client_secret"], pasted["refresh_token"]
    assert pasted["client_id"] == "wfsync-demo"
    assert pasted["token_url"] == "http://127.0.0.1:8081/oauth-v1/token"
    auth = "Basic " + base64.b64encode(f"wfsync-demo:{secret}".encode()).decode()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8081"
    ) as http:
        token = await http.post(
            "/oauth-v1/token",
            data={"grant_type": "refresh_token", "refresh_token": refresh},
            headers={"Authorization": auth},
        )
        assert token.status_code == 200
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        customers = await http.get("/3/customers", headers=bearer)
        assert customers.json()["MetaInformation"]["@TotalResources"] == 0
        consent = await http.get(
            "/oauth-v1/auth",
            params={
                "client_id": "wfsync-demo",
                "redirect_uri": "http://localhost:8765/cb",
                "scope": "customer",
                "state": "s1",
                "response_type": "code",
            },
        )
    assert consent.status_code == 302
    assert parse_qs(urlsplit(consent.headers["location"]).query)["state"] == ["s1"]


async def test_standalone_app_with_sample_data_uses_its_base_url() -> None:
    app, banner = build_standalone_app(seed=None, empty=False, base_url="http://localhost:9000")
    pasted = tomllib.loads(banner)["fortnox"]
    secret, refresh = pasted["client_secret"], pasted["refresh_token"]
    auth = "Basic " + base64.b64encode(f"wfsync-demo:{secret}".encode()).decode()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        token = await http.post(
            "http://localhost:9000/oauth-v1/token",
            data={"grant_type": "refresh_token", "refresh_token": refresh},
            headers={"Authorization": auth},
        )
        listed = await http.get(
            "http://localhost:9000/3/customers",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
    first = listed.json()["Customers"][0]
    assert first["@url"] == "http://localhost:9000/3/customers/1"
