"""Fixtures for the state store: every test runs on SQLite and on PostgreSQL.

``state_url`` is a fresh database per test: a file in tmp_path for SQLite, a
fresh schema (the root ``postgres_url`` fixture) for PostgreSQL, which skips on
machines without PostgreSQL and fails in CI.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from wfsync.clock import FakeClock
from wfsync.state import StateStore

BACKENDS = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]


def sqlite_url(directory: Path, name: str = "state.db") -> str:
    return f"sqlite:///{directory / name}"


@pytest.fixture(params=BACKENDS)
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    url: str = request.getfixturevalue("postgres_url")
    # Tests need no durability across a server crash; skipping the commit fsync
    # makes each PostgreSQL test several times faster.
    return url + "%20-csynchronous_commit%3Doff"


@pytest.fixture
def store(state_url: str, clock: FakeClock) -> Iterator[StateStore]:
    opened = StateStore.open(state_url, clock=clock)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def other_store(state_url: str, clock: FakeClock) -> Iterator[StateStore]:
    """A second store on the same database, as another process would have."""
    opened = StateStore.open(state_url, clock=clock)
    try:
        yield opened
    finally:
        opened.close()
