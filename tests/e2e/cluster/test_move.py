"""Moving a single-tenant install in: `wfsync tenants add … --from-state` copies the
SQLite state (links, cursors, runs, inbox, tokens) into the tenant's schema."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.e2e.cluster.conftest import tenant_toml, unique
from wfsync.cli import run
from wfsync.fortnox.tokens import TokenSet
from wfsync.state import Link, SqlTokenStore, StateStore

pytestmark = pytest.mark.postgres


def test_a_single_tenant_state_moves_in_whole(
    tenants: Any,
    cluster_config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    secret_key: str,
) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'old.db'}"
    monkeypatch.delenv("WFSYNC_SECRET_KEY")  # the old install had no key: plain tokens
    old = StateStore.open(sqlite_url)
    try:
        kept = old.save_link(Link(kind="customer", webcrm_id="7", fortnox_id="1001"))
        old.set_cursor("webcrm", "organisations", "2026-12-01T10:00:00+00:00")
        run_id = old.start_run("webcrm").id
        old.finish_run(run_id, "ok", {"customer.unchanged": 3})
        old.record_failure("customer", "webcrm", "9", "sync", "Fortnox said no")
        now = datetime.now(UTC)
        asyncio.run(
            SqlTokenStore(old).save(
                TokenSet(
                    access_token="plain-access",
                    access_expires_at=now + timedelta(hours=1),
                    refresh_token="plain-refresh",
                    refresh_expires_at=now + timedelta(days=45),
                    scope="customer",
                )
            )
        )
    finally:
        old.close()
    monkeypatch.setenv("WFSYNC_SECRET_KEY", secret_key)  # the cluster has one
    name = unique("moved")
    toml = tenant_toml(tmp_path, name)
    code = run(
        [
            "--config",
            str(cluster_config),
            "tenants",
            "add",
            name,
            "--config",
            str(toml),
            "--from-state",
            sqlite_url,
        ]
    )
    assert code == 0
    moved = StateStore.open(tenants.state_url(name))
    try:
        link = moved.get_link("customer", webcrm_id="7")
        assert link is not None and link.fortnox_id == "1001" and link.id == kept.id
        assert moved.get_cursor("webcrm", "organisations") == "2026-12-01T10:00:00+00:00"
        assert [r.counts for r in moved.last_runs()] == [{"customer.unchanged": 3}]
        assert [f.source_id for f in moved.failures()] == ["9"]
        fresh = moved.save_link(Link(kind="customer", webcrm_id="8"))
        assert fresh.id is not None and fresh.id > kept.id  # ids continue, never reused
        with moved.engine.connect() as conn:
            raw = conn.execute(sa.text("SELECT refresh_token FROM tokens")).scalar_one()
        assert "plain" not in raw
        tokens = asyncio.run(SqlTokenStore(moved).load())
        assert tokens is not None and tokens.refresh_token == "plain-refresh"
    finally:
        moved.close()


def test_a_missing_source_state_is_one_line_and_adds_nothing(
    tenants: Any, cluster_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = unique("nosrc")
    code = run(
        [
            "--config",
            str(cluster_config),
            "tenants",
            "add",
            name,
            "--config",
            str(tenant_toml(tmp_path, name)),
            "--from-state",
            f"sqlite:///{tmp_path / 'nope.db'}",
        ]
    )
    assert code == 2 and "no state yet" in capsys.readouterr().err
    assert tenants.list() == []
