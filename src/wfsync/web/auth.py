"""Who may use the console: password hashes, sessions, login throttling.

* The password is stored only as a salted scrypt hash (``scrypt$n$r$p$salt$hash``),
  in the state store by `wfsync web set-password`, or as ``[web]
  admin_password_hash`` in the config, which wins.
* Without any password, `wfsync serve` prints a one-time login URL carrying a
  long random token (as Jupyter does): usable once, then gone.
* Sessions live in the serving process (a restart logs everyone out). Each has
  its own CSRF token that every POST must carry.
* Failed logins are counted per client address; too many in a window answer
  429 until the window has passed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from wfsync.clock import Clock

__all__ = [
    "PASSWORD_KEY",
    "LoginThrottle",
    "Session",
    "Sessions",
    "hash_password",
    "verify_password",
]

#: Where `wfsync web set-password` keeps the hash in the state store.
PASSWORD_KEY: Final = "web.password_hash"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SESSION_LIFETIME: Final = timedelta(hours=12)
MIN_PASSWORD_LENGTH: Final = 8


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(digest)
        got = hashlib.scrypt(
            password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def looks_like_hash(text: str) -> bool:
    return text.startswith("scrypt$") and text.count("$") == 5


@dataclass
class Session:
    csrf: str
    expires: datetime


class Sessions:
    """Session cookies of this process, and the one-time login token."""

    def __init__(self, clock: Clock, *, login_token: str | None = None) -> None:
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._login_token = login_token

    def create(self) -> tuple[str, Session]:
        key = secrets.token_urlsafe(32)
        session = Session(secrets.token_urlsafe(32), self._clock.now() + SESSION_LIFETIME)
        self._sessions[key] = session
        return key, session

    def get(self, key: str | None) -> Session | None:
        if not key:
            return None
        session = self._sessions.get(key)
        if session is None or session.expires <= self._clock.now():
            self._sessions.pop(key, None)
            return None
        return session

    def end(self, key: str | None) -> None:
        if key:
            self._sessions.pop(key, None)

    @property
    def token_pending(self) -> bool:
        return self._login_token is not None

    def use_login_token(self, token: str) -> bool:
        """True once for the right token; it cannot be used again."""
        expected = self._login_token
        if expected is None or not hmac.compare_digest(token.encode(), expected.encode()):
            return False
        self._login_token = None
        return True


class LoginThrottle:
    """At most ``limit`` failed logins per client in ``window``."""

    def __init__(
        self, clock: Clock, *, limit: int = 5, window: timedelta = timedelta(minutes=5)
    ) -> None:
        self._clock = clock
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[datetime]] = defaultdict(deque)

    def _recent(self, client: str) -> deque[datetime]:
        failures = self._failures[client]
        cutoff = self._clock.now() - self.window
        while failures and failures[0] <= cutoff:
            failures.popleft()
        return failures

    def blocked(self, client: str) -> bool:
        return len(self._recent(client)) >= self.limit

    def failed(self, client: str) -> None:
        self._recent(client).append(self._clock.now())

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)
