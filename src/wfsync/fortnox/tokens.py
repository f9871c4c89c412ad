"""Where Fortnox tokens live between runs, and how refreshes are serialised.

Fortnox refresh tokens are single-use and rotate on every refresh: spending one
twice locks the integration out until a user re-consents. So the refresher
holds :meth:`TokenStore.exclusive` across *load → refresh → save*, and the new
token is saved before the new access token is used. Any store (memory, file,
the SQL state store) that implements this protocol can back the client.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel

__all__ = ["MemoryTokenStore", "TokenSet", "TokenStore"]


class TokenSet(BaseModel):
    access_token: str = ""
    #: Aware UTC instant after which the access token is no longer accepted.
    access_expires_at: datetime | None = None
    #: None for the client-credentials flow, which has no refresh token.
    refresh_token: str | None = None
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
