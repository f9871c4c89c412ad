"""`wfsync skip`, `unskip`, `status` and `config` on the error inbox and the state URL,
in-process through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wfsync.cli import run
from wfsync.state import StateStore


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "wfsync.toml"
    path.write_text(f'[state]\nurl = "sqlite:///{tmp_path / "state.db"}"\n', encoding="utf-8")
    return path


def inbox(config: Path) -> tuple[int, int]:
    store = StateStore.open(f"sqlite:///{config.parent / 'state.db'}")
    try:
        failing = store.record_failure("customer", "webcrm", "7", "sync", "Fortnox said no")
        resolved = store.record_failure("customer", "webcrm", "8", "sync", "fixed since")
        store.resolve_failures("customer", "webcrm", "8")
        return failing.id, resolved.id
    finally:
        store.close()


def test_skip_lists_the_entry_and_unskip_reopens_it(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    open_id, _ = inbox(config)
    assert run(["--config", str(config), "skip", str(open_id)]) == 0
    assert "not retried until the record is edited" in capsys.readouterr().err
    assert run(["--config", str(config), "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert [e["id"] for e in status["skipped"]] == [open_id] and status["errors"] == []
    assert run(["--config", str(config), "unskip", str(open_id)]) == 0
    capsys.readouterr()
    assert run(["--config", str(config), "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert [e["id"] for e in status["errors"]] == [open_id] and status["skipped"] == []


@pytest.mark.parametrize("which", ["resolved", "missing"])
def test_skip_of_anything_but_an_open_entry_is_a_usage_error(
    config: Path, capsys: pytest.CaptureFixture[str], which: str
) -> None:
    _, resolved_id = inbox(config)
    target = resolved_id if which == "resolved" else 999
    assert run(["--config", str(config), "skip", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and len(err.strip().splitlines()) == 1
    assert run(["--config", str(config), "unskip", str(target)]) == 2


def test_config_never_shows_the_state_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wfsync.toml"
    path.write_text(
        '[state]\nurl = "postgresql+psycopg://sync:hunter2@db.example:5432/wfsync"\n',
        encoding="utf-8",
    )
    assert run(["--config", str(path), "config"]) == 0
    assert run(["--config", str(path), "config", "--json"]) == 0
    out, err = capsys.readouterr()
    assert "hunter2" not in out + err
    assert json.loads(out)["state"]["url"].startswith("postgresql+psycopg://sync:***@")


def test_skip_without_a_state_store_creates_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wfsync.toml"
    path.write_text(f'[state]\nurl = "sqlite:///{tmp_path / "state.db"}"\n', encoding="utf-8")
    assert run(["--config", str(path), "skip", "3"]) == 2
    assert "no state yet" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wfsync.toml"]
