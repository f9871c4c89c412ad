"""Contract tests: the simulated OAuth server behaves as reference §2 records."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.fortnox_kit import SIM_CLIENT_ID, TokenFactory, basic_auth
from wfsync.clock import FakeClock
from wfsync.simulators.fortnox import FortnoxSimulator

TOKEN_URL = "https://apps.fortnox.se/oauth-v1/token"


def _client(sim: FortnoxSimulator) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app))


async def _token_call(
    sim: FortnoxSimulator, data: dict[str, str], *, auth: str | None = None, **headers: str
) -> httpx.Response:
    async with _client(sim) as client:
        return await client.post(
            TOKEN_URL, data=data, headers={"Authorization": auth or basic_auth(), **headers}
        )


async def test_refresh_rotates_and_the_spent_token_is_dead(fortnox_sim: FortnoxSimulator) -> None:
    first = fortnox_sim.issue_refresh_token(SIM_CLIENT_ID)
    ok = await _token_call(fortnox_sim, {"grant_type": "refresh_token", "refresh_token": first})
    assert ok.status_code == 200
    body = ok.json()
    assert list(body) == ["access_token", "expires_in", "token_type", "scope", "refresh_token"]
    assert body["expires_in"] == 3600
    assert body["token_type"] == "bearer"
    assert body["refresh_token"] != first
    again = await _token_call(fortnox_sim, {"grant_type": "refresh_token", "refresh_token": first})
    assert again.status_code == 400
    assert again.headers["content-type"].startswith("text/html")
    assert again.json() == {"error": "invalid_grant", "error_description": "Invalid refresh token"}
    rotated = body["refresh_token"]
    ok2 = await _token_call(fortnox_sim, {"grant_type": "refresh_token", "refresh_token": rotated})
    assert ok2.status_code == 200


async def test_refresh_token_expires_after_45_days(
    fortnox_sim: FortnoxSimulator, clock: FakeClock
) -> None:
    token = fortnox_sim.issue_refresh_token(SIM_CLIENT_ID)
    clock.advance(timedelta(days=45).total_seconds())
    response = await _token_call(
        fortnox_sim, {"grant_type": "refresh_token", "refresh_token": token}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_bad_client_credentials_are_401_invalid_client_text_plain(
    fortnox_sim: FortnoxSimulator,
) -> None:
    token = fortnox_sim.issue_refresh_token(SIM_CLIENT_ID)
    response = await _token_call(
        fortnox_sim,
        {"grant_type": "refresh_token", "refresh_token": token},
        auth=basic_auth(secret="wrong"),
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == "text/plain;charset=UTF-8"
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "The client credentials are invalid",
    }
    # the failed attempt did not spend the refresh token
    retry = await _token_call(fortnox_sim, {"grant_type": "refresh_token", "refresh_token": token})
    assert retry.status_code == 200


async def test_access_token_is_a_jwt_with_tenant_id_and_dies_after_one_hour(
    fortnox_sim: FortnoxSimulator, fortnox_token: TokenFactory, clock: FakeClock
) -> None:
    token = await fortnox_token()
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["tenantId"] == int(fortnox_sim.tenant_id)
    async with _client(fortnox_sim) as client:
        headers = {"Authorization": f"Bearer {token}"}
        assert (
            await client.get("https://api.fortnox.se/3/customers", headers=headers)
        ).status_code == 200
        clock.advance(3599)
        assert (
            await client.get("https://api.fortnox.se/3/customers", headers=headers)
        ).status_code == 200
        clock.advance(1)
        expired = await client.get("https://api.fortnox.se/3/customers", headers=headers)
        missing = await client.get("https://api.fortnox.se/3/customers")
    assert expired.status_code == 401
    assert expired.json() == {"message": "unauthorized"}
    assert expired.headers["content-type"].startswith("application/json")
    assert missing.status_code == 401


async def test_authorization_code_is_single_use_and_needs_the_same_redirect_uri(
    fortnox_sim: FortnoxSimulator,
) -> None:
    uri = "https://sync.example.com/fortnox/callback"
    code = fortnox_sim.issue_authorization_code(SIM_CLIENT_ID, uri, ["customer", "article"])
    wrong = await _token_call(
        fortnox_sim,
        {"grant_type": "authorization_code", "code": code, "redirect_uri": uri + "/x"},
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    code = fortnox_sim.issue_authorization_code(SIM_CLIENT_ID, uri, ["customer", "article"])
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": uri}
    ok = await _token_call(fortnox_sim, data)
    assert ok.status_code == 200
    assert ok.json()["scope"] == "customer article"
    assert "refresh_token" in ok.json()
    reused = await _token_call(fortnox_sim, data)
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


async def test_authorization_code_expires_after_ten_minutes(
    fortnox_sim: FortnoxSimulator, clock: FakeClock
) -> None:
    uri = "https://sync.example.com/cb"
    code = fortnox_sim.issue_authorization_code(SIM_CLIENT_ID, uri, ["customer"])
    clock.advance(600)
    response = await _token_call(
        fortnox_sim, {"grant_type": "authorization_code", "code": code, "redirect_uri": uri}
    )
    assert response.status_code == 400


async def test_consent_page_auto_approves_and_redirects_with_code_and_state(
    fortnox_sim: FortnoxSimulator,
) -> None:
    uri = "http://localhost:8765/fortnox/callback"
    async with _client(fortnox_sim) as client:
        response = await client.get(
            "https://apps.fortnox.se/oauth-v1/auth",
            params={
                "client_id": SIM_CLIENT_ID,
                "redirect_uri": uri,
                "scope": "customer invoice",
                "state": "xyz",
                "access_type": "offline",
                "response_type": "code",
                "account_type": "service",
            },
        )
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == uri
    query = parse_qs(location.query)
    assert query["state"] == ["xyz"]
    exchanged = await _token_call(
        fortnox_sim,
        {"grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": uri},
    )
    assert exchanged.json()["scope"] == "customer invoice"


async def test_consent_rejects_unknown_client(fortnox_sim: FortnoxSimulator) -> None:
    async with _client(fortnox_sim) as client:
        response = await client.get(
            "https://apps.fortnox.se/oauth-v1/auth",
            params={
                "client_id": "nobody",
                "scope": "customer",
                "state": "s",
                "response_type": "code",
                "redirect_uri": "http://x/cb",
            },
        )
    assert response.status_code == 400
    assert "Auth code or ClientID supplied is invalid" in response.text


async def test_client_credentials_needs_tenant_header_and_gives_no_refresh_token(
    fortnox_sim: FortnoxSimulator,
) -> None:
    fortnox_sim.issue_refresh_token(SIM_CLIENT_ID, scopes=["customer"])  # the service consent
    data = {"grant_type": "client_credentials"}
    ok = await _token_call(fortnox_sim, data, TenantId=fortnox_sim.tenant_id)
    assert ok.status_code == 200
    assert "refresh_token" not in ok.json()
    assert ok.json()["expires_in"] == 3600
    no_tenant = await _token_call(fortnox_sim, data)
    assert no_tenant.status_code == 400
    other = await _token_call(fortnox_sim, data, TenantId="999")
    assert other.status_code == 400


async def test_client_credentials_refused_without_service_account(clock: FakeClock) -> None:
    sim = FortnoxSimulator(clock=clock)
    sim.register_client(SIM_CLIENT_ID, "test-secret", service_account=False)
    sim.issue_refresh_token(SIM_CLIENT_ID)
    response = await _token_call(sim, {"grant_type": "client_credentials"}, TenantId=sim.tenant_id)
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


async def test_missing_scope_is_403_with_2000663(
    fortnox_sim: FortnoxSimulator, fortnox_token: TokenFactory
) -> None:
    token = await fortnox_token(scopes=["customer"])
    async with _client(fortnox_sim) as client:
        headers = {"Authorization": f"Bearer {token}"}
        allowed = await client.get("https://api.fortnox.se/3/customers", headers=headers)
        denied = await client.get("https://api.fortnox.se/3/termsofpayments", headers=headers)
    assert allowed.status_code == 200
    assert denied.status_code == 403
    assert denied.json()["ErrorInformation"]["code"] == 2000663


async def test_revoked_consent_kills_access_and_refresh_tokens(
    fortnox_sim: FortnoxSimulator, fortnox_token: TokenFactory
) -> None:
    access = await fortnox_token()
    refresh = fortnox_sim.issue_refresh_token(SIM_CLIENT_ID)
    fortnox_sim.revoke_consent(SIM_CLIENT_ID)
    async with _client(fortnox_sim) as client:
        api = await client.get(
            "https://api.fortnox.se/3/customers", headers={"Authorization": f"Bearer {access}"}
        )
    assert api.status_code == 401
    response = await _token_call(
        fortnox_sim, {"grant_type": "refresh_token", "refresh_token": refresh}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("grant", ["password", ""])
async def test_unknown_grant_type_is_rejected(fortnox_sim: FortnoxSimulator, grant: str) -> None:
    response = await _token_call(fortnox_sim, {"grant_type": grant})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


async def test_a_refresh_token_spent_elsewhere_is_invalid_grant(
    fortnox_sim: FortnoxSimulator,
) -> None:
    token = fortnox_sim.issue_refresh_token(SIM_CLIENT_ID)
    fortnox_sim.spend_refresh_token(token)
    response = await _token_call(
        fortnox_sim, {"grant_type": "refresh_token", "refresh_token": token}
    )
    assert response.status_code == 400
    assert response.json()["error_description"] == "Invalid refresh token"


async def test_expire_access_tokens_forces_401(
    fortnox_sim: FortnoxSimulator, fortnox_token: TokenFactory
) -> None:
    token = await fortnox_token()
    fortnox_sim.expire_access_tokens()
    async with _client(fortnox_sim) as client:
        response = await client.get(
            "https://api.fortnox.se/3/customers", headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 401


async def test_consent_refuses_service_account_for_a_non_service_client(clock: FakeClock) -> None:
    sim = FortnoxSimulator(clock=clock)
    sim.register_client("person-app", "x", service_account=False, redirect_uri="http://x/cb")
    params = {"client_id": "person-app", "scope": "customer", "state": "s", "response_type": "code"}
    async with _client(sim) as client:
        service = await client.get(
            "https://apps.fortnox.se/oauth-v1/auth", params={**params, "account_type": "service"}
        )
        personal = await client.get("https://apps.fortnox.se/oauth-v1/auth", params=params)
        elsewhere = await client.get(
            "https://apps.fortnox.se/oauth-v1/auth",
            params={**params, "redirect_uri": "http://evil/cb"},
        )
    assert service.status_code == 400
    assert "Client does not allow service account" in service.text
    assert personal.status_code == 302
    assert personal.headers["location"].startswith("http://x/cb?code=")
    assert elsewhere.status_code == 400
