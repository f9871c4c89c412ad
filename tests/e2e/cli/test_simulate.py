"""`wfsync simulate`: a clean trial by default, the messy sample on request, a banner
that pastes as TOML, and human edits from outside the simulator's process."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.servers import serve
from wfsync.cli import run
from wfsync.clock import FakeClock
from wfsync.config import FortnoxSettings, Settings, StateSettings, WebcrmSettings, load_config
from wfsync.simulators.fortnox import FortnoxSimulator
from wfsync.simulators.fortnox import build_standalone_app as build_fortnox
from wfsync.simulators.webcrm import WebcrmSimulator
from wfsync.simulators.webcrm import build_standalone_app as build_webcrm
from wfsync.simulators.webcrm.standalone import SAMPLES
from wfsync.state import StateStore
from wfsync.sync.engine import SyncEngine


async def _trial(sample: str, tmp_path: Path, clock: FakeClock) -> StateStore:
    """The README's trial (import, then one sync cycle) on the given webCRM sample."""
    fortnox = FortnoxSimulator(clock=clock, seed=True)
    fortnox.register_client("trial", "secret")
    refresh = fortnox.issue_refresh_token("trial")
    webcrm = WebcrmSimulator(clock=clock)
    webcrm.load_seed(SAMPLES[sample]())
    url = f"sqlite:///{tmp_path / 'state.db'}"
    settings = Settings(
        fortnox=FortnoxSettings(client_id="trial", client_secret="secret", refresh_token=refresh),
        webcrm=WebcrmSettings(auth_code=webcrm.add_api_token()),
        state=StateSettings(url=url),
    )
    store = StateStore.open(url, clock=clock)

    def engine() -> SyncEngine:
        return SyncEngine.open(
            settings,
            clock=clock,
            store=store,
            fortnox_transport=httpx.ASGITransport(app=fortnox.app),
            webcrm_transport=httpx.ASGITransport(app=webcrm.app),
        )

    async with engine() as e:
        report = await e.import_all()
    assert report.counts["customer.linked"] == (4 if sample == "trial" else 0)
    clock.advance(360)
    async with engine() as e:
        to_fortnox, _ = await e.sync_once()
    if sample == "trial":
        # The two webCRM-only customers and both of their deliveries reach Fortnox.
        assert to_fortnox.counts["customer.created_fortnox"] == 2
        assert to_fortnox.counts["delivery.created_fortnox"] == 2
    return store


async def test_the_trial_sample_gives_a_clean_first_sync(tmp_path: Path, clock: FakeClock) -> None:
    store = await _trial("trial", tmp_path, clock)
    try:
        assert [f.message for f in store.failures(status="open")] == []
        assert store.conflicts() == []
    finally:
        store.close()


async def test_the_messy_sample_still_shows_the_error_inbox_at_work(
    tmp_path: Path, clock: FakeClock
) -> None:
    store = await _trial("messy", tmp_path, clock)
    try:
        messages = " ".join(f.message for f in store.failures(status="open"))
        assert "2000901" in messages  # "30 dagar" is no Fortnox terms-of-payment code
        assert "customer number differs" in messages  # shared organisation numbers
    finally:
        store.close()


def test_the_trial_samples_share_no_organisation_number_between_unrelated_companies() -> None:
    fortnox = {
        c["OrganisationNumber"]: c["Name"]
        for c in FortnoxSimulator(seed=True).store.customers.values()
    }
    for org in SAMPLES["trial"]()["organisations"]:
        number = org["OrganisationExtraCustom2"]
        if number in fortnox:
            assert fortnox[number] == org["OrganisationName"]


