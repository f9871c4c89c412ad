"""Locks between processes that share one state database.

Two things must never run twice at once against the same state: a sync run
(``wfsync run``; two would race each other's creates) and a Fortnox token refresh
(refresh tokens are single-use). Both use the same primitives, chosen by backend:

* PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) held on a
  dedicated connection. The server drops it when that connection ends, so a
  crashed process never leaves it behind. The key includes the current schema,
  so tenants in separate schemas do not block each other.
* SQLite: ``flock`` on a file next to the database (``<db>.lock`` for runs). The
  kernel drops it when the process dies. ``flock`` locks belong to an open file,
  so a second lock object in the same process is refused too.
* In-memory SQLite: a lock local to this process (nothing else can see the db).

All ``try_acquire`` calls are non-blocking; waiting, where wanted, is the
caller's policy (see :mod:`wfsync.state.tokens`).
"""

from __future__ import annotations

import fcntl
import os
import re
import threading
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.pool import NullPool

from wfsync.state.db import advisory_key, parse_state_url, redact, sqlite_path
from wfsync.state.records import StateError

__all__ = ["AdvisoryLock", "FileLock", "InstanceLock", "ProcessLock", "lock_for"]


class Lock(Protocol):
    def try_acquire(self) -> bool: ...

    def release(self) -> None: ...


class FileLock:
    """An exclusive ``flock`` on ``path`` (created 0600 if missing)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the only descriptor drops the flock


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock held on its own connection."""

    def __init__(self, engine: Engine, purpose: str) -> None:
        self._engine = engine
        self._purpose = purpose
        self._conn: sa.Connection | None = None
        self._key = 0

    def try_acquire(self) -> bool:
        if self._conn is not None:
            return True
        conn = self._engine.connect()
        try:
            # Autocommit: the lock must not keep a transaction open while held.
            conn.execution_options(isolation_level="AUTOCOMMIT")
            key = advisory_key(conn, self._purpose)
            got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
            if not got.scalar_one():
                conn.close()
                return False
        except BaseException:
            conn.close()
            raise
        self._conn, self._key = conn, key
        return True

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
        except sa.exc.DBAPIError:
            conn.invalidate()  # a dropped session holds no locks; never pool a doubtful one
        finally:
            conn.close()


class ProcessLock:
    """A named lock within this process (for in-memory databases)."""

    _held: ClassVar[set[str]] = set()
    _guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, name: str) -> None:
        self._name = name
        self._mine = False

    def try_acquire(self) -> bool:
        with self._guard:
            if self._mine:
                return True
            if self._name in self._held:
                return False
            self._held.add(self._name)
            self._mine = True
            return True

    def release(self) -> None:
        with self._guard:
            if self._mine:
                self._held.discard(self._name)
                self._mine = False


def lock_for(url: URL, engine: Engine | None, purpose: str) -> Lock:
    """The right cross-process lock for ``purpose`` on the database at ``url``.

    ``engine`` is needed for PostgreSQL (the lock holds one of its connections).
    """
    if url.get_backend_name() == "postgresql":
        if engine is None:
            raise ValueError("a PostgreSQL lock needs an engine")
        return AdvisoryLock(engine, purpose)
    path = sqlite_path(url)
    if path is None:
        # Each in-memory engine is its own database: scope the lock to it when known.
        scope = f"engine-{id(engine)}" if engine is not None else redact(url)
        return ProcessLock(f"{scope}#{purpose}")
    if purpose == "instance":
        return FileLock(path.with_name(f"{path.name}.lock"))
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", purpose)
    return FileLock(path.with_name(f"{path.name}.{safe}.lock"))


class InstanceLock:
    """Refuses a second ``wfsync run`` against the same state.

    ``acquire()`` never blocks and returns False if another run holds the lock,
    so the CLI can print one line and exit. As a context manager it acquires on
    entry (check :attr:`acquired`) and releases on exit.
    """

    def __init__(self, url: str) -> None:
        self._url = parse_state_url(url)
        self._engine: Engine | None = None
        self._lock: Lock | None = None

    @property
    def acquired(self) -> bool:
        return self._lock is not None

    def acquire(self) -> bool:
        if self._lock is not None:
            return True
        if self._url.get_backend_name() == "postgresql" and self._engine is None:
            self._engine = sa.create_engine(self._url, poolclass=NullPool)
        lock = lock_for(self._url, self._engine, "instance")
        try:
            got = lock.try_acquire()
        except (OSError, sa.exc.DBAPIError) as exc:
            self._dispose()
            raise StateError(f"cannot take the run lock on {redact(self._url)}: {exc}") from exc
        if not got:
            self._dispose()
            return False
        self._lock = lock
        return True

    def release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()
        self._dispose()

    def _dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"InstanceLock({redact(self._url)!r}, acquired={self.acquired})"
