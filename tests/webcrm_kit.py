"""Shared helpers for the webCRM simulator's contract tests (no sockets: ASGITransport)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from wfsync.simulators.webcrm import WebcrmSimulator

AUTH_CODE = "3f2c9a4e-8b1d-4e7a-9c2f-6d5e4b3a2f10"
BASE_URL = "http://api.webcrm.test"
#: ISO 8601 UTC without an offset, with fractional seconds (reference §11).
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$")


@asynccontextmanager
async def anonymous(sim: WebcrmSimulator) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=sim.app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield client


async def login(client: httpx.AsyncClient, code: str = AUTH_CODE) -> str:
    response = await client.post("/Auth/ApiLogin", data={"authCode": code})
    assert response.status_code == 200, response.text
    token = response.json()["AccessToken"]
    assert isinstance(token, str)
    return token


@asynccontextmanager
async def api(sim: WebcrmSimulator, code: str = AUTH_CODE) -> AsyncIterator[httpx.AsyncClient]:
    """A client logged in with ``code`` (registered on the simulator if needed)."""
    sim.add_api_token(code)
    async with anonymous(sim) as client:
        token = await login(client, code)
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


async def create(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> int:
    response = await client.post(path, json=body)
    assert response.status_code == 200, response.text
    new_id = response.json()
    assert isinstance(new_id, int)
    return new_id


async def new_organisation(client: httpx.AsyncClient, **fields: Any) -> int:
    body = {"OrganisationId": 0, "OrganisationName": "Kund AB", **fields}
    return await create(client, "/Organisations", body)


async def new_delivery(client: httpx.AsyncClient, organisation_id: int, **fields: Any) -> int:
    body = {"DeliveryId": 0, "DeliveryOrganisationId": organisation_id, **fields}
    return await create(client, "/Deliveries", body)


async def new_line(client: httpx.AsyncClient, delivery_id: int, **fields: Any) -> int:
    body = {
        "QuotationLineId": 0,
        "QuotationLineOpportunityId": delivery_id,
        "QuotationLineQuantity": 1.0,
        "QuotationLinePrice": 100.0,
        **fields,
    }
    return await create(client, "/QuotationLines", body)


def catalogue_item(**fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "QuotationLineLinkedDataItemId": 0,
        "QuotationLineLinkedDataItemEntityType": "Product",
    }
    for n in range(1, 10):
        item[f"QuotationLineLinkedDataItemData{n}"] = "-"
    item.update(fields)
    return item
