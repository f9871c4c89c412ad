"""The three documented shapes of a failed ApiLogin, and what a login request looks like.

The simulator answers a bad auth code one way; the real service may answer in
any of the ways the reference lists (§2.2), so these run against a stub
transport that plays each of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from pydantic import SecretStr

from wfsync.clock import FakeClock
from wfsync.config import WebcrmSettings
from wfsync.http.errors import AuthError, ConfigError, ServerError
from wfsync.http.retry import RetryPolicy
from wfsync.webcrm import WebcrmClient

SETTINGS = WebcrmSettings(base_url="https://webcrm.test", auth_code=SecretStr("app-token"))


def stub(login: Callable[[httpx.Request], httpx.Response]) -> tuple[httpx.MockTransport, list[Any]]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/Auth/ApiLogin":
            return login(request)
        if request.headers.get("Authorization") != "Bearer jwt-1":
            return httpx.Response(401)
        return httpx.Response(200, json={"OrganisationId": 1, "OrganisationName": "Kund AB"})

    return httpx.MockTransport(handle), seen


async def test_login_sends_the_auth_code_as_a_form_field(clock: FakeClock) -> None:
    transport, seen = stub(lambda r: httpx.Response(200, json={"AccessToken": "jwt-1"}))
    async with WebcrmClient(SETTINGS, clock=clock, transport=transport) as client:
        org = await client.organisations.get(1)
    assert org.name == "Kund AB"
    login = seen[0]
    assert login.method == "POST"
    assert login.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Authorization" not in login.headers
    assert parse_qs(login.content.decode()) == {"authCode": ["app-token"]}
    assert seen[1].headers["Authorization"] == "Bearer jwt-1"


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(401),
        httpx.Response(400, json={"Message": "Invalid authCode"}),
        httpx.Response(
            200,
            json={
                "AccessToken": None,
                "IsError": True,
                "Error": "invalid_grant",
                "ErrorDescription": "Unknown API token",
            },
        ),
        httpx.Response(200, json={"AccessToken": "jwt-1", "IsError": True}),
        httpx.Response(200, json={"ExpiresIn": 3600, "TokenType": "Bearer"}),
        httpx.Response(200, text="<html>maintenance</html>"),
    ],
)
async def test_every_documented_login_failure_is_an_auth_error(
    clock: FakeClock, answer: httpx.Response
) -> None:
    transport, seen = stub(lambda r: answer)
    async with WebcrmClient(SETTINGS, clock=clock, transport=transport) as client:
        with pytest.raises(AuthError) as caught:
            await client.organisations.get(1)
    assert "login failed" in caught.value.message
    assert [r.url.path for r in seen] == ["/Auth/ApiLogin"]  # nothing sent without a token


async def test_login_error_text_reaches_the_admin(clock: FakeClock) -> None:
    body = {"IsError": True, "ErrorDescription": "Unknown API token"}
    transport, _ = stub(lambda r: httpx.Response(200, json=body))
    async with WebcrmClient(SETTINGS, clock=clock, transport=transport) as client:
        with pytest.raises(AuthError, match="Unknown API token"):
            await client.organisations.get(1)


async def test_server_trouble_at_login_is_not_called_bad_credentials(clock: FakeClock) -> None:
    transport, seen = stub(lambda r: httpx.Response(503))
    retry = RetryPolicy(attempts=2)
    async with WebcrmClient(SETTINGS, clock=clock, transport=transport, retry=retry) as client:
        with pytest.raises(ServerError):
            await client.organisations.get(1)
    assert len(seen) == 2  # the login was retried once, as an idempotent call


async def test_missing_auth_code_is_a_config_error_before_any_request(clock: FakeClock) -> None:
    transport, seen = stub(lambda r: httpx.Response(200, json={"AccessToken": "jwt-1"}))
    settings = WebcrmSettings(base_url="https://webcrm.test")
    async with WebcrmClient(settings, clock=clock, transport=transport) as client:
        with pytest.raises(ConfigError, match="auth_code"):
            await client.organisations.get(1)
    assert seen == []


async def test_login_is_not_counted_as_a_write(clock: FakeClock) -> None:
    transport, _ = stub(lambda r: httpx.Response(200, json={"AccessToken": "jwt-1"}))
    async with WebcrmClient(SETTINGS, clock=clock, transport=transport) as client:
        await client.organisations.get(1)
        assert client.http.write_calls == 0
        assert client.http.total_calls == 2


async def test_token_lifetime_from_the_answer_drives_renewal(clock: FakeClock) -> None:
    transport, seen = stub(
        lambda r: httpx.Response(200, json={"AccessToken": "jwt-1", "ExpiresIn": "600"})
    )
    async with WebcrmClient(SETTINGS, clock=clock, transport=transport) as client:
        await client.organisations.get(1)
        clock.advance(530)  # 600 s lifetime renews at 90 %: 540 s
        await client.organisations.get(1)
        clock.advance(20)
        await client.organisations.get(1)
    assert [r.url.path for r in seen].count("/Auth/ApiLogin") == 2
