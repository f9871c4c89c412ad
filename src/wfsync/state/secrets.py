"""Secrets at rest: Fernet encryption keyed by ``WFSYNC_SECRET_KEY``.

The cluster keeps every tenant's wfsync.toml (client secrets, auth codes) and
every tenant's OAuth tokens in one shared PostgreSQL database, so they are
stored encrypted. The key comes from the environment, never from a file in the
database: ``WFSYNC_SECRET_KEY`` holds one or more Fernet keys separated by
commas (``wfsync tenants new-key`` makes one). The first key encrypts; every key
decrypts (:class:`cryptography.fernet.MultiFernet`), which is how a key is
rotated: put the new key first, keep the old one after it, run
``wfsync tenants rotate-key`` (re-encrypts everything), then drop the old key.

A single-tenant install without the variable keeps its tokens as before
(plain, in a 0600 SQLite file). With the variable set, tokens are encrypted on
their next save and plain ones are still read (so an install can move in).
"""

from __future__ import annotations

import os
from typing import Final

from wfsync.http.errors import ConfigError

__all__ = [
    "ENV_VAR",
    "MissingSecretKey",
    "SecretBox",
    "looks_encrypted",
    "new_key",
    "secret_box",
]

ENV_VAR: Final = "WFSYNC_SECRET_KEY"
#: Every Fernet token starts with version byte 0x80, base64url "gAAAAA".
_FERNET_PREFIX: Final = "gAAAAA"


class MissingSecretKey(ConfigError):
    """``WFSYNC_SECRET_KEY`` is missing or not a valid key (one line, exit 2)."""


def new_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode("ascii")


def looks_encrypted(value: str) -> bool:
    return value.startswith(_FERNET_PREFIX)


class SecretBox:
    """Encrypts with the first key, decrypts with any (MultiFernet)."""

    def __init__(self, keys: list[str]) -> None:
        from cryptography.fernet import Fernet, MultiFernet

        if not keys:
            raise MissingSecretKey(f"{ENV_VAR} is empty: make a key with `wfsync tenants new-key`")
        try:
            self._fernet = MultiFernet([Fernet(key.strip().encode("ascii")) for key in keys])
        except (ValueError, UnicodeEncodeError):
            raise MissingSecretKey(
                f"{ENV_VAR} is not a valid key (32 url-safe base64 bytes; make one with "
                "`wfsync tenants new-key`)"
            ) from None

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeEncodeError):
            raise MissingSecretKey(
                f"{ENV_VAR} cannot decrypt a stored secret: is the key that encrypted it "
                "still in the list (old keys stay after the new one while rotating)?"
            ) from None

    def rotate(self, token: str) -> str:
        """Re-encrypt ``token`` with the first key (after a key was added)."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")

    def __repr__(self) -> str:
        return "SecretBox(<keys hidden>)"


def secret_box(*, required: bool) -> SecretBox | None:
    """The box from ``WFSYNC_SECRET_KEY``; None when unset and not ``required``."""
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        if required:
            raise MissingSecretKey(
                f"{ENV_VAR} is not set: the cluster encrypts tenant secrets with it "
                "(make one with `wfsync tenants new-key`, keep it out of the database)"
            )
        return None
    return SecretBox([key for key in raw.split(",") if key.strip()])
