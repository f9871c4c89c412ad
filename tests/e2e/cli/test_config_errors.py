"""A bad setting, in the file or in WFSYNC_… environment, gives one precise line
naming the key and exit status 2 — never a traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import wfsync.cli.init_cmd  # noqa: F401  (registers init/config until wfsync.cli imports it)
from wfsync.cli import run

WFSYNC_SCRIPT = Path(sys.executable).with_name("wfsync")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A file written by `wfsync init`, ready to be edited wrong."""
    path = tmp_path / "wfsync.toml"
    assert run(["--config", str(path), "init", "--non-interactive"]) == 0
    return path


def set_key(path: Path, key: str, value: str) -> None:
    """Replace the (commented or active) line of ``key`` with ``key = value``."""
    text = path.read_text(encoding="utf-8")
    text, count = re.subn(rf"(?m)^(# )?{key} = .*$", f"{key} = {value}", text, count=1)
    assert count == 1, key
    path.write_text(text, encoding="utf-8")


def check(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code = run(["--config", str(path), "config"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        (
            "delivery_target",
            '"faktura"',
            "[sync] delivery_target: must be 'order' or 'invoice' (got 'faktura')",
        ),
        (
            "customer_number_owner",
            '"crm"',
            "[sync] customer_number_owner: must be 'fortnox' or 'webcrm' (got 'crm')",
        ),
        (
            "webcrm_interval_minutes",
            "0",
            "[sync] webcrm_interval_minutes: Input should be greater than or equal to 1 (got 0)",
        ),
        (
            "fortnox_offset_minutes",
            "6",
            "[sync]: fortnox_offset_minutes must be smaller than webcrm_interval_minutes",
        ),
        (
            "customer_types",
            "[]",
            "[sync] customer_types: must name at least one webCRM organisation Type",
        ),
        (
            "private_types",
            '["Kund – Offentlig"]',
            "[sync]: private_types ['Kund – Offentlig'] are not in customer_types",
        ),
        (
            "currency",
            '"OrganisationCustom99"',
            "currency = 'OrganisationCustom99' is not a webCRM Organisation custom field",
        ),
        (
            "price_check_every",
            '"often"',
            "[sync] price_check_every: Input should be a valid integer",
        ),
    ],
)
def test_invalid_value_in_the_file(
    config: Path, capsys: pytest.CaptureFixture[str], key: str, value: str, expected: str
) -> None:
    capsys.readouterr()
    set_key(config, key, value)
    line = check(config, capsys)
    assert line.startswith(f"error: {config}: ")
    assert expected in line


def test_fortnox_rate_limit_above_the_vendor_budget(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("# rate_limit = 25", "rate_limit = 30"), encoding="utf-8")
    line = check(config, capsys)
    assert "[fortnox] rate_limit: Input should be less than or equal to 25 (got 30)" in line


def test_misspelt_key(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("delivery_target =", "delivery_targt ="), encoding="utf-8")
    line = check(config, capsys)
    assert line == (
        f"error: {config}: [sync] delivery_targt: unknown key "
        "(check the spelling; see `wfsync init` for every key)"
    )


def test_broken_toml(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    with config.open("a", encoding="utf-8") as out:
        out.write('\n[sync]\ndelivery_target = "order\n')
    line = check(config, capsys)
    assert line.startswith(f"error: {config}: not valid TOML:")
    assert "line" in line


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        (
            "WFSYNC_SYNC__DELIVERY_TARGET",
            "faktura",
            "[sync] delivery_target: must be 'order' or 'invoice' (got 'faktura')",
        ),
        (
            "WFSYNC_FORTNOX__RATE_LIMIT",
            "many",
            "[fortnox] rate_limit: Input should be a valid integer",
        ),
        (
            "wfsync_sync__webcrm_interval_minutes",  # names are case-insensitive
            "2000",
            "[sync] webcrm_interval_minutes: Input should be less than or equal to 1440",
        ),
        ("WFSYNC_SYNC__BOGUS", "1", "[sync] bogus: unknown key"),
        (
            "WFSYNC_SYNC__CUSTOMER_TYPES",
            "Kund – Företag",
            "WFSYNC_SYNC__CUSTOMER_TYPES: not valid JSON (a list is written as JSON",
        ),
        (
            "WFSYNC_WEBCRM__CUSTOM_FIELDS",
            "currency=OrganisationCustom9",
            "WFSYNC_WEBCRM__CUSTOM_FIELDS: not valid JSON (a table is written as JSON",
        ),
    ],
)
def test_invalid_value_in_the_environment(
    config: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    value: str,
    expected: str,
) -> None:
    capsys.readouterr()
    monkeypatch.setenv(name, value)
    line = check(config, capsys)
    assert line.startswith("error: ")
    assert expected in line


def test_environment_overrides_a_valid_file_value(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    set_key(config, "delivery_target", '"order"')
    monkeypatch.setenv("WFSYNC_SYNC__DELIVERY_TARGET", "invoice")
    capsys.readouterr()
    assert run(["--config", str(config), "config"]) == 0
    assert 'sync.delivery_target = "invoice"' in capsys.readouterr().err


def _subprocess_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.upper().startswith("WFSYNC_")}


@pytest.mark.slow
def test_installed_console_script_reports_one_line(config: Path) -> None:
    set_key(config, "delivery_target", '"faktura"')
    result = subprocess.run(
        [str(WFSYNC_SCRIPT), "--config", str(config), "config"],
        capture_output=True,
        text=True,
        env=_subprocess_env(),
        timeout=60,
    )
    if "No such command" in result.stderr:
        pytest.skip("wfsync.cli does not import wfsync.cli.init_cmd yet (the lead wires it)")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"error: {config}: [sync] delivery_target: must be 'order' or 'invoice' (got 'faktura')"
    )


@pytest.mark.slow
def test_main_in_a_real_process_reports_env_errors_without_traceback(config: Path) -> None:
    env = _subprocess_env() | {"WFSYNC_SYNC__CUSTOMER_TYPES": "not json"}
    program = "import wfsync.cli.init_cmd; from wfsync.cli import main; main()"
    result = subprocess.run(
        [sys.executable, "-c", program, "--config", str(config), "config"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("error: WFSYNC_SYNC__CUSTOMER_TYPES: not valid JSON")
