"""Simulator contract: ApiLogin, bearer tokens, routing and the 250/min rate limit."""

from __future__ import annotations

import pytest

from tests.webcrm_kit import AUTH_CODE, anonymous, api, login
from wfsync.clock import FakeClock
from wfsync.simulators.webcrm import WebcrmSimulator


@pytest.fixture
def sim(clock: FakeClock) -> WebcrmSimulator:
    simulator = WebcrmSimulator(clock=clock)
    simulator.add_api_token(AUTH_CODE)
    return simulator


async def test_api_login_returns_exactly_a_token_response_dto(sim: WebcrmSimulator) -> None:
    async with anonymous(sim) as client:
        response = await client.post("/Auth/ApiLogin", data={"authCode": AUTH_CODE})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "AccessToken",
        "RefreshToken",
        "Error",
        "ErrorDescription",
        "IsError",
        "ExpiresIn",
        "TokenType",
    }
    assert isinstance(body["AccessToken"], str) and body["AccessToken"].count(".") == 2
    assert isinstance(body["RefreshToken"], str)
    assert body["IsError"] is False and body["Error"] is None
    assert body["ExpiresIn"] == 3600 and body["TokenType"] == "Bearer"


async def test_api_login_accepts_multipart_form_data(sim: WebcrmSimulator) -> None:
    async with anonymous(sim) as client:
        response = await client.post("/Auth/ApiLogin", files={"authCode": (None, AUTH_CODE)})
    assert response.status_code == 200
    assert response.json()["AccessToken"]


async def test_unknown_auth_code_is_401_with_is_error(sim: WebcrmSimulator) -> None:
    async with anonymous(sim) as client:
        response = await client.post("/Auth/ApiLogin", data={"authCode": "not-a-token"})
    assert response.status_code == 401
    body = response.json()
    assert body["IsError"] is True and body["AccessToken"] is None and body["Error"]


async def test_login_without_auth_code_is_400_and_json_login_is_415(sim: WebcrmSimulator) -> None:
    async with anonymous(sim) as client:
        missing = await client.post("/Auth/ApiLogin", data={"other": "x"})
        as_json = await client.post("/Auth/ApiLogin", json={"authCode": AUTH_CODE})
    assert missing.status_code == 400
    assert missing.json()["Type"] == "BadRequestException"
    assert as_json.status_code == 415


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Basic abc", "Bearer "])
async def test_missing_or_unknown_bearer_is_401_with_empty_body(
    sim: WebcrmSimulator, header: str | None
) -> None:
    async with anonymous(sim) as client:
        headers = {"Authorization": header} if header else {}
        response = await client.get("/Organisations", params={"Size": 5}, headers=headers)
    assert response.status_code == 401
    assert response.content == b""
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_access_token_expires_after_one_hour_on_the_clock(
    sim: WebcrmSimulator, clock: FakeClock
) -> None:
    async with anonymous(sim) as client:
        headers = {"Authorization": f"Bearer {await login(client)}"}
        clock.advance(3599)
        still_valid = await client.get("/Organisations", headers=headers)
        clock.advance(1)
        expired = await client.get("/Organisations", headers=headers)
        fresh = {"Authorization": f"Bearer {await login(client)}"}
        renewed = await client.get("/Organisations", headers=fresh)
    assert still_valid.status_code == 200
    assert expired.status_code == 401 and expired.content == b""
    assert 'error="invalid_token"' in expired.headers["WWW-Authenticate"]
    assert renewed.status_code == 200


async def test_refresh_token_works_once_from_the_header(sim: WebcrmSimulator) -> None:
    async with anonymous(sim) as client:
        first = await client.post("/Auth/ApiLogin", data={"authCode": AUTH_CODE})
        refresh = first.json()["RefreshToken"]
        renewed = await client.post("/Auth/ApiRefresh", headers={"refreshToken": refresh})
        reused = await client.post("/Auth/ApiRefresh", headers={"refreshToken": refresh})
    assert renewed.status_code == 200 and renewed.json()["AccessToken"]
    assert reused.status_code == 401 and reused.json()["IsError"] is True


async def test_paths_are_case_insensitive_and_have_no_version_prefix(
    sim: WebcrmSimulator,
) -> None:
    async with anonymous(sim) as client:
        login_lower = await client.post("/auth/apilogin", data={"authCode": AUTH_CODE})
        headers = {"Authorization": f"Bearer {login_lower.json()['AccessToken']}"}
        upper = await client.get("/ORGANISATIONS", headers=headers)
        versioned = await client.get("/v1/Organisations", headers=headers)
    assert login_lower.status_code == 200
    assert upper.status_code == 200 and upper.json() == []
    assert versioned.status_code == 404


async def test_unknown_path_is_404_before_authentication(sim: WebcrmSimulator) -> None:
    async with anonymous(sim) as client:
        response = await client.get("/Nonsense")
    assert response.status_code == 404


async def test_rate_limit_allows_250_per_sliding_minute_then_429(
    sim: WebcrmSimulator, clock: FakeClock
) -> None:
    async with api(sim) as client:  # the login at 0 s is request 1 of the window
        clock.advance(1)
        first = await client.get("/Organisations")
        clock.advance(20)
        statuses = [(await client.get("/Organisations")).status_code for _ in range(248)]
        throttled = await client.get("/Organisations")
        login = await client.post("/Auth/ApiLogin", data={"authCode": AUTH_CODE})
        clock.advance(38)  # the login is now 59 s old: still counted
        still = await client.get("/Organisations")
        clock.advance(1)  # 60 s: the login leaves the window
        admitted = await client.get("/Organisations")
        clock.advance(0.5)
        again = await client.get("/Organisations")
    assert first.status_code == 200 and set(statuses) == {200}
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "39"
    assert throttled.json() == {
        "RetryAfterSeconds": 39,
        "Message": "The request was throttled. The limit of 250 requests per minute is reached",
        "Type": "TooManyRequestsException",
    }
    assert login.status_code == 429
    assert still.status_code == 429 and still.json()["RetryAfterSeconds"] == 1
    assert admitted.status_code == 200
    assert again.status_code == 429 and again.headers["Retry-After"] == "1"


async def test_each_application_token_has_its_own_quota(clock: FakeClock) -> None:
    sim = WebcrmSimulator(clock=clock, rate_limit=3)
    other_code = "7d1e2f3a-0000-4000-8000-000000000002"
    async with api(sim, AUTH_CODE) as first, api(sim, other_code) as other:
        for _ in range(2):  # + the login = 3
            assert (await first.get("/Organisations")).status_code == 200
        assert (await first.get("/Organisations")).status_code == 429
        assert (await other.get("/Organisations")).status_code == 200


async def test_rate_limit_none_disables_throttling(clock: FakeClock) -> None:
    sim = WebcrmSimulator(clock=clock, rate_limit=None)
    async with api(sim) as client:
        statuses = {(await client.get("/Organisations")).status_code for _ in range(300)}
    assert statuses == {200}


async def test_refresh_without_the_header_is_400(sim: WebcrmSimulator) -> None:
    async with anonymous(sim) as client:
        response = await client.post("/Auth/ApiRefresh", data={"refreshToken": "x"})
    assert response.status_code == 400


async def test_revoked_tokens_are_rejected(sim: WebcrmSimulator) -> None:
    async with api(sim) as client:
        before = await client.get("/Organisations")
        sim.auth.revoke_access_tokens()
        after = await client.get("/Organisations")
    assert before.status_code == 200 and after.status_code == 401
