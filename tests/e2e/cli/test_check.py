"""``wfsync check`` through the CLI, against simulators served on real local ports.

Each test builds one situation (a connected installation, a missing custom
field, an unknown Type, a bad token, no Fortnox consent, …) and asserts on the
row that must say so, the exit code, and that ``--json`` is all stdout carries.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

import wfsync.cli.check_cmd  # noqa: F401  (registers `check` until wfsync.cli imports it)
from tests.servers import serve
from wfsync.cli import run
from wfsync.clock import FakeClock
from wfsync.fortnox.tokens import TokenSet
from wfsync.simulators.fortnox import FortnoxSimulator
from wfsync.simulators.webcrm import WebcrmSimulator, default_custom_fields
from wfsync.state import SqlTokenStore, StateStore

CLIENT_ID = "wfsync-test"
SECRET = "client-secret-1"
AUTH_CODE = "0b6f2a3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"


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


@dataclass
class Install:
    """A config file plus the two simulated tenants it points at."""

    tmp: Path
    ports: tuple[Swappable, str, Swappable, str]
    fortnox: FortnoxSimulator
    webcrm: WebcrmSimulator
    state_url_override: str | None = None

    @property
    def state_url(self) -> str:
        return self.state_url_override or f"sqlite:///{self.tmp / 'state.db'}"

    def use_webcrm(self, webcrm: WebcrmSimulator) -> None:
        webcrm.add_api_token(AUTH_CODE)
        self.webcrm = webcrm
        self.ports[2].app = webcrm.app

    def config(self, *, auth_code: str = AUTH_CODE, sync: str = "") -> Path:
        fortnox_url, webcrm_url = self.ports[1], self.ports[3]
        path = self.tmp / "wfsync.toml"
        path.write_text(
            f"""
