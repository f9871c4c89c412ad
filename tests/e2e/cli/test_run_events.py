"""`wfsync run` with events, as a user runs it: real processes, real sockets.

The Fortnox simulator serves its WebSocket on a local port; the webCRM
simulator calls the hook URLs for real. An edit on either side arrives through
an event (shown in `wfsync status`), and `wfsync disconnect webcrm-hooks`
removes what `run` registered.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.cli.test_run import WFSYNC, wfsync
from tests.servers import serve
from wfsync.runtime.events_webcrm import HOOK_PATH
from wfsync.simulators.fortnox import FortnoxSimulator
from wfsync.simulators.webcrm import WebcrmSimulator


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _eventually(condition: Callable[[], object], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition never became true")


@pytest.mark.slow
def test_run_carries_edits_by_events_and_disconnect_removes_the_hooks(tmp_path: Path) -> None:
    fortnox = FortnoxSimulator()
    fortnox.register_client("wfsync-cli", "cli-secret")
    refresh = fortnox.issue_refresh_token("wfsync-cli")
    number = fortnox.ui.create_customer(Name="Händelse AB", VisitingCity="Malmö")
    webcrm = WebcrmSimulator()
    auth_code = webcrm.add_api_token()
    listen = f"127.0.0.1:{_free_port()}"
    with serve(fortnox.app) as fortnox_url, serve(webcrm.app) as webcrm_url:
        import httpx

        webcrm.hooks.auto_deliver = httpx.AsyncClient(timeout=5.0)
        config = tmp_path / "wfsync.toml"
        config.write_text(
            f"""
[fortnox]
base_url = "{fortnox_url}/3"
token_url = "{fortnox_url}/oauth-v1/token"
websocket_url = "{fortnox_url.replace("http", "ws")}/topics-v1"
client_id = "wfsync-cli"
client_secret = "cli-secret"
refresh_token = "{refresh}"

[webcrm]
base_url = "{webcrm_url}"
auth_code = "{auth_code}"

[state]
url = "sqlite:///{tmp_path / "state.db"}"

[events]
webhook_listen = "{listen}"
""",
            encoding="utf-8",
        )
        assert wfsync(config, "import").returncode == 0
        org_id = next(iter(webcrm.backend.organisations.rows()))["OrganisationId"]
        run = subprocess.Popen(
            [WFSYNC, "--config", str(config), "run"],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            _eventually(lambda: fortnox.events.connections >= 1 and fortnox.events._subscribers)
            _eventually(lambda: len(webcrm.hooks._hooks) == 12)
            fortnox.ui.update_customer(number, VisitingCity="Visby")
            _eventually(lambda: webcrm.ui.organisation(org_id)["OrganisationCity"] == "Visby")
            webcrm.ui.update_organisation(org_id, OrganisationTelephone="0498-12 34 56")
            _eventually(lambda: fortnox.ui.customer(number)["Phone1"] == "0498-12 34 56")
            status = wfsync(config, "status", "--json")
            assert status.returncode == 0, status.stderr
            events = json.loads(status.stdout)["events"]
            assert events["fortnox"]["state"] == "connected"
            assert events["fortnox"]["events"] >= 1
            assert events["webcrm"]["state"] == "connected"
            assert events["webcrm"]["events"] >= 1
        finally:
            run.send_signal(signal.SIGTERM)
            assert run.wait(timeout=30) == 0
        hooks = [h.fields["TargetUrl"] for h in webcrm.hooks._hooks.values()]
        assert all(url.startswith(f"http://{listen}{HOOK_PATH}/") for url in hooks)
        removed = wfsync(config, "disconnect", "webcrm-hooks")
        assert removed.returncode == 0, removed.stderr
        assert "removed 12 webCRM hooks" in removed.stderr
        assert webcrm.hooks._hooks == {}
