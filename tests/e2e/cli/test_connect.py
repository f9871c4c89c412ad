"""``wfsync connect fortnox|webcrm`` end to end, against simulators on real local ports.

The test plays the admin's browser: ``webbrowser.open`` is replaced by a thread
that follows the printed consent URL through the Fortnox simulator's 302 to the
command's own redirect receiver — the same path a real browser takes.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

import wfsync.cli.connect_cmd  # noqa: F401  (registers `connect` until wfsync.cli imports it)
from tests.servers import serve
from wfsync.cli import run
from wfsync.clock import FakeClock
from wfsync.config import load_config
from wfsync.fortnox.client import FortnoxClient
from wfsync.fortnox.tokens import TokenSet
from wfsync.setup.redirect import CallbackPage, RedirectError, RedirectReceiver
from wfsync.simulators.fortnox import FortnoxSimulator
from wfsync.simulators.webcrm import WebcrmSimulator
from wfsync.state import SqlTokenStore, StateStore

CLIENT_ID = "wfsync-test"
SECRET = "client-secret-1"
AUTH_CODE = "0b6f2a3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class World:
    tmp: Path
    fortnox: FortnoxSimulator
    fortnox_url: str
    webcrm: WebcrmSimulator
    webcrm_url: str
    redirect_uri: str

    @property
    def state_url(self) -> str:
        return f"sqlite:///{self.tmp / 'state.db'}"

    def config(self, scopes: list[str] | None = None, **fortnox: str) -> Path:
        values = {
            "base_url": f"{self.fortnox_url}/3",
            "token_url": f"{self.fortnox_url}/oauth-v1/token",
            "auth_url": f"{self.fortnox_url}/oauth-v1/auth",
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "redirect_uri": self.redirect_uri,
            **fortnox,
        }
        lines = ["[fortnox]", *(f'{k} = "{v}"' for k, v in values.items())]
        if scopes is not None:
            lines.append(f"scopes = {json.dumps(scopes)}")
        lines += ["[webcrm]", f'base_url = "{self.webcrm_url}"', f'auth_code = "{AUTH_CODE}"']
        lines += ["[state]", f'url = "{self.state_url}"']
        path = self.tmp / "wfsync.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def stored_tokens(self) -> TokenSet | None:
        store = StateStore.open(self.state_url)
        try:
            return asyncio.run(SqlTokenStore(store).load())
        finally:
            store.close()


@pytest.fixture
def sim_clock() -> FakeClock:
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


class Swappable:
    """One served port, a fresh simulator behind it per test (servers start once)."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def ports() -> Iterator[tuple[Swappable, str, Swappable, str]]:
    fortnox, webcrm = Swappable(), Swappable()
    with serve(fortnox) as fortnox_url, serve(webcrm) as webcrm_url:
        yield fortnox, fortnox_url, webcrm, webcrm_url


@pytest.fixture
def world(
    tmp_path: Path, sim_clock: FakeClock, ports: tuple[Swappable, str, Swappable, str]
) -> World:
    fortnox_port, fortnox_url, webcrm_port, webcrm_url = ports
    redirect_uri = f"http://127.0.0.1:{free_port()}/fortnox/callback"
    fortnox = FortnoxSimulator(clock=sim_clock)
    fortnox.register_client(CLIENT_ID, SECRET, redirect_uri=redirect_uri)
    webcrm = WebcrmSimulator(clock=sim_clock)
    webcrm.add_api_token(AUTH_CODE)
    fortnox_port.app, webcrm_port.app = fortnox.app, webcrm.app
    return World(tmp_path, fortnox, fortnox_url, webcrm, webcrm_url, redirect_uri)


@dataclass
class Browser:
    """Stands in for ``webbrowser.open``: visits a URL in a thread, like a real browser."""

    rewrite: dict[str, str] | None = None
    visited: list[str] = field(default_factory=list)
    pages: list[httpx.Response] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)

    def open(self, url: str, *_: object, **__: object) -> bool:
        self.visited.append(url)
        thread = threading.Thread(target=self._visit, args=(url,), daemon=True)
        thread.start()
        self.threads.append(thread)
        return True

    def _visit(self, url: str) -> None:
        if self.rewrite is not None:  # skip Fortnox: go straight to the redirect target
            query = parse_qs(urlsplit(url).query)
            params = {"state": query["state"][0], **self.rewrite}
            url = f"{query['redirect_uri'][0]}?{urlencode(params)}"
        self.pages.append(httpx.get(url, follow_redirects=True, timeout=10))

    def join(self) -> httpx.Response:
        for thread in self.threads:
            thread.join(timeout=10)
        assert len(self.pages) == 1
        return self.pages[0]


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Browser:
    fake = Browser()
    monkeypatch.setattr("webbrowser.open", fake.open)
    return fake