[fortnox]
base_url = "{fortnox_url}/3"
token_url = "{fortnox_url}/oauth-v1/token"
client_id = "{CLIENT_ID}"
client_secret = "{SECRET}"
[webcrm]
base_url = "{webcrm_url}"
auth_code = "{auth_code}"
[sync]
{sync}
[state]
url = "{self.state_url}"
""",
            encoding="utf-8",
        )
        return path

    def connect(
        self,
        *,
        scopes: list[str] | None = None,
        refresh_expires_in: timedelta = timedelta(days=45),
        fresh_access: bool = False,
        imported: bool = True,
    ) -> str:
        """Tokens as after `wfsync connect fortnox` (and optionally `wfsync import`)."""
        refresh = self.fortnox.issue_refresh_token(CLIENT_ID, scopes=scopes)
        tokens = TokenSet(
            refresh_token=refresh, refresh_expires_at=datetime.now(UTC) + refresh_expires_in
        )
        if fresh_access:  # spend it once, as the last sync did, and keep the access token
            answer = httpx.post(
                f"{self.ports[1]}/oauth-v1/token",
                data={"grant_type": "refresh_token", "refresh_token": refresh},
                auth=(CLIENT_ID, SECRET),
            ).json()
            tokens.access_token = answer["access_token"]
            tokens.access_expires_at = datetime.now(UTC) + timedelta(hours=1)
            tokens.refresh_token = answer["refresh_token"]
            tokens.scope = answer["scope"]
        store = StateStore.open(self.state_url)
        try:
            asyncio.run(SqlTokenStore(store).save(tokens))
            if imported:
                store.set_cursor("webcrm", "organisations", datetime.now(UTC).isoformat())
        finally:
            store.close()
        return refresh


@pytest.fixture
def install(tmp_path: Path, ports: tuple[Swappable, str, Swappable, str]) -> Install:
    clock = FakeClock(datetime.now(UTC))
    fortnox = FortnoxSimulator(clock=clock)
    fortnox.register_client(CLIENT_ID, SECRET)
    ports[0].app = fortnox.app
    setup = Install(tmp_path, ports, fortnox, WebcrmSimulator(clock=clock))
    setup.use_webcrm(setup.webcrm)
    return setup


def check_json(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = run(["--config", str(config), "check", "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)  # nothing but JSON on stdout


def rows(report: dict[str, Any], check: str) -> list[dict[str, str]]:
    found = [row for row in report["checks"] if row["check"] == check]
    assert found, f"no {check} row in {report['checks']}"
    return found


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {row["check"]: row["status"] for row in report["checks"]}


def test_a_connected_installation_is_ready(
    install: Install, capsys: pytest.CaptureFixture[str]
) -> None:
    first = install.connect()
    code, report = check_json(install.config(), capsys)

    assert code == 0
    assert report["ready"] is True
    assert set(statuses(report).values()) == {"ok"}, report
    assert "Simulerad Handel AB" in rows(report, "fortnox_api")[0]["detail"]
    assert "rotation works" in rows(report, "fortnox_token")[0]["detail"]
    # Checking refreshed the access token: the rotated refresh token was persisted.
    store = StateStore.open(install.state_url)
    try:
        tokens = asyncio.run(SqlTokenStore(store).load())
    finally:
        store.close()
    assert tokens is not None and tokens.refresh_token not in (None, first)


def test_the_table_goes_to_stderr_and_nothing_to_stdout(
    install: Install, capsys: pytest.CaptureFixture[str]
) -> None:
    install.connect()
    assert run(["--config", str(install.config()), "check"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "readiness" in captured.err and "✓" in captured.err
    assert "ready to sync" in captured.err


def test_a_missing_custom_field_slot_fails(
    install: Install, capsys: pytest.CaptureFixture[str]
) -> None:
    slots = default_custom_fields()
    del slots["OrganisationCustom6"]  # terms_of_payment's slot was never configured
    install.use_webcrm(WebcrmSimulator(custom_fields=slots))
    install.connect()
    code, report = check_json(install.config(), capsys)

    assert code == 1 and report["ready"] is False
    [row] = rows(report, "webcrm_custom_fields")
    assert row["status"] == "fail"
    assert "OrganisationCustom6" in row["detail"] and "terms_of_payment" in row["detail"]
    assert statuses(report)["webcrm_types"] == "ok"


def test_a_type_that_webcrm_does_not_offer_fails(
    install: Install, capsys: pytest.CaptureFixture[str]
) -> None:
    install.connect()
    sync = 'customer_types = ["Kund – Företag", "Kund – Privat", "Återförsäljare"]'
    code, report = check_json(install.config(sync=sync), capsys)

    assert code == 1
    [row] = rows(report, "webcrm_types")
    assert row["status"] == "fail"
    assert "Återförsäljare" in row["detail"] and "Prospekt" in row["detail"]


def test_a_bad_webcrm_token_fails_and_skips_what_depends_on_it(
    install: Install, capsys: pytest.CaptureFixture[str]
) -> None:
    install.connect()
    code, report = check_json(install.config(auth_code="not-the-token"), capsys)

    assert code == 1
    assert rows(report, "webcrm_login")[0]["status"] == "fail"
    assert "auth_code" in rows(report, "webcrm_login")[0]["detail"]
    for check in ("webcrm_custom_fields", "webcrm_types", "webcrm_invoice_date"):
        assert statuses(report)[check] == "skip"
    assert statuses(report)["fortnox_api"] == "ok"  # the other system is still checked


def test_fortnox_not_connected_fails_with_the_command_to_run(
    install: Install, capsys: pytest.CaptureFixture[str]
) -> None:
    StateStore.open(install.state_url).close()  # state exists, but no consent yet
    code, report = check_json(install.config(), capsys)

    assert code == 1
    [row] = rows(report, "fortnox_token")
    assert row["status"] == "fail"
    assert "wfsync connect fortnox" in row["detail"]
    assert statuses(report)["import"] == "warn"
    assert statuses(report)["webcrm_login"] == "ok"


def test_a_missing_state_store_is_reported_not_created(
    install: Install, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = check_json(install.config(), capsys)

    assert code == 1
    assert statuses(report)["state_store"] == "fail"
    assert "does not exist yet" in rows(report, "state_store")[0]["detail"]
    assert statuses(report)["fortnox_token"] == "skip"
    assert not (install.tmp / "state.db").exists()


def test_a_refresh_token_expiring_within_a_week_is_a_warning(
    install: Install, capsys: pytest.CaptureFixture[str]
) -> None:
    install.connect(refresh_expires_in=timedelta(days=3, hours=1), fresh_access=True)
    code, report = check_json(install.config(), capsys)

    assert code == 0 and report["ready"] is True
    [row] = rows(report, "fortnox_token_expiry")
    assert row["status"] == "warn"
    assert "in 3 days" in row["detail"]
    assert rows(report, "fortnox_token")[0]["detail"] == "stored access token accepted"


def test_missing_required_scopes_fail(install: Install, capsys: pytest.CaptureFixture[str]) -> None:
    install.connect(scopes=["companyinformation", "customer", "article", "order", "invoice"])
    code, report = check_json(install.config(), capsys)

    assert code == 1
    [row] = rows(report, "fortnox_scopes")
    assert row["status"] == "fail"
    assert row["detail"].startswith("missing price")


def test_invoice_mode_advises_a_mandatory_invoice_date_and_missing_import_warns(
    install: Install, capsys: pytest.CaptureFixture[str]
) -> None:
    install.connect(imported=False)
    code, report = check_json(install.config(sync='delivery_target = "invoice"'), capsys)

    assert code == 0
    [row] = rows(report, "webcrm_invoice_date")
    assert row["status"] == "warn"
    assert "DeliveryCustom4" in row["detail"] and "Mandatory" in row["detail"]
    [imported] = rows(report, "import")
    assert imported["status"] == "warn" and "wfsync import" in imported["detail"]


def test_without_a_config_file_check_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["--config", str(tmp_path / "absent.toml"), "check"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "wfsync init" in captured.err


@pytest.mark.postgres
def test_postgresql_state_without_tables_is_reported_then_ready_once_created(
    install: Install, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    install.state_url_override = postgres_url
    code, report = check_json(install.config(), capsys)
    assert code == 1
    assert "has no wfsync tables" in rows(report, "state_store")[0]["detail"]

    install.connect()
    code, report = check_json(install.config(), capsys)
    assert code == 0, report
    assert rows(report, "state_store")[0]["status"] == "ok"


def test_an_unreachable_state_database_is_one_row(
    install: Install, capsys: pytest.CaptureFixture[str]
) -> None:
    install.state_url_override = "postgresql+psycopg://postgres@127.0.0.1:1/test"
    code, report = check_json(install.config(), capsys)
    assert code == 1
    [row] = rows(report, "state_store")
    assert row["status"] == "fail" and row["detail"].startswith("cannot reach")
    assert statuses(report)["webcrm_login"] == "ok"
