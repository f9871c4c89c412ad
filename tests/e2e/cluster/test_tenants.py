"""`wfsync tenants …` and `--tenant NAME` against the real PostgreSQL: tenants are
stored encrypted, each tenant's state lives in its own schema, a missing key is
one line."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.e2e.cluster.conftest import tenant_toml, unique
from wfsync.cli import run
from wfsync.state import StateStore

pytestmark = pytest.mark.postgres


def test_add_list_disable_enable_remove(
    tenants: Any, cluster_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = unique("acme")
    cfg = ["--config", str(cluster_config)]
    assert run([*cfg, "tenants", "add", name, "--config", str(tenant_toml(tmp_path, name))]) == 0
    hint = capsys.readouterr().err  # soft-wrapped: one line however narrow the terminal
    assert f"wfsync --config {cluster_config} import --tenant {name}" in hint  # pasteable
    assert run([*cfg, "tenants", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(t["name"], t["enabled"]) for t in listed] == [(name, True)]
    assert run([*cfg, "tenants", "disable", name]) == 0
    assert [t.enabled for t in tenants.list()] == [False]
    assert tenants.list(enabled_only=True) == []
    assert run([*cfg, "tenants", "enable", name]) == 0
    assert [t.name for t in tenants.list(enabled_only=True)] == [name]
    assert run([*cfg, "tenants", "add", name, "--config", str(tenant_toml(tmp_path, name))]) == 2
    assert "exists" in capsys.readouterr().err
    schema = tenants.get(name).schema
    assert run([*cfg, "tenants", "remove", name, "--drop-state"]) == 0
    assert tenants.list() == []
    with tenants.store.engine.connect() as conn:
        found = conn.execute(
            sa.text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"),
            {"s": schema},
        ).first()
    assert found is None


def test_settings_are_encrypted_at_rest_and_need_the_key(
    tenants: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cluster_config: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    name = unique("enc")
    tenants.add(name, tenant_toml(tmp_path, name).read_text())
    with tenants.store.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT config FROM tenants")).scalar_one()
    assert "very-secret-value" not in stored and "webcrm-secret-code" not in stored
    settings = tenants.settings_for(name)
    assert settings.fortnox.client_secret.get_secret_value() == "very-secret-value"
    assert tenants.get(name).schema in settings.state.url

    monkeypatch.delenv("WFSYNC_SECRET_KEY")
    assert run(["--config", str(cluster_config), "status", "--tenant", name]) == 2
    err = capsys.readouterr().err.strip()
    assert "WFSYNC_SECRET_KEY is not set" in err and len(err.splitlines()) == 1
    monkeypatch.setenv("WFSYNC_SECRET_KEY", "not-a-key")
    assert run(["--config", str(cluster_config), "status", "--tenant", name]) == 2
    assert "not a valid key" in capsys.readouterr().err


def test_key_rotation_keeps_settings_readable(
    tenants: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wfsync.fortnox.tokens import TokenSet
    from wfsync.state import SqlTokenStore, StateStore
    from wfsync.state.secrets import new_key, secret_box

    name = unique("rot")
    tenants.add(name, tenant_toml(tmp_path, name).read_text())
    saved = TokenSet(access_token="ACCESS-1", refresh_token="REFRESH-1", scope="customer")
    state = StateStore.open(tenants.state_url(name))
    asyncio.run(SqlTokenStore(state).save(saved))  # sealed with the old key
    old = __import__("os").environ["WFSYNC_SECRET_KEY"]
    fresh = new_key()
    monkeypatch.setenv("WFSYNC_SECRET_KEY", f"{fresh},{old}")
    tenants._box = secret_box(required=True)
    assert tenants.rotate_keys() == 1
    monkeypatch.setenv("WFSYNC_SECRET_KEY", fresh)  # the old key is gone at once
    tenants._box = secret_box(required=True)
    assert tenants.settings_for(name).webcrm.auth_code.get_secret_value() == "webcrm-secret-code"
    loaded = asyncio.run(SqlTokenStore(state).load())
    state.close()
    assert loaded is not None
    assert (loaded.access_token, loaded.refresh_token) == ("ACCESS-1", "REFRESH-1")


def test_a_bad_tenant_file_is_refused_with_one_line(
    tenants: Any, cluster_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[sync]\ndelivery_target = "banana"\n', encoding="utf-8")
    code = run(
        ["--config", str(cluster_config), "tenants", "add", unique("bad"), "--config", str(bad)]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and "delivery_target" in err and len(err.splitlines()) == 1
    assert tenants.list() == []


def test_each_tenant_state_is_its_own_schema_and_status_names_the_worker(
    tenants: Any, cluster_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two = unique("one"), unique("two")
    for name in (one, two):
        tenants.add(name, tenant_toml(tmp_path, name).read_text())
    store = StateStore.open(tenants.state_url(one))
    try:
        store.worker = "worker-a@host"
        run_id = store.start_run("webcrm").id
        store.finish_run(run_id, "ok", {})
    finally:
        store.close()
    assert run(["--config", str(cluster_config), "status", "--json", "--tenant", one]) == 0
    status = json.loads(capsys.readouterr().out)
    assert [(r["direction"], r["worker"]) for r in status["recent_runs"]] == [
        ("webcrm", "worker-a@host")
    ]
    assert status["recent_runs"][0]["finished_at"] is not None
    assert run(["--config", str(cluster_config), "status", "--json", "--tenant", two]) == 0
    assert json.loads(capsys.readouterr().out)["recent_runs"] == []


def test_tokens_are_encrypted_when_the_key_is_set(tenants: Any, tmp_path: Path) -> None:
    import asyncio
    from datetime import UTC, datetime, timedelta

    from wfsync.fortnox.tokens import TokenSet
    from wfsync.state import SqlTokenStore

    name = unique("tok")
    tenants.add(name, tenant_toml(tmp_path, name).read_text())
    store = StateStore.open(tenants.state_url(name))
    try:
        tokens = SqlTokenStore(store)
        now = datetime.now(UTC)
        saved = TokenSet(
            access_token="access-plain",
            access_expires_at=now + timedelta(hours=1),
            refresh_token="refresh-plain",
            refresh_expires_at=now + timedelta(days=45),
            scope="customer",
            tenant_id=None,
        )
        asyncio.run(tokens.save(saved))
        with store.engine.connect() as conn:
            raw = conn.execute(sa.text("SELECT access_token, refresh_token FROM tokens")).one()
        assert "plain" not in raw[0] and "plain" not in raw[1]
        loaded = asyncio.run(tokens.load())
        assert loaded is not None and loaded.refresh_token == "refresh-plain"
    finally:
        store.close()
