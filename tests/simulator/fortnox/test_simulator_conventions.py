"""Contract tests: §3 conventions — paging, parameters, lastmodified, limits, faults."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfsync.clock import FakeClock
from wfsync.simulators.fortnox import FortnoxSimulator


def _customers(sim: FortnoxSimulator, count: int) -> None:
    for index in range(count):
        sim.ui.create_customer(Name=f"Kund {index + 1}", City="Malmö" if index % 2 else "Lund")


async def test_empty_list_reports_zero_pages(fortnox_http: httpx.AsyncClient) -> None:
    body = (await fortnox_http.get("customers")).json()
    assert body == {
        "MetaInformation": {"@TotalResources": 0, "@TotalPages": 0, "@CurrentPage": 1},
        "Customers": [],
    }


async def test_paging_default_100_and_limit_bounds(
    fortnox_sim: FortnoxSimulator, fortnox_http: httpx.AsyncClient
) -> None:
    _customers(fortnox_sim, 120)
    first = (await fortnox_http.get("customers")).json()
    assert len(first["Customers"]) == 100
    assert first["MetaInformation"] == {
        "@TotalResources": 120,
        "@TotalPages": 2,
        "@CurrentPage": 1,
    }
    second = (await fortnox_http.get("customers", params={"page": 2})).json()
    assert [c["CustomerNumber"] for c in second["Customers"]][:2] == ["101", "102"]
    for bad in ("0", "501", "-1", "x"):
        response = await fortnox_http.get("customers", params={"limit": bad})
        assert response.status_code == 400
        assert response.json()["ErrorInformation"]["code"] == 2000588
    page_size = (await fortnox_http.get("customers", params={"limit": 500})).json()
    assert len(page_size["Customers"]) == 120


@pytest.mark.parametrize(
    "params",
    [
        {"Limit": "10"},
        {"unknown": "1"},
        {"name": "Kund", "city": "Lund"},
        {"filter": "active", "name": "Kund"},
        {"sortby": "city"},
        {"sortorder": "up"},
        {"lastmodified": "2026-01-15T10:00"},
    ],
)
async def test_invalid_parameters_are_2000588(
    fortnox_http: httpx.AsyncClient, params: dict[str, str]
) -> None:
    response = await fortnox_http.get("customers", params=params)
    assert response.status_code == 400
    assert response.json()["ErrorInformation"] == {
        "error": 1,
        "message": "Ogiltig parameter i anropet.",
        "code": 2000588,
    }


async def test_unknown_filter_is_2000587(fortnox_http: httpx.AsyncClient) -> None:
    response = await fortnox_http.get("invoices", params={"filter": "everything"})
    assert response.json() == {
        "ErrorInformation": {
            "error": 1,
            "message": "Ett ogiltigt filter har använts.",
            "code": 2000587,
        }
    }


async def test_search_is_case_insensitive_substring_and_combines_with_lastmodified(
    fortnox_sim: FortnoxSimulator, fortnox_http: httpx.AsyncClient
) -> None:
    for name in ("Acme AB", "Bacme HB", "Other"):
        fortnox_sim.ui.create_customer(Name=name)
    found = (await fortnox_http.get("customers", params={"name": "ACME"})).json()
    assert [c["Name"] for c in found["Customers"]] == ["Acme AB", "Bacme HB"]
    number = (await fortnox_http.get("customers", params={"customernumber": "1"})).json()
    assert [c["CustomerNumber"] for c in number["Customers"]] == ["1"]
    combined = await fortnox_http.get(
        "customers", params={"name": "acme", "lastmodified": "2026-01-15 10:00"}
    )
    assert combined.status_code == 200
    descending = await fortnox_http.get(
        "customers", params={"sortby": "name", "sortorder": "descending"}
    )
    assert [c["Name"] for c in descending.json()["Customers"]] == ["Other", "Bacme HB", "Acme AB"]


async def test_lastmodified_is_stockholm_local_time_inclusive(
    fortnox_sim: FortnoxSimulator, fortnox_http: httpx.AsyncClient, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 1, 15, 9, 30, 0, tzinfo=UTC))  # 10:30 in Stockholm (CET)
    fortnox_sim.ui.create_customer(Name="Changed")

    async def names(since: str) -> list[str]:
        body = (await fortnox_http.get("customers", params={"lastmodified": since})).json()
        return [c["Name"] for c in body["Customers"]]

    assert await names("2026-01-15 10:30") == ["Changed"]
    assert await names("2026-01-15 10:30:01") == []
    assert await names("2026-01-15 09:31") == ["Changed"]  # would be wrong as UTC
    assert await names("2026-01-15") == ["Changed"]
    assert await names("2026-01-16") == []


async def test_lastmodified_in_the_repeated_october_hour_takes_the_later_instant(
    clock: FakeClock,
) -> None:
    # 2026-10-25 02:30 Stockholm happens at 00:30 UTC (CEST) and 01:30 UTC (CET).
    clock.set(datetime(2026, 10, 25, 0, 45, tzinfo=UTC))
    sim = FortnoxSimulator(clock=clock)
    sim.register_client("c", "s")
    sim.ui.create_customer(Name="In the first 02:45")
    token_response = await _token(sim, "c", "s")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim.app), base_url="https://api.fortnox.se/3/"
    ) as http:
        body = (
            await http.get(
                "customers",
                params={"lastmodified": "2026-10-25 02:30"},
                headers={"Authorization": f"Bearer {token_response}"},
            )
        ).json()
    assert body["Customers"] == []


async def _token(sim: FortnoxSimulator, client_id: str, secret: str) -> str:
    refresh = sim.issue_refresh_token(client_id)
    auth = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app)) as http:
        response = await http.post(
            "https://apps.fortnox.se/oauth-v1/token",
            data={"grant_type": "refresh_token", "refresh_token": refresh},
            headers={"Authorization": auth},
        )
    token: str = response.json()["access_token"]
    return token


async def test_rate_limit_25_per_sliding_5_seconds(clock: FakeClock) -> None:
    sim = FortnoxSimulator(clock=clock)
    sim.register_client("c", "s")
    token = await _token(sim, "c", "s")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim.app), base_url="https://api.fortnox.se/3/"
    ) as http:
        unauthorised = [await http.get("customers") for _ in range(30)]
        assert {r.status_code for r in unauthorised} == {401}  # 401s are not counted
        headers = {"Authorization": f"Bearer {token}"}
        statuses = []
        for _ in range(26):
            statuses.append((await http.get("customers", headers=headers)).status_code)
            clock.advance(0.1)
        assert statuses[:25] == [200] * 25
        limited = await http.get("customers", headers=headers)
        assert limited.status_code == 429
        assert limited.json() == {"message": "Too Many Requests"}
        assert "retry-after" not in limited.headers
        clock.advance(5.0)
        assert (await http.get("customers", headers=headers)).status_code == 200


async def test_rate_limit_can_be_switched_off(
    fortnox_sim: FortnoxSimulator, fortnox_http: httpx.AsyncClient
) -> None:
    statuses = {(await fortnox_http.get("customers")).status_code for _ in range(40)}
    assert statuses == {200}


async def test_faults_status_and_times(
    fortnox_sim: FortnoxSimulator, fortnox_http: httpx.AsyncClient
) -> None:
    fortnox_sim.faults.add(path_prefix="/3/customers", status=500, times=2)
    first = await fortnox_http.get("customers")
    assert first.status_code == 500
    assert first.json()["ErrorInformation"]["code"] == 1000003
    assert (await fortnox_http.get("customers")).status_code == 500
    assert (await fortnox_http.get("customers")).status_code == 200
    fortnox_sim.faults.add(path_prefix="/3/", status=429)
    throttled = await fortnox_http.get("articles")
    assert throttled.status_code == 429
    assert throttled.json() == {"message": "Too Many Requests"}


async def test_timeout_fault_surfaces_as_transport_error(
    fortnox_sim: FortnoxSimulator, fortnox_http: httpx.AsyncClient
) -> None:
    fortnox_sim.faults.add(path_prefix="/3/customers", method="POST", timeout=True)
    with pytest.raises(httpx.ReadTimeout):
        await fortnox_http.post("customers", json={"Customer": {"Name": "Lost AB"}})
    assert fortnox_sim.store.customers == {}
    fortnox_sim.faults.add(
        path_prefix="/3/customers", method="POST", timeout=True, after_processing=True
    )
    with pytest.raises(httpx.ReadTimeout):
        await fortnox_http.post("customers", json={"Customer": {"Name": "Ghost AB"}})
    assert [c["Name"] for c in fortnox_sim.store.customers.values()] == ["Ghost AB"]
    assert [r.status for r in fortnox_sim.writes("/3/customers")] == [None, None]


async def test_latency_fault_sleeps_on_the_injected_clock(
    fortnox_sim: FortnoxSimulator, fortnox_http: httpx.AsyncClient, clock: FakeClock
) -> None:
    fortnox_sim.faults.add(path_prefix="/3/", latency=2.0)
    before = clock.monotonic()
    assert (await fortnox_http.get("customers")).status_code == 200
    assert clock.monotonic() - before == pytest.approx(2.0)


async def test_requests_are_recorded_for_assertions(
    fortnox_sim: FortnoxSimulator, fortnox_http: httpx.AsyncClient
) -> None:
    await fortnox_http.post("customers", json={"Customer": {"Name": "A"}})
    await fortnox_http.get("customers/", params={"filter": "active"})
    await fortnox_http.put("customers/1", json={"Customer": {"City": "Lund"}})
    api = [r for r in fortnox_sim.requests if r.path.startswith("/3/")]
    assert [(r.method, r.path, r.status) for r in api] == [
        ("POST", "/3/customers", 201),
        ("GET", "/3/customers/", 200),
        ("PUT", "/3/customers/1", 200),
    ]
    assert api[1].query == {"filter": "active"}
    assert api[2].body == {"Customer": {"City": "Lund"}}
    assert len(fortnox_sim.writes()) == 2


async def test_content_negotiation(fortnox_http: httpx.AsyncClient) -> None:
    xml = await fortnox_http.get("customers", headers={"Accept": "application/xml"})
    assert xml.json()["ErrorInformation"]["code"] == 1000030
    form = await fortnox_http.post(
        "customers",
        content=b"Name=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.json()["ErrorInformation"]["code"] == 1000031


async def test_settings_registers(
    fortnox_sim: FortnoxSimulator, fortnox_http: httpx.AsyncClient
) -> None:
    terms = (await fortnox_http.get("termsofpayments")).json()
    assert [t["Code"] for t in terms["TermsOfPayments"]] == [
        "0",
        "10",
        "15",
        "20",
        "30",
        "AG",
        "K",
        "PF",
    ]
    missing = await fortnox_http.get("termsofpayments/45")
    assert missing.json()["ErrorInformation"] == {
        "Error": 1,
        "Message": "Kan inte hitta betalningsvillkoret.",
        "Code": 2000429,
    }
    created = await fortnox_http.post(
        "termsofpayments", json={"TermsOfPayment": {"Code": "45", "Description": "45 dagar"}}
    )
    assert created.status_code == 201
    assert created.headers["location"] == "paymentterms"
    unit = await fortnox_http.get("units/f%C3%B6rp")
    assert unit.json()["Unit"]["Code"] == "förp"
    currencies = {c["Code"] for c in (await fortnox_http.get("currencies")).json()["Currencies"]}
    assert {"SEK", "EUR", "USD", "NOK", "DKK"} <= currencies
    company = (await fortnox_http.get("companyinformation")).json()["CompanyInformation"]
    assert company["DatabaseNumber"] == int(fortnox_sim.tenant_id)
    assert "OrganizationNumber" in company


async def test_offset_skips_records_and_total_counts_what_remains(
    fortnox_sim: FortnoxSimulator, fortnox_http: httpx.AsyncClient
) -> None:
    _customers(fortnox_sim, 5)
    body = (await fortnox_http.get("customers", params={"offset": 3})).json()
    assert [c["CustomerNumber"] for c in body["Customers"]] == ["4", "5"]
    assert body["MetaInformation"]["@TotalResources"] == 2
    beyond = (await fortnox_http.get("customers", params={"offset": 10})).json()
    assert beyond["MetaInformation"]["@TotalResources"] == 0


async def test_injected_401_looks_like_a_rejected_token(
    fortnox_sim: FortnoxSimulator, fortnox_http: httpx.AsyncClient
) -> None:
    fortnox_sim.faults.add(path_prefix="/3/", status=401)
    rejected = await fortnox_http.get("customers")
    assert (rejected.status_code, rejected.json()) == (401, {"message": "unauthorized"})
    assert (await fortnox_http.get("customers")).status_code == 200


@settings(max_examples=25, deadline=None)
@given(count=st.integers(min_value=0, max_value=40), limit=st.integers(min_value=1, max_value=15))
def test_paging_visits_every_record_exactly_once(count: int, limit: int) -> None:
    async def walk() -> tuple[list[str], int]:
        sim = FortnoxSimulator(clock=FakeClock(), rate_limit=None)
        sim.register_client("c", "s")
        _customers(sim, count)
        token = await _token(sim, "c", "s")
        seen: list[str] = []
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=sim.app),
            base_url="https://api.fortnox.se/3/",
            headers={"Authorization": f"Bearer {token}"},
        ) as http:
            page, pages = 1, 1
            while page <= pages:
                body = (await http.get("customers", params={"limit": limit, "page": page})).json()
                pages = body["MetaInformation"]["@TotalPages"]
                seen += [c["CustomerNumber"] for c in body["Customers"]]
                page += 1
        return seen, pages

    seen, pages = asyncio.run(walk())
    assert seen == [str(n) for n in range(1, count + 1)]
    assert pages == -(-count // limit)
