"""Fortnox tokens in the state database (:class:`wfsync.fortnox.tokens.TokenStore`).

Fortnox refresh tokens are single-use: if two processes refresh with the same
one, the loser locks the integration out. :meth:`SqlTokenStore.exclusive` is
therefore held across *load → refresh → save* and excludes

* other tasks of this process (an :class:`asyncio.Lock`), and
* other processes on the same state (a PostgreSQL advisory lock, or a
  ``flock`` on ``<db>.tokens-<name>.lock`` next to a SQLite file).

A file lock rather than ``BEGIN IMMEDIATE`` on SQLite, because a refresh is a
network call and the write lock of the whole database must not be held across
one. Every :meth:`~SqlTokenStore.save` commits at once, outside any open
:meth:`~wfsync.state.StateStore.transaction`, so a process that acquires the lock
next and loads sees the rotated token.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Final

from wfsync.fortnox.tokens import TokenSet
from wfsync.state.db import READ_ONLY
from wfsync.state.lock import lock_for
from wfsync.state.models import TokenRow
from wfsync.state.records import StateError
from wfsync.state.secrets import looks_encrypted, secret_box
from wfsync.state.store import StateStore

__all__ = ["SqlTokenStore"]

#: How often a waiting process asks again for the lock another process holds (s).
POLL_INTERVAL: Final = 0.05
#: Give up waiting after this long: a refresh takes seconds, not minutes (s).
WAIT_LIMIT: Final = 120.0


class SqlTokenStore:
    """Tokens of one named connection (``"fortnox"``) in a :class:`StateStore`.

    Database calls are short and made directly from the event loop. Waiting for
    a lock held by *another process* polls in real time (``asyncio.sleep``), not
    on the store's clock: a fake clock cannot make another process hurry.
    """

    def __init__(
        self,
        store: StateStore,
        name: str = "fortnox",
        *,
        poll_interval: float = POLL_INTERVAL,
        wait_limit: float = WAIT_LIMIT,
    ) -> None:
        self._store = store
        self.name = name
        self._poll_interval = poll_interval
        self._wait_limit = wait_limit
        self._local = asyncio.Lock()
        #: Tokens are encrypted at rest when WFSYNC_SECRET_KEY is set (wfsync.state.secrets).
        self._box = secret_box(required=False)

    def _open(self, value: str) -> str:
        if not looks_encrypted(value):
            return value  # stored before a key was set: read as is, encrypted on next save
        box = self._box or secret_box(required=True)
        assert box is not None
        return box.decrypt(value)

    def _seal(self, value: str) -> str:
        return self._box.encrypt(value) if self._box is not None else value

    def __repr__(self) -> str:
        return f"SqlTokenStore(name={self.name!r}, store={self._store!r})"

    async def load(self) -> TokenSet | None:
        with self._store._independent() as session:
            session.connection(execution_options={READ_ONLY: True})
            row = session.get(TokenRow, self.name)
            if row is None:
                return None
            return TokenSet(
                access_token=self._open(row.access_token),
                access_expires_at=row.access_expires_at,
                refresh_token=self._open(row.refresh_token) if row.refresh_token else None,
                refresh_expires_at=row.refresh_expires_at,
                scope=row.scope,
                tenant_id=row.tenant_id,
            )

    async def save(self, tokens: TokenSet) -> None:
        with self._store._independent() as session, session.begin():
            row = session.get(TokenRow, self.name)
            if row is None:
                row = TokenRow(name=self.name)
                session.add(row)
            row.access_token = self._seal(tokens.access_token)
            row.access_expires_at = tokens.access_expires_at
            row.refresh_token = self._seal(tokens.refresh_token) if tokens.refresh_token else None
            row.refresh_expires_at = tokens.refresh_expires_at
            row.scope = tokens.scope
            row.tenant_id = tokens.tenant_id
            row.updated_at = self._store.clock.now()

    def exclusive(self) -> AbstractAsyncContextManager[None]:
        return self._hold()

    @asynccontextmanager
    async def _hold(self) -> AsyncIterator[None]:
        async with self._local:
            engine = self._store.engine
            lock = lock_for(engine.url, engine, f"tokens-{self.name}")
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self._wait_limit
            while not lock.try_acquire():
                if loop.time() >= deadline:
                    raise StateError(
                        f"another process has held the {self.name} token lock for "
                        f"{self._wait_limit:.0f} s; is a refresh stuck?"
                    )
                await asyncio.sleep(self._poll_interval)
            try:
                yield
            finally:
                lock.release()