async def test_banners_paste_as_toml_and_their_credentials_work(tmp_path: Path) -> None:
    fortnox_app, fortnox_banner = build_fortnox(base_url="http://127.0.0.1:8081")
    webcrm_app, webcrm_banner = build_webcrm(
        seed=None, empty=False, base_url="http://127.0.0.1:8082"
    )
    path = tmp_path / "wfsync.toml"
    path.write_text(f"{fortnox_banner}\n{webcrm_banner}\n", encoding="utf-8")
    settings = load_config(path, required=True, environ={})
    assert settings.fortnox.base_url == "http://127.0.0.1:8081/3"
    assert settings.webcrm.base_url == "http://127.0.0.1:8082"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=webcrm_app)) as http:
        login = await http.post(
            "http://127.0.0.1:8082/Auth/ApiLogin",
            data={"authCode": settings.webcrm.auth_code.get_secret_value()},
        )
    assert login.status_code == 200
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fortnox_app)) as http:
        token = await http.post(
            settings.fortnox.token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": settings.fortnox.refresh_token.get_secret_value(),
            },
            auth=(settings.fortnox.client_id, settings.fortnox.client_secret.get_secret_value()),
        )
    assert token.status_code == 200


def test_an_unknown_sample_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["simulate", "webcrm", "--sample", "tidy"]) == 2
    assert "tidy" in capsys.readouterr().err


