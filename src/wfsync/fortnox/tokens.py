"""Where Fortnox tokens live between runs, and how refreshes are serialised.

Fortnox refresh tokens are single-use and rotate on every refresh: spending one
twice locks the integration out until a user re-consents. So the refresher
holds :meth:`TokenStore.exclusive` across *load → refresh → save*, and the new
token is saved before the new access token is used. Any store (memory, file,
the SQL state store) that implements this protocol can back the client.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, Field

__all__ = ["FileTokenStore", "MemoryTokenStore", "TokenSet", "TokenStore"]


class TokenSet(BaseModel):
    access_token: str = Field(default="", repr=False)
    #: Aware UTC instant after which the access token is no longer accepted.
    access_expires_at: datetime | None = None
    #: None for the client-credentials flow, which has no refresh token.
    refresh_token: str | None = Field(default=None, repr=False)
    refresh_expires_at: datetime | None = None
    scope: str = ""
    tenant_id: str | None = None


class TokenStore(Protocol):
    async def load(self) -> TokenSet | None: ...

    async def save(self, tokens: TokenSet) -> None: ...

    def exclusive(self) -> AbstractAsyncContextManager[None]:
        """Hold while reading, refreshing and saving; excludes other holders,
        in this process and (for persistent stores) in other processes."""
        ...


class MemoryTokenStore:
    """In-process store (tests, demo)."""

    def __init__(self, tokens: TokenSet | None = None) -> None:
        self.tokens = tokens
        self.saves = 0
        self._lock = asyncio.Lock()

    async def load(self) -> TokenSet | None:
        return self.tokens.model_copy() if self.tokens else None

    async def save(self, tokens: TokenSet) -> None:
        self.tokens = tokens.model_copy()
        self.saves += 1

    def exclusive(self) -> AbstractAsyncContextManager[None]:
        return self._hold()

    @asynccontextmanager
    async def _hold(self) -> AsyncIterator[None]:
        async with self._lock:
            yield


class FileTokenStore:
    """Tokens in a JSON file readable only by its owner (mode 0600).

    For a single machine without a database (laptop installs, ``wfsync connect``
    before the state store exists). :meth:`exclusive` holds an ``flock`` on a
    sibling ``<name>.lock`` file, so two processes — or two stores on the same
    file in one process — take turns at refreshing. The lock lives on a separate
    file because :meth:`save` replaces the token file atomically (write a temp
    file, fsync, rename), and a lock on a replaced inode would protect nothing.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._lock = asyncio.Lock()

    async def load(self) -> TokenSet | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        if not text.strip():
            return None
        return TokenSet.model_validate(json.loads(text))

    async def save(self, tokens: TokenSet) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)  # O_CREAT's mode is filtered by the umask; be explicit
            os.write(fd, tokens.model_dump_json(indent=2).encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, self.path)

    def exclusive(self) -> AbstractAsyncContextManager[None]:
        return self._hold()

    @asynccontextmanager
    async def _hold(self) -> AsyncIterator[None]:
        async with self._lock:  # tasks of this store first, then the OS lock across processes
            self.lock_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
