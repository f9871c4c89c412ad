"""`wfsync serve --all-tenants`: one login for every tenant's console, a picker that
another site cannot drive, the shown tenant named on every page, and a tenant's
own stored password opening nothing (real PostgreSQL)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.cluster.conftest import tenant_toml, unique
from wfsync.config import load_config
from wfsync.state import StateStore
from wfsync.web.auth import PASSWORD_KEY, hash_password

pytestmark = pytest.mark.postgres
TOKEN = "k" * 43


def _client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost")


async def test_one_login_a_picker_and_the_tenant_named(
    tenants: Any, cluster_config: Path, tmp_path: Path
) -> None:
    from wfsync.cluster.console import ClusterConsole

    first, second = sorted(unique(p) for p in ("aa", "bb"))
    for name in (first, second):
        tenants.add(name, tenant_toml(tmp_path, name).read_text())
    store = StateStore.open(tenants.state_url(second))
    try:
        store.set_value(PASSWORD_KEY, hash_password("tenant-only password"))
    finally:
        store.close()
    console = ClusterConsole(tenants, load_config(cluster_config, environ={}), login_token=TOKEN)
    async with _client(console) as client:
        assert (await client.get("/tenants")).status_code == 303  # to /login
        form = await client.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf is not None
        refused = await client.post(
            "/login", data={"password": "tenant-only password", "csrf": csrf.group(1)}
        )
        assert refused.status_code != 303  # a tenant's own password opens nothing
        assert (await client.get("/login?token=" + TOKEN)).status_code == 303
        home = await client.get("/")
        assert home.status_code == 200 and f"Tenant: {first}" in home.text
        picker = await client.get("/tenants")
        assert first in picker.text and second in picker.text
        token = re.search(r'name="csrf" value="([^"]+)"', picker.text)
        assert token is not None
        forged = await client.post("/tenants", data={"tenant": second})
        assert forged.status_code == 403  # no CSRF token: another site cannot switch it
        chosen = await client.post("/tenants", data={"tenant": second, "csrf": token.group(1)})
        assert chosen.status_code == 303
        home = await client.get("/")
        assert f"Tenant: {second}" in home.text
    async with _client(console) as stranger:
        assert (await stranger.get("/")).status_code in (303, 401)


async def test_the_tenants_page_is_an_overview_with_those_needing_a_person_first(
    tenants: Any, cluster_config: Path, tmp_path: Path, capsys: Any
) -> None:
    from datetime import UTC, datetime

    from wfsync.cli import run
    from wfsync.cluster.console import ClusterConsole
    from wfsync.runtime.pause import pause

    calm, inbox, held, off = sorted(unique(p) for p in ("a", "b", "c", "d"))
    for name in (calm, inbox, held, off):
        tenants.add(name, tenant_toml(tmp_path, name).read_text())
    tenants.set_enabled(off, False)
    now = datetime.now(UTC)

    def failed_then_many_events(s: Any) -> None:
        s.finish_run(s.start_run("fortnox").id, "failed", {}, "fortnox 401")
        for _ in range(25):  # targeted syncs must not crowd the direction's run out
            s.finish_run(s.start_run("event").id, "ok", {})

    for name, change in (
        (held, lambda s: pause(s, "fortnox", "6 failing runs in a row", now)),
        (inbox, lambda s: s.record_failure("customer", "webcrm", "7", "sync", "no", None, {})),
        (calm, failed_then_many_events),
    ):
        store = StateStore.open(tenants.state_url(name))
        try:
            change(store)
        finally:
            store.close()

    assert run(["--config", str(cluster_config), "tenants", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(t["name"], t["state"]) for t in listed] == [
        (held, "paused"),
        (calm, "failing"),
        (inbox, "attention"),
        (off, "disabled"),
    ]
    assert listed[0]["paused"] == {"fortnox": "6 failing runs in a row"}
    assert listed[1]["last_runs"]["fortnox"]["error"] == "fortnox 401"
    assert listed[2]["open_failures"] == 1

    console = ClusterConsole(tenants, load_config(cluster_config, environ={}), login_token=TOKEN)
    async with _client(console) as client:
        assert (await client.get("/login?token=" + TOKEN)).status_code == 303
        page = (await client.get("/tenants")).text
    rows = re.findall(r'<tr data-tenant="([^"]+)" data-state="([^"]+)"', page)
    assert rows == [(held, "paused"), (calm, "failing"), (inbox, "attention"), (off, "disabled")]
    assert "fortnox paused: 6 failing runs in a row" in page
    assert "4 tenant(s): 1 paused, 1 failing, 1 attention, 1 disabled" in page
