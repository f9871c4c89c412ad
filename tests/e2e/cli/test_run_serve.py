"""`wfsync run --serve` as a user runs it: one process syncing and serving the console;
"retry now" is done by the runner within seconds, not at the next cycle."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.cli.test_run import WFSYNC, configured, wfsync  # noqa: F401  (fixture)
from wfsync.simulators.fortnox import FortnoxSimulator
from wfsync.simulators.webcrm import WebcrmSimulator

PASSWORD = "a-long-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match
    return match.group(1)


@pytest.mark.slow
def test_run_serve_retries_an_inbox_entry_within_seconds(
    configured: tuple[Path, FortnoxSimulator, WebcrmSimulator],  # noqa: F811
) -> None:
    config, fortnox, webcrm = configured
    assert wfsync(config, "import").returncode == 0
    bad = webcrm.ui.create_organisation(
        OrganisationName="Fel Valuta AB",
        OrganisationType="Kund – Företag",
        OrganisationCustom7="XYZ",
    )
    assert wfsync(config, "sync", "--once").returncode == 0
    password = subprocess.run(
        [WFSYNC, "--config", str(config), "web", "set-password"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        capture_output=True,
        text=True,
        timeout=30,
        cwd=config.parent,
    )
    assert password.returncode == 0, password.stderr
    webcrm.ui.update_organisation(bad, OrganisationCustom7="EUR")  # the fix
    port = free_port()
    runner = subprocess.Popen(
        [WFSYNC, "--config", str(config), "run", "--serve", "--port", str(port)],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=config.parent,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert runner.stderr is not None
        seen = ""
        deadline = time.monotonic() + 30
        while "console on" not in seen and time.monotonic() < deadline:
            seen += runner.stderr.readline()
        assert "syncing" in seen and f"http://127.0.0.1:{port}/" in seen, seen
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            form = client.get("/login").text
            login = client.post("/login", data={"password": PASSWORD, "csrf": csrf(form)})
            assert login.status_code == 303
            overview = client.get("/").text
            assert "alive" in overview  # the heartbeat of this very runner
            inbox = client.get("/inbox").text
            (failure_id,) = re.findall(r'id="failure-(\d+)"', inbox)
            client.post(f"/inbox/{failure_id}/retry", data={"csrf": csrf(inbox)})
            deadline = time.monotonic() + 30
            while "No open entries" not in client.get("/inbox").text:
                assert time.monotonic() < deadline, "the runner did not pick the retry up"
                time.sleep(0.2)
        assert [c["Name"] for c in fortnox.store.customers.values()].count("Fel Valuta AB") == 1
        runner.send_signal(signal.SIGTERM)
        assert runner.wait(timeout=30) == 0
    finally:
        if runner.poll() is None:
            runner.kill()
