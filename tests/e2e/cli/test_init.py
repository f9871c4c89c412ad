"""``wfsync init`` writes a complete, commented, private config that loads back;
``wfsync config`` shows what is in effect."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

import wfsync.cli.init_cmd  # noqa: F401  (registers init/config until wfsync.cli imports it)
from wfsync.cli import app, run
from wfsync.config import Settings, load_config
from wfsync.config_template import DESCRIPTIONS, config_keys, env_var, render_reference

ROOT = Path(__file__).resolve().parents[3]


def init(path: Path, *args: str) -> int:
    return run(["--config", str(path), "init", "--non-interactive", *args])


def uncomment_defaults(text: str) -> str:
    """Turn every '# key = value' default line into an active setting."""
    return re.sub(r"(?m)^# ([a-z_0-9]+ = .*)$", r"\1", text)


def test_non_interactive_flags_are_written_and_load_back(tmp_path: Path) -> None:
    path = tmp_path / "wfsync.toml"
    code = init(
        path,
        "--fortnox-client-id", "client-1",
        "--fortnox-client-secret", "very-secret",
        "--webcrm-auth-code", "12345678-90ab-cdef-1234-4567890abcde",
        "--customer-number-owner", "webcrm",
        "--delivery-target", "invoice",
        "--state-url", "postgresql+psycopg://wfsync@db/wfsync",
    )  # fmt: skip
    assert code == 0
    settings = load_config(path, environ={})
    assert settings.fortnox.client_id == "client-1"
    assert settings.fortnox.client_secret.get_secret_value() == "very-secret"
    assert settings.webcrm.auth_code.get_secret_value() == "12345678-90ab-cdef-1234-4567890abcde"
    assert settings.sync.customer_number_owner == "webcrm"
    assert settings.sync.delivery_target == "invoice"
    assert settings.state.url == "postgresql+psycopg://wfsync@db/wfsync"
    # Everything not asked for is the default.
    expected = Settings.model_validate(
        {
            "fortnox": {"client_id": "client-1", "client_secret": "very-secret"},
            "webcrm": {"auth_code": "12345678-90ab-cdef-1234-4567890abcde"},
            "sync": {"customer_number_owner": "webcrm", "delivery_target": "invoice"},
            "state": {"url": "postgresql+psycopg://wfsync@db/wfsync"},
        }
    )
    assert settings.model_dump() == expected.model_dump()


def test_the_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "wfsync.toml"
    assert init(path, "--fortnox-client-secret", "s") == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_every_setting_is_in_the_file_with_its_env_var_and_description(tmp_path: Path) -> None:
    path = tmp_path / "wfsync.toml"
    assert init(path) == 0
    text = path.read_text(encoding="utf-8")
    for key in config_keys():
        assert key.path in DESCRIPTIONS, f"{key.path} has no description in config_template"
        assert f"env: {env_var(key.path)}" in text
        assert re.search(rf"(?m)^(# )?{key.name} = ", text), key.path
    assert "WFSYNC_WEBCRM__CUSTOM_FIELDS__CURRENCY" in text
    assert '# customer_types = ["Kund – Företag", "Kund – Privat"]' in text


def test_uncommenting_every_default_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "wfsync.toml"
    assert init(path) == 0
    as_written = load_config(path, environ={})
    assert as_written.model_dump() == Settings.model_validate({}).model_dump()
    path.write_text(uncomment_defaults(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert "# base_url =" not in path.read_text(encoding="utf-8")
    assert load_config(path, environ={}).model_dump() == as_written.model_dump()


def test_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wfsync.toml"
    path.write_text("# mine\n")
    path.chmod(0o644)
    assert init(path) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"error: {path} already exists; use --force to overwrite it"
    assert path.read_text() == "# mine\n"

    assert init(path, "--force", "--delivery-target", "invoice") == 0
    assert load_config(path, environ={}).sync.delivery_target == "invoice"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_bad_flag_values_fail_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wfsync.toml"
    assert init(path, "--state-url", "not a url") == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: --state-url: 'not a url' is not a database URL (e.g. sqlite:///wfsync.db)"
    assert init(path, "--delivery-target", "faktura") == 2  # a usage error, boxed by Typer
    words = " ".join(re.sub(r"[│╭╮╰╯─]", " ", capsys.readouterr().err).split())
    assert "'faktura' is not one of 'order', 'invoice'" in words
    assert not path.exists()


@pytest.mark.filterwarnings("ignore::getpass.GetPassWarning")
def test_interactive_asks_for_the_essentials(tmp_path: Path) -> None:
    path = tmp_path / "wfsync.toml"
    answers = "client-9\nsecret-9\nauth-9\nwebcrm\ninvoice\nsqlite:///state.db\n"
    result = CliRunner().invoke(
        app, ["--config", str(path), "init", "--interactive"], input=answers
    )
    assert result.exit_code == 0, result.output
    settings = load_config(path, environ={})
    assert settings.fortnox.client_id == "client-9"
    assert settings.fortnox.client_secret.get_secret_value() == "secret-9"
    assert settings.webcrm.auth_code.get_secret_value() == "auth-9"
    assert settings.sync.customer_number_owner == "webcrm"
    assert settings.sync.delivery_target == "invoice"
    assert settings.state.url == "sqlite:///state.db"
    assert "Fortnox client id" in result.stderr
    assert "secret-9" not in result.output  # hidden input is not echoed
    assert result.stdout == ""  # prompts go to stderr


@pytest.mark.filterwarnings("ignore::getpass.GetPassWarning")
def test_interactive_keeps_flags_and_offers_defaults(tmp_path: Path) -> None:
    path = tmp_path / "wfsync.toml"
    result = CliRunner().invoke(
        app,
        ["--config", str(path), "init", "--interactive", "--fortnox-client-id", "given"],
        input="\n\nbogus\n\n\n\n",  # Enter everywhere; one invalid choice is asked again
    )
    assert result.exit_code == 0, result.output
    settings = load_config(path, environ={})
    assert settings.fortnox.client_id == "given"
    assert "Fortnox client id" not in result.stderr
    assert "bogus" in result.stderr and "is not one of" in result.stderr
    assert settings.sync.customer_number_owner == "fortnox"
    assert settings.state.url == "sqlite:///wfsync.db"


def test_config_command_shows_effective_values_and_masks_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "wfsync.toml"
    assert init(path, "--fortnox-client-secret", "hush-hush") == 0
    capsys.readouterr()
    monkeypatch.setenv("WFSYNC_SYNC__DELIVERY_TARGET", "invoice")
    assert run(["--config", str(path), "config"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert f"configuration OK: {path}" in err
    assert 'sync.delivery_target = "invoice"  (from WFSYNC_SYNC__DELIVERY_TARGET)' in err
    assert 'fortnox.client_secret = "***"' in err and "hush-hush" not in err

    assert run(["--config", str(path), "config", "--json"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["sync"]["delivery_target"] == "invoice"
    assert data["fortnox"]["client_secret"] == "**********"


def test_configuration_reference_is_current() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    begin, end = "<!-- generated reference: begin -->\n", "<!-- generated reference: end -->"
    generated = doc[doc.index(begin) + len(begin) : doc.index(end)]
    assert generated == render_reference(), "regenerate the table in docs/configuration.md"
    for key in config_keys():
        assert f"`{env_var(key.path)}`" in generated, key.path


def test_non_interactive_takes_values_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WFSYNC_FORTNOX__CLIENT_ID", "from-env")
    monkeypatch.setenv("WFSYNC_FORTNOX__CLIENT_SECRET", "env-secret")
    monkeypatch.setenv("WFSYNC_WEBCRM__AUTH_CODE", "env-token")
    monkeypatch.setenv("WFSYNC_SYNC__DELIVERY_TARGET", "invoice")
    path = tmp_path / "wfsync.toml"
    assert init(path, "--fortnox-client-id", "from-flag") == 0
    assert "warning" not in capsys.readouterr().err
    settings = load_config(path, environ={})  # what the file holds, without the environment
    assert settings.fortnox.client_id == "from-flag"  # a flag wins over the environment
    assert settings.fortnox.client_secret.get_secret_value() == "env-secret"
    assert settings.webcrm.auth_code.get_secret_value() == "env-token"
    assert settings.sync.delivery_target == "invoice"


def test_empty_credentials_are_warned_about_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert init(tmp_path / "wfsync.toml", "--fortnox-client-id", "c") == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warnings) == 1
    assert "fortnox.client_secret" in warnings[0] and "webcrm.auth_code" in warnings[0]
    assert "fortnox.client_id" not in warnings[0]


def test_init_on_a_pipe_warns_too(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = Path(sys.executable).with_name("wfsync")
    done = subprocess.run(
        [str(script), "--config", str(tmp_path / "w.toml"), "init"],
        input="",
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "warning: left empty" in done.stderr
