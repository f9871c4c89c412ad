"""Every command does what its help says, and every mistake is one line:
usage errors and bad configuration exit 2, read-only commands never create a
state store, and ``--log-format json`` turns the error into a JSON record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wfsync.cli import run


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture(autouse=True)
def in_empty_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in list(__import__("os").environ):
        if name.upper().startswith("WFSYNC_") and "__" in name:
            monkeypatch.delenv(name)
    return tmp_path


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["skip"], "Missing argument"),
        (["skip", "abc"], "valid integer"),
        (["no-such-command"], "No such command"),
        (["status", "--jsn"], "No such option"),
        (["--log-format", "xml", "status"], "auto, human, json"),
        (["simulate", "fortnox", "--port", "x"], "--port"),
        (["sync"], "--once"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == 2
    assert expected in one_line(capsys)


def test_sync_help_says_once_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["sync", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "`--once` is required" in text and "wfsync run" in text


@pytest.mark.parametrize("command", [["status"], ["status", "--json"], ["conflicts"], ["serve"]])
def test_read_only_commands_never_create_a_state_store(
    command: list[str], in_empty_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(command) == 2
    assert "no state yet" in one_line(capsys)
    assert list(in_empty_dir.iterdir()) == []


def test_retry_never_creates_a_state_store(
    in_empty_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_empty_dir / "wfsync.toml").write_text("", encoding="utf-8")
    assert run(["retry"]) == 2
    assert "no state yet" in one_line(capsys)
    assert [p.name for p in in_empty_dir.iterdir()] == ["wfsync.toml"]


def test_an_empty_database_is_no_state_either(
    in_empty_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    sqlite3.connect(in_empty_dir / "other.db").close()
    (in_empty_dir / "wfsync.toml").write_text(
        '[state]\nurl = "sqlite:///other.db"\n', encoding="utf-8"
    )
    assert run(["status"]) == 2
    assert "has no wfsync tables" in one_line(capsys)


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[state]\nurl = "mysql://x@y/z"\n', "[state] url: not a supported database URL"),
        ('[state]\nurl = "wfsync.db"\n', "[state] url"),
        ('[fortnox]\nbase_url = "not a url"\n', "[fortnox] base_url: not a URL"),
        ('[webcrm]\nbase_url = "api.webcrm.com"\n', "[webcrm] base_url: not a URL"),
        ('[fortnox]\nwebsocket_url = "https://ws.fortnox.se"\n', "websocket_url"),
    ],
)
def test_urls_are_checked_when_the_config_is_read(
    toml: str, expected: str, in_empty_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_empty_dir / "wfsync.toml").write_text(toml, encoding="utf-8")
    assert run(["config"]) == 2
    assert expected in one_line(capsys)
    assert run(["status"]) == 2  # the same line, before any store is touched
    assert expected in one_line(capsys)


def test_a_misspelt_environment_section_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WFSYNC_FORTNX__CLIENT_SECRET", "s")
    assert run(["config"]) == 2
    line = one_line(capsys)
    assert "WFSYNC_FORTNX__CLIENT_SECRET" in line and "unknown section" in line


def test_variables_that_are_not_settings_paths_are_left_alone(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WFSYNC_SECRET_KEY", "k")
    monkeypatch.setenv("WFSYNC_SYNC__DELIVERY_TARGET", "invoice")
    assert run(["config"]) == 0
    assert 'sync.delivery_target = "invoice"' in capsys.readouterr().err


def test_errors_obey_log_format_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Nothing listens on port 1: the PostgreSQL server is unreachable.
    monkeypatch.setenv("WFSYNC_STATE__URL", "postgresql+psycopg://u@127.0.0.1:1/db")
    assert run(["--log-format", "json", "status"]) == 1
    record = json.loads(one_line(capsys))
    assert record["level"] == "error" and record["exit_code"] == 1
    assert "cannot open state database" in record["event"]
    assert run(["--log-format=json", "no-such-command"]) == 2
    assert json.loads(one_line(capsys))["exit_code"] == 2


@pytest.mark.parametrize(
    ("rule", "words"),
    [("newest", "Fortnox's value is kept"), ("webcrm", "webCRM's value is always kept")],
)
def test_conflicts_says_what_the_rule_really_does(
    rule: str, words: str, in_empty_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from wfsync.state import StateStore

    StateStore.open(f"sqlite:///{in_empty_dir / 'state.db'}").close()
    (in_empty_dir / "wfsync.toml").write_text(
        f'[state]\nurl = "sqlite:///state.db"\n[sync]\nconflict_winner = "{rule}"\n',
        encoding="utf-8",
    )
    assert run(["conflicts"]) == 0
    assert words in " ".join(capsys.readouterr().err.split())
    assert run(["conflicts", "--help"]) == 0
    assert "a later webCRM edit can never be proven" in " ".join(capsys.readouterr().out.split())


def test_a_port_in_use_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        assert run(["simulate", "webcrm", "--port", port]) == 1
        assert "cannot listen on 127.0.0.1:" in one_line(capsys)


@pytest.mark.parametrize("content", ["{bad", '{"kunder": []}', '{"customers": [{"Name": ""}]}'])
@pytest.mark.parametrize("system", ["fortnox", "webcrm"])
def test_a_bad_seed_file_is_one_line(
    system: str, content: str, in_empty_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = in_empty_dir / "seed.json"
    seed.write_text(content, encoding="utf-8")
    assert run(["simulate", system, "--port", "0", "--seed", str(seed)]) == 2
    assert "seed" in one_line(capsys)
