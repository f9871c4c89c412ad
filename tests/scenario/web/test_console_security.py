"""The console's front door: login always, Host check, CSRF, throttling, no action by GET."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from tests.scenario.web.conftest import PASSWORD, csrf_of, log_in
from wfsync.cli import app as cli_app
from wfsync.clock import FakeClock
from wfsync.config import Settings, StateSettings, WebSettings
from wfsync.state import StateStore
from wfsync.web import create_app
from wfsync.web.auth import PASSWORD_KEY, hash_password, verify_password


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state=StateSettings(url=f"sqlite:///{tmp_path / 'state.db'}"))


def client_for(app: object, host: str = "localhost") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url=f"http://{host}")


@pytest.fixture
async def with_password(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    store = StateStore.open(settings.state.url)
    store.set_value(PASSWORD_KEY, hash_password(PASSWORD))
    store.record_failure(
        "customer",
        "webcrm",
        "9",
        "sync",
        "fortnox 400 code 2000901: Kunde inte hitta valuta (POST https://api.fortnox.se/3/customers)",
        code=2000901,
    )
    store.close()
    async with client_for(create_app(settings, clock=FakeClock())) as client:
        yield client


async def test_without_a_session_nothing_but_the_login_page(
    with_password: httpx.AsyncClient,
) -> None:
    client = with_password
    for path in ("/", "/inbox", "/conflicts", "/records?q=a", "/runs", "/settings"):
        response = await client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    api = await client.get("/api/status")
    assert api.status_code == 401 and "valuta" not in api.text
    action = await client.post("/inbox/1/skip", data={"csrf": "x"})
    assert action.status_code == 401
    assert (await client.get("/login")).status_code == 200


async def test_right_password_logs_in_with_a_strict_httponly_cookie(
    with_password: httpx.AsyncClient,
) -> None:
    response = await log_in(with_password)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    inbox = await with_password.get("/inbox")
    assert inbox.status_code == 200 and "Kunde inte hitta valuta" in inbox.text
    assert "Fortnox does not know this currency" in inbox.text  # the explanation


async def test_wrong_password_is_rejected_and_attempts_are_throttled(
    with_password: httpx.AsyncClient,
) -> None:
    wrong = await log_in(with_password, "not the password")
    assert wrong.status_code == 401 and "Wrong password" in wrong.text
    assert (await with_password.get("/api/status")).status_code == 401
    for _ in range(4):
        await log_in(with_password, "still wrong")
    blocked = await log_in(with_password)  # even the right one, for a while
    assert blocked.status_code == 429
    assert (await with_password.get("/api/status")).status_code == 401


async def test_login_form_needs_its_csrf_token(with_password: httpx.AsyncClient) -> None:
    await with_password.get("/login")
    response = await with_password.post("/login", data={"password": PASSWORD})
    assert response.status_code == 403
    assert (await with_password.get("/api/status")).status_code == 401


async def test_every_post_needs_the_session_csrf_token(with_password: httpx.AsyncClient) -> None:
    await log_in(with_password)
    without = await with_password.post("/inbox/1/skip")
    wrong = await with_password.post("/inbox/1/skip", data={"csrf": "guessed"})
    assert without.status_code == 403 and wrong.status_code == 403
    assert "open" in (await with_password.get("/inbox")).text  # still open
    token = csrf_of((await with_password.get("/inbox")).text)
    done = await with_password.post("/inbox/1/skip", data={"csrf": token})
    assert done.status_code == 303
    assert "No open entries" in (await with_password.get("/inbox")).text


async def test_no_action_without_a_post(with_password: httpx.AsyncClient) -> None:
    await log_in(with_password)
    for path in ("/inbox/1/skip", "/inbox/1/retry", "/resume/webcrm", "/conflicts/1/apply-other"):
        assert (await with_password.get(path)).status_code == 405
    assert "Kunde inte hitta valuta" in (await with_password.get("/inbox")).text


async def test_foreign_host_header_is_refused_even_with_a_session(settings: Settings) -> None:
    store = StateStore.open(settings.state.url)
    store.set_value(PASSWORD_KEY, hash_password(PASSWORD))
    store.close()
    app = create_app(settings, clock=FakeClock())
    async with client_for(app, "localhost") as good:
        await log_in(good)
        cookies = good.cookies
        assert (await good.get("/api/status")).status_code == 200
    async with client_for(app, "rebind.attacker.example") as evil:
        evil.cookies = cookies
        refused = await evil.get("/api/status")
        assert refused.status_code == 400 and "links" not in refused.text
        assert (await evil.get("/login")).status_code == 400


async def test_allowed_hosts_replace_the_default(settings: Settings) -> None:
    settings.web = WebSettings(allowed_hosts=["sync.example.se"])
    app = create_app(settings, clock=FakeClock())
    async with client_for(app, "sync.example.se:8443") as named:
        assert (await named.get("/login")).status_code == 200
    async with client_for(app, "localhost") as local:
        assert (await local.get("/login")).status_code == 400


async def test_one_time_login_link_works_once(settings: Settings) -> None:
    app = create_app(settings, clock=FakeClock(), login_token="t" * 43)
    async with client_for(app) as client:
        first = await client.get("/login?token=" + "t" * 43)
        assert first.status_code == 303
        assert (await client.get("/api/status")).status_code == 200
    async with client_for(app) as other:
        again = await other.get("/login?token=" + "t" * 43)
        assert again.status_code == 403
        assert (await other.get("/api/status")).status_code == 401


def test_set_password_asks_twice_and_stores_a_salted_hash(
    settings: Settings, tmp_path: Path
) -> None:
    config = tmp_path / "wfsync.toml"
    config.write_text(f'[state]\nurl = "{settings.state.url}"\n', encoding="utf-8")
    runner = CliRunner()
    differ = runner.invoke(
        cli_app,
        ["--config", str(config), "web", "set-password"],
        input="first-password\nsecond-password\n",
    )
    assert differ.exit_code == 2
    store = StateStore.open(settings.state.url)
    assert store.get_value(PASSWORD_KEY) is None
    ok = runner.invoke(
        cli_app,
        ["--config", str(config), "web", "set-password"],
        input="a-long-password\na-long-password\n",
    )
    assert ok.exit_code == 0, ok.output
    stored = store.get_value(PASSWORD_KEY)
    store.close()
    assert "a-long-password" not in stored and stored.startswith("scrypt$")
    assert verify_password("a-long-password", stored)
    assert hash_password("a-long-password") != stored  # salted: never the same twice


async def test_configured_hash_takes_precedence(settings: Settings) -> None:
    store = StateStore.open(settings.state.url)
    store.set_value(PASSWORD_KEY, hash_password("stored-password"))
    store.close()
    settings.web = WebSettings(admin_password_hash=SecretStr(hash_password("config-password")))
    async with client_for(create_app(settings, clock=FakeClock())) as client:
        assert (await log_in(client, "stored-password")).status_code == 401
        assert (await log_in(client, "config-password")).status_code == 303


async def test_the_printed_login_link_opens_the_console(settings: Settings) -> None:
    from wfsync.cli.serve_cmd import console_app

    web, greeting = console_app(settings, "127.0.0.1", 8080)
    link = greeting.split("log in once with ", 1)[1].split()[0]
    async with client_for(web, "127.0.0.1:8080") as client:
        assert (await client.get(link.removeprefix("http://127.0.0.1:8080"))).status_code == 303
        assert (await client.get("/api/status")).status_code == 200


def test_serve_prints_a_login_link_without_password_and_warns_off_loopback(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    from wfsync.cli.serve_cmd import console_app

    _, greeting = console_app(settings, "127.0.0.1", 8080)
    assert "http://127.0.0.1:8080/login?token=" in greeting
    assert "warning" not in capsys.readouterr().err
    console_app(settings, "0.0.0.0", 8080)
    assert "warning" in capsys.readouterr().err
    store = StateStore.open(settings.state.url)
    store.set_value(PASSWORD_KEY, hash_password(PASSWORD))
    store.close()
    _, greeting = console_app(settings, "127.0.0.1", 8080)
    assert "token=" not in greeting


async def test_login_never_redirects_off_the_console(with_password: httpx.AsyncClient) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        form = await with_password.get("/login")
        response = await with_password.post(
            "/login", data={"password": PASSWORD, "csrf": csrf_of(form.text), "next": target}
        )
        assert response.headers["location"] == "/"


async def test_pages_cannot_be_framed_or_cached(with_password: httpx.AsyncClient) -> None:
    await log_in(with_password)
    page = await with_password.get("/inbox")
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
