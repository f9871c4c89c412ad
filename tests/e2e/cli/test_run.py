"""`wfsync import`, `sync --once`, `status` and `run` as a user runs them: real
processes against simulators on real local ports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import serve
from wfsync.simulators.fortnox import FortnoxSimulator
from wfsync.simulators.webcrm import WebcrmSimulator

WFSYNC = str(Path(sys.executable).with_name("wfsync"))


@pytest.fixture
def configured(tmp_path: Path) -> Iterator[tuple[Path, FortnoxSimulator, WebcrmSimulator]]:
    fortnox = FortnoxSimulator(seed=True)
    fortnox.register_client("wfsync-cli", "cli-secret")
    refresh = fortnox.issue_refresh_token("wfsync-cli")
    webcrm = WebcrmSimulator()
    auth_code = webcrm.add_api_token()
    with serve(fortnox.app) as fortnox_url, serve(webcrm.app) as webcrm_url:
        config = tmp_path / "wfsync.toml"
        config.write_text(
            f"""
[fortnox]
base_url = "{fortnox_url}/3"
token_url = "{fortnox_url}/oauth-v1/token"
client_id = "wfsync-cli"
client_secret = "cli-secret"
refresh_token = "{refresh}"

[webcrm]
base_url = "{webcrm_url}"
auth_code = "{auth_code}"

[state]
url = "sqlite:///{tmp_path / "state.db"}"
""",
            encoding="utf-8",
        )
        yield config, fortnox, webcrm


def wfsync(config: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WFSYNC, "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=config.parent,
    )


@pytest.mark.slow
def test_import_sync_status_as_a_user(
    configured: tuple[Path, FortnoxSimulator, WebcrmSimulator],
) -> None:
    config, fortnox, webcrm = configured
    early = wfsync(config, "sync", "--once")
    assert early.returncode == 1
    assert "wfsync import" in early.stderr and "Traceback" not in early.stderr

    dry = wfsync(config, "import", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "dry run" in dry.stderr
    assert [r for r in webcrm.writes if not r.path.lower().startswith("/auth")] == []
    assert fortnox.writes() == []

    done = wfsync(config, "import")
    assert done.returncode == 0, done.stderr
    assert "API calls: Fortnox" in done.stderr
    active = [c for c in fortnox.store.customers.values() if c.get("Active", True)]
    status = wfsync(config, "status", "--json")
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["imported"] is True
    assert report["runs"]["import"]["status"] == "ok"
    assert [e["message"] for e in report["errors"]] == []
    assert report["links"]["customer"]["active"] == len(active)

    again = wfsync(config, "sync", "--once")
    assert again.returncode == 0, again.stderr


@pytest.mark.slow
def test_run_refuses_a_second_instance_and_stops_cleanly_on_sigterm(
    configured: tuple[Path, FortnoxSimulator, WebcrmSimulator],
) -> None:
    config, _fortnox, _webcrm = configured
    assert wfsync(config, "import").returncode == 0
    first = subprocess.Popen(
        [WFSYNC, "--config", str(config), "run"],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=config.parent,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert first.stderr is not None
        line = first.stderr.readline()
        deadline = time.monotonic() + 20
        while "syncing" not in line and time.monotonic() < deadline:
            line = first.stderr.readline()
        assert "syncing" in line
        second = wfsync(config, "run", timeout=30)
        assert second.returncode == 1
        assert "already" in second.stderr and "Traceback" not in second.stderr
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0
    finally:
        if first.poll() is None:
            first.kill()


@pytest.mark.slow
def test_writers_take_turns_and_a_waiting_one_names_the_holder(
    configured: tuple[Path, FortnoxSimulator, WebcrmSimulator],
) -> None:
    from wfsync.state import StateStore
    from wfsync.state.lease import writer_lease

    config, fortnox, webcrm = configured
    assert wfsync(config, "import").returncode == 0
    fortnox.ui.create_customer(Name="Turordning AB")
    env = {**os.environ, "WFSYNC_STATE__LEASE_WAIT_SECONDS": "1"}
    store = StateStore.open(f"sqlite:///{config.parent / 'state.db'}")
    try:
        with writer_lease(store, "wfsync import (pid 4242 on laptop)"):
            for args in (("sync", "--once"), ("retry",), ("import",)):
                busy = subprocess.run(
                    [WFSYNC, "--config", str(config), *args],
                    capture_output=True,
                    text=True,
                    timeout=60,
                    env=env,
                )
                assert busy.returncode == 1, (args, busy.stderr)
                assert "pid 4242 on laptop" in busy.stderr
                assert "Traceback" not in busy.stderr
                assert len(busy.stderr.strip().splitlines()) == 1, busy.stderr
    finally:
        store.close()
    done = wfsync(config, "sync", "--once")
    assert done.returncode == 0, done.stderr
    names = [o["OrganisationName"] for o in webcrm.backend.organisations.rows()]
    assert names.count("Turordning AB") == 1


@pytest.mark.slow
def test_kill_9_during_a_create_then_the_next_run_adopts_it(
    configured: tuple[Path, FortnoxSimulator, WebcrmSimulator],
) -> None:
    from wfsync.state import StateStore

    config, fortnox, webcrm = configured
    assert wfsync(config, "import").returncode == 0
    webcrm.ui.create_organisation(OrganisationName="Avbruten AB", OrganisationType="Kund – Företag")
    # The create reaches Fortnox but is carried out only after the process is gone.
    slow = fortnox.faults.add("/3/customers", method="POST", latency=3.0)
    victim = subprocess.Popen(
        [WFSYNC, "--config", str(config), "sync", "--once"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=config.parent,
    )
    store = StateStore.open(f"sqlite:///{config.parent / 'state.db'}")
    try:
        deadline = time.monotonic() + 30
        # Killed once the POST has reached Fortnox (the intent is written just before
        # it is sent; killing in between would leave nothing to land).
        while not slow.fired and time.monotonic() < deadline:
            time.sleep(0.05)
        assert slow.fired and store.open_intents("customer"), "the create never started"
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        time.sleep(4)  # the request lands meanwhile
        assert [c["Name"] for c in fortnox.store.customers.values()].count("Avbruten AB") == 1
        again = wfsync(config, "sync", "--once")
        assert again.returncode == 0, again.stderr
        again = wfsync(config, "sync", "--once")
        assert again.returncode == 0, again.stderr
        names = [c["Name"] for c in fortnox.store.customers.values()]
        assert names.count("Avbruten AB") == 1  # adopted, not created again
        (number,) = [n for n, c in fortnox.store.customers.items() if c["Name"] == "Avbruten AB"]
        assert store.get_link("customer", fortnox_id=number) is not None
        assert "interrupted" in [run.status for run in store.last_runs()]
    finally:
        store.close()
