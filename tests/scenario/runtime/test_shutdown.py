"""Graceful shutdown in a real process: SIGTERM finishes the cycle, a second one forces."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wfsync.runtime.shutdown import GracefulShutdown, install_signal_handlers

PROGRAM = Path(__file__).with_name("sigterm_program.py")


def start(marker: Path, job_seconds: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(PROGRAM), str(marker), str(job_seconds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_line(marker: Path, line: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker.exists() and line in marker.read_text().splitlines():
            return
        time.sleep(0.02)
    raise AssertionError(f"{line!r} never appeared in {marker}")


@pytest.mark.slow
def test_sigterm_finishes_the_cycle_in_flight_and_exits_zero(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    process = start(marker, job_seconds=0.8)
    wait_for_line(marker, "started")
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr
    assert marker.read_text().splitlines() == ["started", "finished", "clean exit"]
    assert stdout == ""  # logs never go to stdout
    events = [json.loads(line)["event"] for line in stderr.splitlines()]
    assert events.index("shutdown.requested") < events.index("cycle.finished")
    assert events[-1] == "scheduler.stopped"


@pytest.mark.slow
def test_a_second_signal_exits_at_once_without_finishing(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    process = start(marker, job_seconds=30)
    wait_for_line(marker, "started")
    process.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 128 + signal.SIGTERM
    assert marker.read_text().splitlines() == ["started"]
    assert "shutdown.forced" in stderr


async def test_handlers_set_the_event_and_are_restored_afterwards() -> None:
    exits: list[int] = []
    loop = asyncio.get_running_loop()
    async with GracefulShutdown(hard_exit=exits.append) as stop:
        signal.raise_signal(signal.SIGINT)
        await asyncio.wait_for(stop.wait(), timeout=1)
        assert exits == []
        signal.raise_signal(signal.SIGINT)
        await asyncio.sleep(0.01)
        assert exits == [128 + signal.SIGINT]
    # Our handler is gone: the loop no longer owns SIGINT.
    assert not loop.remove_signal_handler(signal.SIGINT)


async def test_install_returns_a_restorer() -> None:
    stop = asyncio.Event()
    restore = install_signal_handlers(stop, hard_exit=lambda code: None)
    restore()
    loop = asyncio.get_running_loop()
    assert not loop.remove_signal_handler(signal.SIGTERM)
    assert not stop.is_set()
