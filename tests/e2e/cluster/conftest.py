"""Fixtures for the cluster: a cluster state store in a fresh PostgreSQL schema,
a secret key, and tenants whose schemas are dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from wfsync.config import load_config
from wfsync.state.secrets import new_key


@pytest.fixture
def secret_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = new_key()
    monkeypatch.setenv("WFSYNC_SECRET_KEY", key)
    return key


@pytest.fixture
def cluster_config(tmp_path: Path, postgres_url: str, redis_url: str) -> Path:
    path = tmp_path / "cluster.toml"
    path.write_text(
        f'[state]\nurl = "{postgres_url}"\n\n[cluster]\nbroker_url = "{redis_url}"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def tenants(cluster_config: Path, secret_key: str) -> Iterator[object]:
    from wfsync.cluster.tenants import Tenants

    opened = Tenants.open(load_config(cluster_config, environ={}))
    try:
        yield opened
    finally:
        for tenant in opened.list():
            opened.remove(tenant.name, drop_state=True)
        opened.close()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def tenant_toml(tmp_path: Path, name: str, *, fortnox: str = "http://127.0.0.1:9/3") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(
        "[fortnox]\n"
        f'base_url = "{fortnox}"\n'
        'client_id = "id"\nclient_secret = "very-secret-value"\n\n'
        '[webcrm]\nauth_code = "webcrm-secret-code"\n',
        encoding="utf-8",
    )
    return path
