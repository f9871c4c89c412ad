"""Simulator: injected faults, the request log, UI edits, seed data and the standalone app."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import httpx
import pytest

from tests.webcrm_kit import AUTH_CODE, BASE_URL, api, new_organisation
from wfsync.clock import FakeClock
from wfsync.http.errors import ConfigError
from wfsync.simulators.webcrm import (
    DEMO_AUTH_CODE,
    UI_USER,
    SimulatedTimeout,
    WebcrmSimulator,
    build_standalone_app,
)


@pytest.fixture
def sim(clock: FakeClock) -> WebcrmSimulator:
    return WebcrmSimulator(clock=clock)


async def test_status_fault_fires_the_given_number_of_times(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        sim.faults.add(path_prefix="/organisations", status=500, times=2)
        statuses = [(await client.get("/Organisations")).status_code for _ in range(3)]
        first = sim.requests[-3]
    assert statuses == [500, 500, 200]
    assert first.status == 500 and first.path == "/Organisations"


async def test_429_and_401_faults_look_like_the_real_thing(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        sim.faults.add("/Organisations", status=429, retry_after=7)
        sim.faults.add("/Organisations", status=401)
        throttled = await client.get("/Organisations")
        unauthorized = await client.get("/Organisations")
    assert throttled.headers["Retry-After"] == "7"
    assert throttled.json()["Type"] == "TooManyRequestsException"
    assert throttled.json()["RetryAfterSeconds"] == 7
    assert unauthorized.status_code == 401 and unauthorized.content == b""


async def test_timeout_surfaces_as_an_httpx_read_timeout(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        sim.faults.add("/Organisations", timeout=True)
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/Organisations", json={"OrganisationId": 0, "OrganisationName": "A"})
        listed = (await client.get("/Organisations")).json()
    assert listed == []
    assert sim.requests[-2].status == 0


async def test_disconnect_surfaces_as_a_remote_protocol_error(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        sim.faults.add("/Deliveries", disconnect=True, method="GET")
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/Deliveries")
        after = await client.get("/Deliveries")
    assert after.status_code == 200


async def test_failure_after_processing_has_created_the_record(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        sim.faults.add("/Organisations", method="POST", status=500, after_processing=True)
        failed = await client.post(
            "/Organisations", json={"OrganisationId": 0, "OrganisationName": "Dubblett?"}
        )
        sim.faults.add("/Organisations", method="POST", timeout=True, after_processing=True)
        with pytest.raises(SimulatedTimeout):
            await client.post("/Organisations", json={"OrganisationId": 0, "OrganisationName": "B"})
        listed = (await client.get("/Organisations")).json()
    assert failed.status_code == 500
    assert [o["OrganisationName"] for o in listed] == ["Dubblett?", "B"]


async def test_latency_advances_the_injected_clock(sim: WebcrmSimulator, clock: FakeClock) -> None:
    async with api(sim) as client:
        sim.faults.add("/Organisations", latency=2.5)
        response = await client.get("/Organisations")
    assert response.status_code == 200
    assert clock.slept == [2.5]


def test_fault_arguments_are_checked(sim: WebcrmSimulator) -> None:
    with pytest.raises(ValueError):
        sim.faults.add("/Organisations")
    with pytest.raises(ValueError):
        sim.faults.add("/Organisations", status=200)


async def test_request_log_tells_reads_from_writes(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        await client.get("/Organisations", params={"Size": 5})
        org_id = await new_organisation(client)
        await client.get("/Queries", params={"script": "SELECT * FROM Organisation"})
    assert [(r.method, r.path) for r in sim.writes] == [("POST", "/Organisations")]
    assert sim.requests[1].query == "Size=5"
    assert sim.requests[-1].query == "script=SELECT * FROM Organisation"
    assert org_id == 1


async def test_ui_edits_merge_stamp_and_are_invisible_to_the_request_log(
    sim: WebcrmSimulator, clock: FakeClock
) -> None:
    org_id = sim.ui.create_organisation(Name="Kund AB", City="Lund", Type="Kund – Företag")
    clock.advance(30)
    sim.ui.update_organisation(org_id, Telephone="046-10 20 30")
    async with api(sim) as client:
        body = (await client.get(f"/Organisations/{org_id}")).json()
    assert body["OrganisationCity"] == "Lund" and body["OrganisationTelephone"] == "046-10 20 30"
    assert body["OrganisationUpdatedBy"] == UI_USER
    assert body["OrganisationUpdatedAt"] == "2026-01-15T09:00:30.000"
    assert body["OrganisationCreatedAt"] == "2026-01-15T09:00:00.000"
    assert sim.writes == []


def test_ui_rejects_unknown_or_server_fields(sim: WebcrmSimulator) -> None:
    with pytest.raises(ValueError):
        sim.ui.create_organisation(Nonsense="x")
    with pytest.raises(ValueError):
        sim.ui.create_organisation(UpdatedAt="2024-01-01")


def test_ui_lines_keep_totals_and_sort_order(sim: WebcrmSimulator, clock: FakeClock) -> None:
    org_id = sim.ui.create_organisation(Name="Kund AB")
    delivery_id = sim.ui.create_delivery(org_id, Description="Order")
    first = sim.ui.add_quotation_line(delivery_id, Quantity=2.0, Price=100.0, CostPrice=60.0)
    second = sim.ui.add_quotation_line(delivery_id, Quantity=1.0, Price=50.0)
    clock.advance(10)
    sim.ui.update_quotation_line(first, Discount=50.0)
    lines = sim.ui.quotation_lines(delivery_id)
    delivery = sim.ui.delivery(delivery_id)
    sim.ui.delete_quotation_line(second)
    assert [line["QuotationLineSortOrder"] for line in lines] == [10, 20]
    assert lines[0]["QuotationLineOrganisationId"] == org_id
    assert delivery["DeliveryOrderValue"] == 150.0
    assert delivery["DeliveryOrderGmValue"] == 30.0
    assert delivery["DeliveryUpdatedAt"] == "2026-01-15T09:00:10.000"
    assert sim.ui.delivery(delivery_id)["DeliveryOrderValue"] == 100.0


def test_ui_catalogue_and_moves(sim: WebcrmSimulator) -> None:
    item = sim.ui.create_catalogue_item(Data1="A-1", Data2="Skruv", Price=2.5)
    sim.ui.update_catalogue_item(item, Price=3.0)
    first = sim.ui.create_organisation(Name="A")
    second = sim.ui.create_organisation(Name="B")
    delivery_id = sim.ui.create_delivery(first)
    sim.ui.move_delivery(delivery_id, second)
    catalogue = sim.ui.catalogue()
    assert catalogue[0]["QuotationLineLinkedDataItemData3"] == "-"
    assert catalogue[0]["QuotationLineLinkedDataItemPrice"] == 3.0
    assert sim.ui.delivery(delivery_id)["DeliveryOrganisationId"] == second
    sim.ui.delete_delivery(delivery_id)
    sim.ui.delete_catalogue_item(item)
    assert sim.ui.catalogue() == []


async def test_sample_data_is_a_plausible_swedish_tenant(clock: FakeClock) -> None:
    sim = WebcrmSimulator(clock=clock, seed=True, rate_limit=None)
    async with api(sim) as client:
        orgs = (await client.get("/Organisations", params={"Size": 100})).json()
        deliveries = (await client.get("/Deliveries", params={"Size": 100})).json()
        catalogue = (await client.get("/QuotationLines/LinkedData")).json()
        lines = (await client.get("/Deliveries/1/QuotationLines", params={"Size": 100})).json()
        customers = (
            await client.get(
                "/Queries",
                params={
                    "script": "SELECT OrganisationId FROM Organisation WHERE OrganisationType "
                    "IN ('Kund – Företag', 'Kund – Privat')",
                    "Size": 100,
                },
            )
        ).json()
    assert len(orgs) == 15
    assert {o["OrganisationType"] for o in orgs} >= {
        "Kund – Företag",
        "Kund – Privat",
        "Prospekt",
        "Leverantör",
    }
    assert all(o["OrganisationCountry"] == "Sverige" for o in orgs)
    assert len(customers) == 9
    assert len(deliveries) >= 3 and len(catalogue) >= 5 and len(lines) == 3
    assert deliveries[0]["DeliveryOrderValue"] > 0


async def test_load_seed_from_a_file_keeps_given_ids(tmp_path: Path, clock: FakeClock) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "organisations": [{"OrganisationId": 40, "Name": "Fyrtio AB"}],
                "deliveries": [{"DeliveryId": 7, "OrganisationId": 40}],
            }
        ),
        encoding="utf-8",
    )
    sim = WebcrmSimulator(clock=clock)
    sim.load_seed(seed)
    async with api(sim) as client:
        org = (await client.get("/Organisations/40")).json()
        next_id = await new_organisation(client)
        delivery = (await client.get("/Deliveries/7")).json()
    assert org["OrganisationName"] == "Fyrtio AB" and next_id == 41
    assert delivery["DeliveryOrganisationId"] == 40
    with pytest.raises(ValueError):
        sim.load_seed({"spaceships": []})


async def test_standalone_app_serves_sample_data_with_the_demo_token() -> None:
    app, banner = build_standalone_app(
        seed=None, empty=False, base_url="http://127.0.0.1:8082", sample="messy"
    )
    assert DEMO_AUTH_CODE in banner and "http://127.0.0.1:8082" in banner
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        login = await client.post("/Auth/ApiLogin", data={"authCode": DEMO_AUTH_CODE})
        headers = {"Authorization": f"Bearer {login.json()['AccessToken']}"}
        orgs = (await client.get("/Organisations", params={"Size": 100}, headers=headers)).json()
    assert len(orgs) == 15


def test_standalone_app_can_start_empty() -> None:
    bridge, banner = build_standalone_app(seed=None, empty=True, base_url="http://localhost:9")
    app = bridge.app  # type: ignore[attr-defined]  # behind the wfsync simulate edit bridge
    assert isinstance(app, WebcrmSimulator)
    assert app.backend.organisations.rows() == []
    assert "empty" in banner


@pytest.mark.parametrize(
    "content",
    ["{not json", '{"organisations": [{"OrganisationName": 5}]}', '{"spaceships": []}'],
)
def test_standalone_app_reports_a_bad_seed_file_in_one_line(tmp_path: Path, content: str) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        build_standalone_app(seed=seed, empty=False, base_url="http://localhost:9")
    assert str(seed) in str(caught.value) and "\n" not in str(caught.value)


def test_standalone_app_loads_a_seed_file(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text('{"organisations": [{"Name": "Fil AB"}]}', encoding="utf-8")
    bridge, banner = build_standalone_app(seed=seed, empty=False, base_url="http://localhost:9")
    app = bridge.app  # type: ignore[attr-defined]
    assert isinstance(app, WebcrmSimulator)
    assert [o["OrganisationName"] for o in app.backend.organisations.rows()] == ["Fil AB"]
    assert str(seed) in banner


async def test_ui_person_delivery_edits_and_deletes(sim: WebcrmSimulator) -> None:
    org_id = sim.ui.create_organisation(Name="Kund AB")
    person = sim.ui.create_person(org_id, FirstName="Eva", LastName="Ek")
    sim.ui.update_person(person, Title="VD")
    delivery_id = sim.ui.create_delivery(org_id, OrderDate=date(2024, 5, 2))
    sim.ui.update_delivery(delivery_id, Status="Completed", Custom5="Yes")
    async with api(sim) as client:
        await client.post(
            "/Organisations/Hooks",
            json={
                "Id": 0,
                "TargetUrl": "https://h.example/x",
                "EventType": "Delete",
                "IsEnabled": True,
                "Filter": ["All"],
            },
        )
        person_body = (await client.get(f"/Persons/{person}")).json()
        delivery = (await client.get(f"/Deliveries/{delivery_id}")).json()
        sim.ui.delete_organisation(org_id)
        gone = await client.get(f"/Organisations/{org_id}")
    assert person_body["PersonName"] == "Eva Ek" and person_body["PersonTitle"] == "VD"
    assert delivery["DeliveryStatus"] == "Completed" and delivery["DeliveryCustom5"] == "Yes"
    assert delivery["DeliveryOrderDate"] == "2024-05-02T00:00:00.000"
    assert gone.status_code == 404
    assert [(e.event_type, e.record_id) for e in sim.hooks.events] == [("Delete", org_id)]


async def test_rate_limiter_reports_usage_per_token(sim: WebcrmSimulator, clock: FakeClock) -> None:
    async with api(sim) as client:
        await client.get("/Organisations")
        await client.get("/Organisations")
        used_now = sim.rate_limiter.used(AUTH_CODE)
        clock.advance(60)
        used_later = sim.rate_limiter.used(AUTH_CODE)
    assert used_now == 3  # login + two reads
    assert used_later == 0


async def test_malformed_answer_after_the_request_was_carried_out(sim: WebcrmSimulator) -> None:
    """The proxy-page case: the create happened, the client only sees HTML."""
    async with api(sim) as client:
        sim.faults.add("/Organisations", method="POST", malformed="<html>Bad gateway</html>")
        answer = await client.post(
            "/Organisations", json={"OrganisationId": 0, "OrganisationName": "Garbled AB"}
        )
        listed = (await client.get("/Organisations")).json()
    assert (answer.status_code, answer.text) == (200, "<html>Bad gateway</html>")
    assert [org["OrganisationName"] for org in listed] == ["Garbled AB"]
