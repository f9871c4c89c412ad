"""Transaction boundaries of the state store.

Every public store method runs in a *unit of work*: outside
:meth:`UnitOfWork.transaction` each call commits on its own; inside it, calls
join the open transaction, so writes that belong together (a new link and the
intent it finishes) commit together or not at all.

The open transaction is tracked in a :class:`~contextvars.ContextVar`, so it
belongs to the thread or asyncio task that opened it: another task using the
same store at the same time gets its own transactions and never commits (or
rolls back) someone else's half-done work. A transaction must not span an
``await``: a second task writing meanwhile on the same thread is refused with
a clear error rather than left to deadlock the event loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType, TracebackType
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from wfsync.clock import Clock
from wfsync.state.db import READ_ONLY, redact
from wfsync.state.models import Base
from wfsync.state.records import RecordNotFoundError, StateError

__all__ = ["UnitOfWork", "get_row"]

_Row = TypeVar("_Row", bound=Base)

#: id(store) -> the session of the transaction open in this context.
_OPEN: ContextVar[Mapping[int, Session]] = ContextVar(
    "wfsync_state_open_transactions", default=MappingProxyType({})
)


class UnitOfWork:
    """Sessions and transactions over one state database engine."""

    def __init__(self, engine: Engine, *, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        #: Threads on which a transaction of this store is open (see _refuse_if_thread_busy).
        self._busy_threads: set[int] = set()
        #: The cluster worker writing through this store, recorded with each run.
        self.worker: str | None = None
        #: Called at the start of every write transaction (the cluster's fencing check,
        #: :mod:`wfsync.cluster.lease`); raising aborts the write before anything is sent.
        self.fence: Callable[[Session], None] | None = None

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({redact(self._engine.url)!r})"

    def close(self) -> None:
        """Close all pooled connections. The store is unusable afterwards."""
        self._engine.dispose()

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: all of them commit at the end, or none if an exception escapes.

        Nested use joins the outer transaction (only the outermost commits). Keep
        transactions short and never hold one across a network call: on SQLite it
        holds the database's write lock.
        """
        if self._joined() is not None:
            yield
            return
        self._refuse_if_thread_busy()
        thread = threading.get_ident()
        with self._sessions() as session, session.begin():
            self._check_fence(session)
            token = _OPEN.set({**_OPEN.get(), id(self): session})
            self._busy_threads.add(thread)
            try:
                yield
            finally:
                self._busy_threads.discard(thread)
                _OPEN.reset(token)

    def _joined(self) -> Session | None:
        return _OPEN.get().get(id(self))

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """A session that writes: the open transaction, or one committed on exit."""
        joined = self._joined()
        if joined is not None:
            yield joined
            return
        self._refuse_if_thread_busy()
        with self._sessions() as session, session.begin():
            self._check_fence(session)
            yield session

    def _check_fence(self, session: Session) -> None:
        if self.fence is not None:
            self.fence(session)

    def _refuse_if_thread_busy(self) -> None:
        """Fail fast instead of deadlocking the event loop.

        If another asyncio task on this thread holds a transaction open across an
        ``await``, a write here would wait for that transaction's lock (SQLite's
        write lock, or a PostgreSQL row lock) while blocking the very thread that
        must finish it.
        """
        if threading.get_ident() in self._busy_threads:
            raise StateError(
                "another task on this thread has a state transaction open; "
                "do not await inside store.transaction()"
            )

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A session that only reads; outside a transaction it takes no write lock."""
        joined = self._joined()
        if joined is not None:
            yield joined
            return
        with self._sessions() as session:
            session.connection(execution_options={READ_ONLY: True})
            yield session

    def _independent(self) -> Session:
        """A session outside any open transaction, for writes that must commit at once
        whatever the caller is doing (token rotation)."""
        return self._sessions()


def get_row(session: Session, model: type[_Row], row_id: int) -> _Row:
    """The row with this id, or a clear error naming the table (a caller bug)."""
    row = session.get(model, row_id)
    if row is None:
        raise RecordNotFoundError(f"no {model.__tablename__} row with id {row_id}")
    return row
