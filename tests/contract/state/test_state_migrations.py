"""Schema management: migrations run from code, are linear, and match the models."""

from __future__ import annotations

import stat
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from wfsync.clock import FakeClock
from wfsync.state import Link, StateError, StateStore
from wfsync.state.db import (
    alembic_config,
    create_state_engine,
    current_revision,
    head_revision,
    parse_state_url,
)
from wfsync.state.models import Base

TABLES = {"links", "intents", "cursors", "runs", "conflicts", "failures", "tokens"}
#: The operator's console (issue #14).
TABLES |= {"console_values", "console_requests", "record_history"}
TABLES |= {"tenants", "cluster_leases"}


def test_a_fresh_database_is_brought_to_head(state_url: str, clock: FakeClock) -> None:
    store = StateStore.open(state_url, clock=clock)
    try:
        assert current_revision(store.engine) == head_revision()
        tables = set(sa.inspect(store.engine).get_table_names())
        assert tables == TABLES | {"alembic_version"}
    finally:
        store.close()


def test_opening_again_is_idempotent_and_keeps_data(state_url: str, clock: FakeClock) -> None:
    with StateStore.open(state_url, clock=clock) as first:
        first.save_link(Link(kind="customer", webcrm_id="1"))
    with StateStore.open(state_url, clock=clock) as second:
        assert second.get_link("customer", webcrm_id="1") is not None
        assert current_revision(second.engine) == head_revision()


def test_concurrent_first_opens_both_succeed(state_url: str, clock: FakeClock) -> None:
    errors: list[BaseException] = []

    def open_and_close() -> None:
        try:
            StateStore.open(state_url, clock=clock).close()
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=open_and_close) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    engine = create_state_engine(state_url)
    try:
        with engine.connect() as conn:
            versions = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
        assert [row[0] for row in versions] == [head_revision()]
    finally:
        engine.dispose()


def test_revision_history_is_linear() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    revisions = list(scripts.walk_revisions())

    assert len(scripts.get_heads()) == 1
    assert len(scripts.get_bases()) == 1
    for script in revisions:
        assert not isinstance(script.down_revision, tuple | list), script.revision
        assert not script.branch_labels
    # Walking down from the head visits every revision exactly once.
    assert len({script.revision for script in revisions}) == len(revisions)
    assert revisions[0].revision == head_revision()


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_migrations_create_exactly_what_the_models_declare(
    state_url: str, clock: FakeClock
) -> None:
    with StateStore.open(state_url, clock=clock) as store, store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_a_database_from_a_newer_wfsync_is_refused(state_url: str, clock: FakeClock) -> None:
    StateStore.open(state_url, clock=clock).close()
    engine = create_state_engine(state_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()

    with pytest.raises(StateError, match="newer version"):
        StateStore.open(state_url, clock=clock)


def test_unsupported_or_unreachable_databases_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="unsupported state database 'mysql'"):
        StateStore.open("mysql://root@localhost/wfsync")
    with pytest.raises(StateError, match="cannot create the state database"):
        StateStore.open(f"sqlite:///{tmp_path / 'no-such-dir' / 'wfsync.db'}")
    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("this is not SQLite\n" * 200)
    with pytest.raises(StateError, match="cannot open state database"):
        StateStore.open(f"sqlite:///{not_a_database}")
    with pytest.raises(StateError, match="cannot open state database") as caught:
        StateStore.open("postgresql+psycopg://wfsync:hunter2@127.0.0.1:1/state")
    assert "hunter2" not in str(caught.value)


def test_postgres_urls_default_to_the_psycopg_driver() -> None:
    assert parse_state_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert parse_state_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert parse_state_url("sqlite:///x.db").drivername == "sqlite"


def test_sqlite_file_is_private_and_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "wfsync.db"
    with StateStore.open(f"sqlite:///{path}") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert (conn.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0) >= 5000
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_in_memory_sqlite_works_for_quick_experiments(clock: FakeClock) -> None:
    with StateStore.open("sqlite://", clock=clock) as store:
        store.save_link(Link(kind="article", fortnox_id="A1"))
        with store.transaction():
            store.set_cursor("fortnox", "articles", "c")
        assert store.get_link("article", fortnox_id="A1") is not None
        assert store.get_cursor("fortnox", "articles") == "c"


@pytest.mark.postgres
def test_postgres_times_are_utc_whatever_the_session_time_zone(
    postgres_url: str, clock: FakeClock
) -> None:
    new_york = postgres_url + "%20-cTimeZone%3DAmerica/New_York"
    with StateStore.open(new_york, clock=clock) as store:
        run = store.start_run("webcrm")
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW TimeZone").scalar() == "America/New_York"
        [listed] = store.last_runs()
    assert listed.started_at == run.started_at == clock.now()
    assert listed.started_at.utcoffset() is not None
    assert listed.started_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_opening_an_up_to_date_database_does_not_wait_for_a_writer(
    store: StateStore, state_url: str, clock: FakeClock
) -> None:
    with store.transaction():
        store.save_link(Link(kind="customer", webcrm_id="1"))  # SQLite: holds the write lock
        started = time.monotonic()
        StateStore.open(state_url, clock=clock).close()  # what `wfsync status` does
        assert time.monotonic() - started < 5