def error_lines(stderr: str) -> list[str]:
    assert "Traceback" not in stderr
    return [line for line in stderr.splitlines() if line.startswith("error:")]


# -- authorization-code flow ---------------------------------------------------------------


def test_consent_stores_tokens_and_a_later_refresh_rotates_them(
    world: World, browser: Browser, sim_clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    config = world.config()
    assert run(["--config", str(config), "connect", "fortnox"]) == 0

    page = browser.join()
    assert page.status_code == 200
    assert "wfsync is connected to Fortnox" in page.text
    assert "Simulerad Handel AB" in page.text
    consent = parse_qs(urlsplit(browser.visited[0]).query)
    assert consent["client_id"] == [CLIENT_ID]
    assert consent["redirect_uri"] == [world.redirect_uri]
    assert consent["access_type"] == ["offline"]
    assert consent["response_type"] == ["code"]
    assert "customer" in consent["scope"][0].split()
    err = capsys.readouterr().err
    assert "Simulerad Handel AB" in err
    assert world.fortnox.tenant_id in err

    tokens = world.stored_tokens()
    assert tokens is not None and tokens.refresh_token and tokens.access_token
    assert "invoice" in tokens.scope.split()

    # Two hours later the access token is dead on both clocks: the next call must
    # spend the stored refresh token, rotate it and persist the new one.
    later = FakeClock(datetime.now(UTC) + timedelta(hours=2))
    sim_clock.advance(2 * 3600)
    settings = load_config(config, environ={})

    async def read_company() -> tuple[str | None, dict[str, int]]:
        store = StateStore.open(world.state_url)
        try:
            async with FortnoxClient(settings.fortnox, SqlTokenStore(store), clock=later) as fx:
                company = await fx.company.get()
                return company.company_name, dict(fx.auth.grants)
        finally:
            store.close()

    name, grants = asyncio.run(read_company())
    assert name == "Simulerad Handel AB"
    assert grants == {"refresh_token": 1}
    rotated = world.stored_tokens()
    assert rotated is not None and rotated.refresh_token
    assert rotated.refresh_token != tokens.refresh_token
    assert rotated.access_token != tokens.access_token
    # The spent refresh token is dead at Fortnox: only the persisted one works.
    spent = httpx.post(
        f"{world.fortnox_url}/oauth-v1/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens.refresh_token},
        auth=(CLIENT_ID, SECRET),
    )
    assert spent.status_code == 400


def test_consent_without_optional_scopes_connects_and_says_what_is_missing(
    world: World, browser: Browser, capsys: pytest.CaptureFixture[str]
) -> None:
    config = world.config(scopes=["customer", "article", "price", "order", "invoice"])
    assert run(["--config", str(config), "connect", "fortnox"]) == 0

    assert browser.join().status_code == 200
    err = capsys.readouterr().err
    assert "company information not readable" in err
    assert "scopes not granted: companyinformation, settings, currency" in err
    tokens = world.stored_tokens()
    assert tokens is not None and tokens.scope == "customer article price order invoice"


def test_declined_consent_is_one_line_and_stores_nothing(
    world: World, browser: Browser, capsys: pytest.CaptureFixture[str]
) -> None:
    browser.rewrite = {"error": "access_denied", "error_description": "The user denied access"}
    assert run(["--config", str(world.config()), "connect", "fortnox"]) == 1

    page = browser.join()
    assert page.status_code == 400
    assert "could not connect" in page.text
    [line] = error_lines(capsys.readouterr().err)
    assert "declined" in line and "The user denied access" in line
    assert world.stored_tokens() is None


def test_a_redirect_with_another_state_is_refused(
    world: World, browser: Browser, capsys: pytest.CaptureFixture[str]
) -> None:
    code = world.fortnox.issue_authorization_code(CLIENT_ID, world.redirect_uri, ["customer"])
    browser.rewrite = {"code": code, "state": "forged"}
    assert run(["--config", str(world.config()), "connect", "fortnox"]) == 1

    browser.join()
    [line] = error_lines(capsys.readouterr().err)
    assert "different state" in line
    assert world.stored_tokens() is None


def test_a_wrong_client_secret_fails_the_code_exchange(
    world: World, browser: Browser, capsys: pytest.CaptureFixture[str]
) -> None:
    config = world.config(client_secret="wrong-secret")
    assert run(["--config", str(config), "connect", "fortnox"]) == 1

    assert browser.join().status_code == 400
    [line] = error_lines(capsys.readouterr().err)
    assert "client id/secret" in line
    assert world.stored_tokens() is None


def test_no_answer_times_out_with_one_line_and_the_url_printed(
    world: World, browser: Browser, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--config", str(world.config()), "connect", "fortnox", "--no-browser"]
    assert run([*args, "--timeout", "0.2"]) == 1

    assert browser.visited == []
    err = capsys.readouterr().err
    [line] = error_lines(err)
    assert "no answer from Fortnox within 0.2 s" in line
    assert f"{world.fortnox_url}/oauth-v1/auth?client_id={CLIENT_ID}" in err


def test_a_busy_redirect_port_is_one_line(
    world: World, browser: Browser, capsys: pytest.CaptureFixture[str]
) -> None:
    port = urlsplit(world.redirect_uri).port
    assert port is not None
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        assert run(["--config", str(world.config()), "connect", "fortnox"]) == 1
    [line] = error_lines(capsys.readouterr().err)
    assert f"cannot listen on 127.0.0.1:{port}" in line
    assert browser.visited == []


def test_a_redirect_uri_elsewhere_is_a_config_error(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    config = world.config(redirect_uri="https://sync.example.com/fortnox/callback")
    assert run(["--config", str(config), "connect", "fortnox"]) == 2
    [line] = error_lines(capsys.readouterr().err)
    assert "[fortnox] redirect_uri" in line


# -- client credentials ----------------------------------------------------------------------


def test_client_credentials_need_no_browser_and_store_a_token(
    world: World, browser: Browser, capsys: pytest.CaptureFixture[str]
) -> None:
    world.fortnox.issue_refresh_token(CLIENT_ID)  # the service account was consented once
    config = world.config(tenant_id=world.fortnox.tenant_id)
    assert run(["--config", str(config), "connect", "fortnox"]) == 0

    assert browser.visited == []
    assert "service account" in capsys.readouterr().err
    tokens = world.stored_tokens()
    assert tokens is not None and tokens.access_token
    assert tokens.refresh_token is None
    assert tokens.tenant_id == world.fortnox.tenant_id


def test_client_credentials_for_an_unconsented_tenant_fail(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    config = world.config(tenant_id="7654321")
    assert run(["--config", str(config), "connect", "fortnox"]) == 1
    [line] = error_lines(capsys.readouterr().err)
    assert "client credentials" in line
    assert world.stored_tokens() is None


# -- webCRM ------------------------------------------------------------------------------------


def test_connect_webcrm_shows_types_and_custom_fields(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["--config", str(world.config()), "connect", "webcrm"]) == 0
    err = capsys.readouterr().err
    assert "webCRM accepted the API token" in err
    assert "Prospekt" in err  # a Type option that wfsync does not sync
    assert "synced (private person)" in err
    assert "OrganisationExtraCustom1" in err and "Kundnummer" in err
    assert "missing" not in err


def test_connect_webcrm_with_a_bad_token_is_one_line(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    config = world.config()
    text = config.read_text(encoding="utf-8").replace(AUTH_CODE, "not-the-token")
    config.write_text(text, encoding="utf-8")
    assert run(["--config", str(config), "connect", "webcrm"]) == 1
    [line] = error_lines(capsys.readouterr().err)
    assert "webCRM login failed" in line and "[webcrm] auth_code" in line


# -- the redirect receiver on its own ------------------------------------------------------------


async def test_the_receiver_ignores_other_paths_and_answers_with_the_final_page() -> None:
    uri = f"http://127.0.0.1:{free_port()}/fortnox/callback"
    async with RedirectReceiver(uri) as receiver, httpx.AsyncClient(timeout=5) as browser:
        favicon = await browser.get(uri.replace("/fortnox/callback", "/favicon.ico"))
        assert favicon.status_code == 404
        visit = asyncio.create_task(browser.get(f"{uri}?code=abc&state=s1"))
        assert await receiver.wait(timeout=5) == {"code": "abc", "state": "s1"}
        assert not visit.done()  # the browser waits until the outcome is known
        receiver.finish(CallbackPage(True, "Connected", "Connected to Acme AB."))
        page = await visit
    assert page.status_code == 200
    assert "Connected to Acme AB." in page.text and "close this tab" in page.text


async def test_the_receiver_times_out_with_advice() -> None:
    uri = f"http://127.0.0.1:{free_port()}/cb"
    async with RedirectReceiver(uri) as receiver:
        with pytest.raises(RedirectError, match=r"within 0\.05 s.*--timeout"):
            await receiver.wait(timeout=0.05)
