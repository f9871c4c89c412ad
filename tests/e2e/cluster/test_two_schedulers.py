"""Two `wfsync scheduler` processes at once (a hot standby): only the one holding
redbeat's lock in Redis sends ticks; the other waits (real Redis, real processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

WFSYNC = str(Path(sys.executable).with_name("wfsync"))
REDIS_DB = 12  # this test's own database: it flushes it
SENT = "Sending due task wfsync-tick"


def _wait_for(path: Path, text: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in path.read_text(errors="replace"):
            return True
        time.sleep(0.2)
    return False


def test_the_second_scheduler_waits_on_the_lock(
    tmp_path: Path, postgres_url: str, redis_url: str, secret_key: str
) -> None:
    import redis

    broker = redis_url.rsplit("/", 1)[0] + f"/{REDIS_DB}"
    redis.Redis.from_url(broker).flushdb()
    config = tmp_path / "cluster.toml"
    config.write_text(
        f'[state]\nurl = "{postgres_url}"\n\n[cluster]\nbroker_url = "{broker}"\n',
        encoding="utf-8",
    )
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for log in logs:
            procs.append(
                subprocess.Popen(
                    [WFSYNC, "--config", str(config), "scheduler"],
                    stdout=log.open("wb"),
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            if log is logs[0]:
                assert _wait_for(log, SENT, 30), log.read_text()
        time.sleep(12)  # more than one tick interval
        assert SENT not in logs[1].read_text(errors="replace")
        assert logs[0].read_text().count(SENT) >= 2
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        redis.Redis.from_url(broker).flushdb()