def test_edit_changes_a_running_simulator_as_a_person_would(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app, _ = build_fortnox(base_url="http://127.0.0.1:8081")
    with serve(app) as url:
        code = run(
            [
                "simulate",
                "edit",
                "fortnox",
                "update_customer",
                "7",
                "Phone1=040-611 20 99",
                "--url",
                url,
            ]
        )
        out, err = capsys.readouterr()
        assert code == 0, err
        assert json.loads(out)["Phone1"] == "040-611 20 99"
        # The simulated UI validates like Fortnox: an unknown code is refused (exit 1).
        assert (
            run(
                [
                    "simulate",
                    "edit",
                    "fortnox",
                    "update_customer",
                    "7",
                    "TermsOfPayment=99",
                    "--url",
                    url,
                ]
            )
            == 1
        )
        assert "betalningsvillkor" in capsys.readouterr().err
        # An edit that does not exist is a usage error naming the real ones.
        assert run(["simulate", "edit", "fortnox", "paint_customer", "7", "--url", url]) == 2
        assert "update_customer" in capsys.readouterr().err


def test_edit_webcrm_organisation_shows_in_its_record(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app, _ = build_webcrm(seed=None, empty=False, base_url="http://127.0.0.1:8082")
    with serve(app) as url:
        assert (
            run(
                [
                    "simulate",
                    "edit",
                    "webcrm",
                    "update_organisation",
                    "3",
                    "OrganisationTelephone=040-1",
                    "--url",
                    url,
                ]
            )
            == 0
        )
        capsys.readouterr()
        assert run(["simulate", "edit", "webcrm", "organisation", "3", "--url", url]) == 0
        assert json.loads(capsys.readouterr().out)["OrganisationTelephone"] == "040-1"


def test_edit_without_a_running_simulator_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(["simulate", "edit", "webcrm", "organisation", "1", "--url", "http://127.0.0.1:9"]) == 1
    )
    err = capsys.readouterr().err
    assert "wfsync simulate webcrm" in err and len(err.strip().splitlines()) == 1


async def test_status_explains_the_messy_samples_inbox(
    tmp_path: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    (await _trial("messy", tmp_path, clock)).close()
    config = tmp_path / "wfsync.toml"
    config.write_text(f'[state]\nurl = "sqlite:///{tmp_path / "state.db"}"\n', encoding="utf-8")
    capsys.readouterr()
    assert run(["--config", str(config), "status", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)["errors"]
    terms = next(e for e in entries if e["code"] == 2000901 and e["source"] == "webcrm")
    # Which record, which field, the vendor's words and the fix.
    assert terms["webcrm_id"] == terms["source_id"] and terms["fortnox_id"] is None
    assert terms["field"] == "terms_of_payment"
    assert terms["vendor_message"] == "Kunde inte hitta betalningsvillkor"
    assert "terms-of-payment code" in terms["explanation"]
    assert terms["waiting"] is False
    # An ambiguous match waits for someone to edit the record, and says so.
    ambiguous = next(e for e in entries if "customer number differs" in e["message"])
    assert ambiguous["waiting"] is True and ambiguous["name"]  # the name from the message
    assert "customer number" in ambiguous["explanation"]
    # A delivery that waits for its customer says which one to fix.
    follower = next(e for e in entries if e["kind"] == "delivery")
    assert "its own entry" in follower["explanation"]
    assert run(["--config", str(config), "status"]) == 0
    human = capsys.readouterr().err
    assert "WAITS FOR AN EDIT" in human
    assert "Fortnox said: Kunde inte hitta betalningsvillkor" in human
    assert "fix:" in human


def test_inbox_entries_use_the_details_sync_code_records(tmp_path: Path) -> None:
    from wfsync.cli.status_view import collect_status

    store = StateStore.open(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        store.record_failure(
            "customer",
            "webcrm",
            "5",
            "sync",
            "fortnox 400 code 2000901: Kunde inte hitta betalningsvillkor (POST https://x/3/c)",
            2000901,
            {
                "retry": "always",
                "name": "Bergström Bygg AB",
                "fortnox_id": "17",
                "field": "terms_of_payment",
                "value": "30 dagar",
                "waiting": True,
            },
        )
        [entry] = collect_status(store)["errors"]
    finally:
        store.close()
    assert entry["name"] == "Bergström Bygg AB"
    assert (entry["webcrm_id"], entry["fortnox_id"]) == ("5", "17")
    assert entry["field"] == "terms_of_payment"
    assert (entry["value"], entry["waiting"]) == ("30 dagar", True)


@pytest.mark.slow  # ~40 s: Fortnox's 25 calls / 5 s, honoured by client and simulator
def test_the_readme_trial_over_real_sockets_leaves_the_inbox_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """README "Try it against simulators", command by command, as a new user runs it."""
    monkeypatch.chdir(tmp_path)
    # Ports are only known once served: the banners' URLs are swapped for the real ones
    # (the Fortnox simulator's own base URL only stamps the "@url" fields nobody reads).
    fortnox_app, fortnox_banner = build_fortnox(base_url="http://127.0.0.1:8081")
    webcrm_app, webcrm_banner = build_webcrm(seed=None, empty=False, base_url="http://x:1")
    with serve(fortnox_app) as fortnox_url, serve(webcrm_app) as webcrm_url:
        banner = (
            fortnox_banner.replace("http://127.0.0.1:8081", fortnox_url)
            + "\n"
            + webcrm_banner.replace("http://x:1", webcrm_url)
        )
        (tmp_path / "wfsync.toml").write_text(banner + "\n", encoding="utf-8")
        assert run(["import"]) == 0  # (--dry-run: tests/e2e/cli/test_dry_run.py)
        assert run(["sync", "--once"]) == 0
        capsys.readouterr()
        assert run(["status", "--json"]) == 0
        status = json.loads(capsys.readouterr().out)
        assert status["errors"] == [] and status["open_conflicts"] == 0
        assert status["links"]["customer"]["active"] == 17
        # A mistake on purpose, as the README then suggests, lands in the inbox explained.
        assert (
            run(
                [
                    "simulate",
                    "edit",
                    "webcrm",
                    "update_organisation",
                    "2",
                    "OrganisationCustom6=30 dagar",
                    "--url",
                    webcrm_url,
                ]
            )
            == 0
        )
        assert run(["sync", "--once"]) == 0
        capsys.readouterr()
        assert run(["status", "--json"]) == 0
        [entry] = json.loads(capsys.readouterr().out)["errors"]
        assert entry["name"] == "Malmö Kaffekompani AB" and entry["fortnox_id"] == "3"
        assert entry["field"] == "terms_of_payment"
