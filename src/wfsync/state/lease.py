"""The single-writer lease: one process at a time writes through a state store.

Every command that can write to webCRM, Fortnox or the state store's sync
bookkeeping (``run`` per cycle, ``sync``, ``import``, ``retry``, ``skip``,
``unskip``, the dashboard's actions, event handlers) holds this lease while it
works. Two writers at once is how duplicates are made: both look for a record,
neither finds it, both create it.

The lease is the ``writer`` lock of :mod:`wfsync.state.lock` (``flock`` next to
a SQLite file, a session advisory lock on PostgreSQL), so a holder that is
killed — even with ``kill -9`` — releases it with its file descriptor or
connection, and the next writer takes it over without any timeout guessing.
Who holds it is written into the store (the ``lease``/``writer`` cursor) after
it is taken, so a writer that has to give up can name the holder.

Whoever takes the lease is, by definition, the only writer: a run still marked
``running`` was killed, so taking the lease also closes such runs as
``interrupted``.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from wfsync.clock import Clock
from wfsync.http.errors import WfsyncError
from wfsync.state.db import redact
from wfsync.state.lock import Lock, lock_for
from wfsync.state.records import StateError
from wfsync.state.store import StateStore

__all__ = ["DEFAULT_WAIT", "LeaseBusyError", "WriterLease", "describe_holder", "writer_lease"]

#: Seconds a second writer waits for the lease before giving up.
DEFAULT_WAIT = 30.0
POLL = 0.25
HOLDER_CURSOR = ("lease", "writer")


class LeaseBusyError(WfsyncError):
    """Another process is writing through this state store."""

    fatal_for_run = True


def describe_holder(command: str | None = None) -> str:
    """``wfsync retry (pid 123 on host)``: enough for an admin to find the process."""
    what = command or "wfsync " + " ".join(sys.argv[1:3]).strip()
    return f"{what} (pid {os.getpid()} on {socket.gethostname()})"


class WriterLease:
    """Re-entrant within one holder object: nested work of one process shares it."""

    def __init__(self, store: StateStore, holder: str, *, clock: Clock | None = None) -> None:
        self.store = store
        self.holder = holder
        self.clock = clock or store.clock
        self._lock: Lock | None = None
        self._engine: Engine | None = None
        self._depth = 0

    @property
    def held(self) -> bool:
        return self._lock is not None

    def _try(self) -> bool:
        url = self.store.engine.url
        if url.get_backend_name() == "postgresql":
            self._engine = self._engine or sa.create_engine(url, poolclass=NullPool)
            lock = lock_for(url, self._engine, "writer")
        else:
            lock = lock_for(url, self.store.engine, "writer")
        try:
            got = lock.try_acquire()
        except (OSError, sa.exc.DBAPIError) as exc:
            raise StateError(f"cannot take the writer lease on {redact(url)}: {exc}") from exc
        if got:
            self._lock = lock
        return got

    def _taken(self) -> None:
        self.store.set_cursor(*HOLDER_CURSOR, f"{self.holder} since {self.clock.now():%H:%M:%S}")
        self.store.mark_interrupted_runs()

    def _busy(self, wait: float) -> LeaseBusyError:
        holder = self.store.get_cursor(*HOLDER_CURSOR) or "another wfsync process"
        return LeaseBusyError(
            f"another wfsync process is writing to this state store: {holder}; waited "
            f"{wait:g} s — try again when it has finished"
        )

    async def acquire(self, wait: float = DEFAULT_WAIT) -> None:
        if self._depth == 0:
            deadline = self.clock.monotonic() + wait
            while not self._try():
                if self.clock.monotonic() >= deadline:
                    raise self._busy(wait)
                await self.clock.sleep(POLL)
            self._taken()
        self._depth += 1

    def acquire_blocking(self, wait: float = DEFAULT_WAIT) -> None:
        """For synchronous commands (``skip``): the same, sleeping the thread."""
        if self._depth == 0:
            deadline = time.monotonic() + wait  # real time: no event loop to yield to
            while not self._try():
                if time.monotonic() >= deadline:
                    raise self._busy(wait)
                time.sleep(POLL)
            self._taken()
        self._depth += 1

    def release(self) -> None:
        if self._depth == 0:
            return
        self._depth -= 1
        if self._depth:
            return
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @asynccontextmanager
    async def hold(self, wait: float = DEFAULT_WAIT) -> AsyncIterator[None]:
        await self.acquire(wait)
        try:
            yield
        finally:
            self.release()


@contextmanager
def writer_lease(
    store: StateStore, holder: str | None = None, *, wait: float = DEFAULT_WAIT
) -> Iterator[WriterLease]:
    """Hold the lease for a block of synchronous work (store-only writers)."""
    lease = WriterLease(store, holder or describe_holder())
    lease.acquire_blocking(wait)
    try:
        yield lease
    finally:
        lease.release()
