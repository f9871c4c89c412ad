"""Shared fixtures.

PostgreSQL and Redis tests use the real servers on 127.0.0.1. On a machine
without them they skip with one line; in CI (``WFSYNC_REQUIRE_SERVICES=1``, set by
``.ci/run``) a missing server is a failure, never a skip.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator

import pytest

from wfsync.clock import FakeClock

REQUIRE_SERVICES = os.environ.get("WFSYNC_REQUIRE_SERVICES") == "1"
POSTGRES_ADMIN_URL = os.environ.get(
    "WFSYNC_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("WFSYNC_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _service_missing(name: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{name} is required in CI but does not answer on 127.0.0.1")
    pytest.skip(f"{name} not running on 127.0.0.1")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL schema for one test, dropped afterwards."""
    if not _port_open("127.0.0.1", 5432):
        _service_missing("PostgreSQL")
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def redis_url() -> str:
    if not _port_open("127.0.0.1", 6379):
        _service_missing("Redis")
    return REDIS_URL
