"""The WebSocket event stream (§13), driven through Starlette's in-process test client."""

from __future__ import annotations

import base64
import re
import warnings
from typing import Any

with warnings.catch_warnings():  # starlette nags about httpx; it is what we have
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient, WebSocketTestSession

from wfsync.clock import FakeClock
from wfsync.simulators.fortnox import FortnoxSimulator

SECRET = "s3cret"


def _sim_and_token(clock: FakeClock) -> tuple[FortnoxSimulator, TestClient, str]:
    sim = FortnoxSimulator(clock=clock)
    sim.register_client("c", SECRET)
    client = TestClient(sim.app)
    auth = "Basic " + base64.b64encode(f"c:{SECRET}".encode()).decode()
    response = client.post(
        "/oauth-v1/token",
        data={"grant_type": "refresh_token", "refresh_token": sim.issue_refresh_token("c")},
        headers={"Authorization": auth},
    )
    return sim, client, response.json()["access_token"]


def _handshake(ws: WebSocketTestSession, token: str, topics: list[dict[str, Any]]) -> None:
    ws.send_json(
        {"command": "add-tenants-v1", "clientSecret": SECRET, "accessTokens": [token, "bogus"]}
    )
    added = ws.receive_json()
    assert added == {
        "response": "add-tenants-v1",
        "result": "ok",
        "tenantIds": {token: 1234567},
        "invalidTokens": ["bogus"],
    }
    ws.send_json({"command": "add-topics-v1", "topics": topics})
    assert ws.receive_json()["response"] == "add-topics-v1"
    ws.send_json({"command": "subscribe-v1"})
    assert ws.receive_json() == {"response": "subscribe-v1", "result": "ok"}


def test_changes_arrive_as_events_with_string_offsets(clock: FakeClock) -> None:
    sim, client, token = _sim_and_token(clock)
    with client.websocket_connect("/topics-v1") as ws:
        _handshake(ws, token, [{"topic": "customers"}])
        number = sim.ui.create_customer(Name="Event AB")
        event = ws.receive_json()
    assert event["topic"] == "customers"
    assert event["type"] == "customer-created-v1"
    assert event["entityId"] == number
    assert event["tenantId"] == 1234567
    assert isinstance(event["offset"], str)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+01:00", event["timestamp"])


def test_unknown_topics_are_reported(clock: FakeClock) -> None:
    _sim, client, _token = _sim_and_token(clock)
    with client.websocket_connect("/topics-v1") as ws:
        ws.send_json({"command": "add-topics-v1", "topics": [{"topic": "prices"}]})
        assert ws.receive_json() == {
            "response": "add-topics-v1",
            "result": "ok",
            "invalidTopics": ["prices"],
        }


def test_replay_from_an_offset_redelivers_that_event_and_later_ones(clock: FakeClock) -> None:
    sim, client, token = _sim_and_token(clock)
    first = sim.ui.create_customer(Name="Ett AB")
    sim.ui.update_customer(first, City="Lund")
    sim.ui.create_customer(Name="Två AB")
    offset = sim.events.log["customers"][1].offset
    with client.websocket_connect("/topics-v1") as ws:
        _handshake(ws, token, [{"topic": "customers", "offset": offset}])
        replayed = [ws.receive_json() for _ in range(2)]
    assert [(e["type"], e["entityId"]) for e in replayed] == [
        ("customer-updated-v2", first),
        ("customer-created-v1", "2"),
    ]


def test_duplicate_injection_delivers_an_event_twice(clock: FakeClock) -> None:
    sim, client, token = _sim_and_token(clock)
    with client.websocket_connect("/topics-v1") as ws:
        _handshake(ws, token, [{"topic": "invoices"}, {"topic": "customers"}])
        sim.events.duplicate_next(1)
        number = sim.ui.create_customer(Name="Dubbel AB")
        sim.ui.update_customer(number, City="Visby")
        received = [ws.receive_json() for _ in range(3)]
    assert received[0]["offset"] == received[1]["offset"]
    assert received[2]["type"] == "customer-updated-v2"


def test_connections_can_be_dropped_and_refused(clock: FakeClock) -> None:
    import pytest
    from starlette.websockets import WebSocketDisconnect

    sim, client, token = _sim_and_token(clock)
    with client.websocket_connect("/topics-v1") as ws:
        _handshake(ws, token, [{"topic": "customers"}])
        assert sim.events.drop_connections() == 1
        with pytest.raises(WebSocketDisconnect) as dropped:
            ws.receive_json()
    assert dropped.value.code == 1011
    sim.events.refuse_connections = True
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/topics-v1"):
        pass
    assert refused.value.code == 1013
    sim.events.refuse_connections = False
    number = sim.ui.create_customer(Name="Tillbaka AB")
    offset = sim.events.log["customers"][0].offset
    with client.websocket_connect("/topics-v1") as ws:
        _handshake(ws, token, [{"topic": "customers", "offset": offset}])
        replayed = ws.receive_json()
    assert replayed["entityId"] == number
    assert sim.events.connections == 2


def test_one_connection_carries_several_tenants_each_only_with_its_own_token(
    clock: FakeClock,
) -> None:
    hub_sim, client, token_a = _sim_and_token(clock)
    other = FortnoxSimulator(clock=clock, tenant_id="7654321")
    other.register_client("c", SECRET)
    other.publish_events_to(hub_sim.events)
    other_client = TestClient(other.app)
    auth = "Basic " + base64.b64encode(f"c:{SECRET}".encode()).decode()
    token_b = other_client.post(
        "/oauth-v1/token",
        data={"grant_type": "refresh_token", "refresh_token": other.issue_refresh_token("c")},
        headers={"Authorization": auth},
    ).json()["access_token"]
    with client.websocket_connect("/topics-v1") as ws:
        ws.send_json(
            {"command": "add-tenants-v1", "clientSecret": SECRET, "accessTokens": [token_a]}
        )
        assert ws.receive_json()["tenantIds"] == {token_a: 1234567}
        ws.send_json({"command": "add-topics-v1", "topics": [{"topic": "customers"}]})
        ws.receive_json()
        ws.send_json({"command": "subscribe-v1"})
        ws.receive_json()
        other.ui.create_customer(Name="Not yours AB")  # tenant B not added: not delivered
        ws.send_json(
            {"command": "add-tenants-v1", "clientSecret": SECRET, "accessTokens": [token_b]}
        )
        assert ws.receive_json()["tenantIds"] == {token_b: 7654321}
        number_b = other.ui.create_customer(Name="Beta AB")
        number_a = hub_sim.ui.create_customer(Name="Alfa AB")
        first, second = ws.receive_json(), ws.receive_json()
    assert (first["tenantId"], first["entityId"]) == (7654321, number_b)
    assert (second["tenantId"], second["entityId"]) == (1234567, number_a)
    assert [e.tenant_id for e in hub_sim.events.log["customers"]] == [7654321, 7654321, 1234567]
