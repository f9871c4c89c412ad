"""InstanceLock: a second ``wfsync run`` on the same state is refused cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from wfsync.state import InstanceLock, StateError

HOLDER = """
import sys
from wfsync.state import InstanceLock
lock = InstanceLock(sys.argv[1])
print("held" if lock.acquire() else "refused", flush=True)
sys.stdin.readline()
"""


def test_second_acquire_is_refused_until_the_first_releases(state_url: str) -> None:
    first, second = InstanceLock(state_url), InstanceLock(state_url)

    assert first.acquire() is True
    assert first.acquire() is True  # already ours
    assert second.acquire() is False
    assert not second.acquired

    first.release()
    assert second.acquire() is True
    second.release()


def test_context_manager_acquires_and_releases(state_url: str) -> None:
    with InstanceLock(state_url) as running:
        assert running.acquired
        with InstanceLock(state_url) as another:
            assert not another.acquired
    with InstanceLock(state_url) as after:
        assert after.acquired


def test_release_without_acquire_is_harmless(state_url: str) -> None:
    lock = InstanceLock(state_url)
    lock.release()
    assert lock.acquire()
    lock.release()


@pytest.mark.slow
def test_a_lock_held_by_another_process_is_refused_and_freed_when_it_exits(
    state_url: str,
) -> None:
    holder = _start_holder(state_url)
    try:
        assert InstanceLock(state_url).acquire() is False
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)
    assert _eventually_acquired(state_url)


@pytest.mark.slow
def test_a_killed_holder_leaves_no_stale_lock(state_url: str) -> None:
    holder = _start_holder(state_url)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    assert _eventually_acquired(state_url)


def test_sqlite_lock_file_sits_next_to_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wfsync.db'}"
    with InstanceLock(url) as lock:
        assert lock.acquired
        assert (tmp_path / "wfsync.db.lock").exists()


def test_in_memory_sqlite_locks_within_the_process() -> None:
    with InstanceLock("sqlite://") as first:
        assert first.acquired
        assert InstanceLock("sqlite://").acquire() is False
    assert InstanceLock("sqlite://").acquire() is True
    InstanceLock("sqlite://").release()


@pytest.mark.postgres
def test_postgres_schemas_lock_independently(postgres_url: str) -> None:
    other_schema = make_url(postgres_url).difference_update_query(["options"])
    with InstanceLock(postgres_url) as tenant_a:
        assert tenant_a.acquired
        with InstanceLock(other_schema.render_as_string(hide_password=False)) as tenant_b:
            assert tenant_b.acquired


def test_unreachable_database_is_an_error_not_a_refusal(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="run lock"):
        InstanceLock("postgresql+psycopg://postgres@127.0.0.1:1/nowhere").acquire()
    with pytest.raises(StateError, match="run lock"):
        InstanceLock(f"sqlite:///{tmp_path / 'missing' / 'x.db'}").acquire()


def test_repr_hides_the_password() -> None:
    lock = InstanceLock("postgresql+psycopg://wfsync:hunter2@db.example/state")
    assert "hunter2" not in repr(lock) and "acquired=False" in repr(lock)


def _start_holder(url: str) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    return holder


def _eventually_acquired(url: str, within: float = 5.0) -> bool:
    """PostgreSQL notices a vanished client a moment later; poll briefly."""
    deadline = time.monotonic() + within
    lock = InstanceLock(url)
    while not lock.acquire():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    lock.release()
    return True
