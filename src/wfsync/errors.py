"""The root of wfsync's one exception tree, and the vendor-facing part of it.

Every error wfsync raises on purpose derives from :class:`WfsyncError`, so a
caller can catch broadly (the CLI turns any of them into one line on stderr).
The tree, with where each branch lives::

    WfsyncError
    ├── ConfigError                   bad or missing settings (exit 2)
    │   ├── MissingCustomFieldError   wfsync.webcrm.errors
    │   ├── SeedError                 wfsync.demo.world
    │   ├── NoStateYet                wfsync.cli.state_access: read-only, nothing there
    │   ├── InboxUsageError           wfsync.cli.sync_cmds: skip/unskip of a wrong id
    │   ├── MissingSecretKey          wfsync.state.secrets: WFSYNC_SECRET_KEY missing or bad
    │   └── TenantError               wfsync.cluster.tenants: no such tenant, name taken
    ├── ApiError                      a vendor answered with an error / not at all
    │   ├── AuthError                 credentials wrong, expired, revoked
    │   ├── PermissionDeniedError     authenticated, but no scope or licence
    │   ├── NotFoundError             the record is gone
    │   ├── ValidationError           the vendor rejected the data
    │   │   └── LockedError           booked invoice, invoiced/cancelled order
    │   ├── RateLimitError            429 (retried by the HTTP core)
    │   ├── ServerError               5xx (retried unless the request creates)
    │   ├── TransportError            timeout, refused, reset (likewise)
    │   ├── MalformedResponseError    2xx with a body the API does not document
    │   └── WaitBudgetExceeded        wfsync.http.core: a run waited long enough
    ├── StateError                    wfsync.state.records: the state store
    │   ├── RecordNotFoundError, AmbiguousLinkError, LinkClashError
    │   └── InboxStateError           skip/unskip of an entry in the wrong state
    ├── LeaseBusyError                wfsync.state.lease: another writer is busy
    ├── LeaseLostError                wfsync.cluster.lease: a stalled worker's lease was taken
    ├── RecordFailed                  wfsync.sync.context: one record, to the inbox
    ├── NotImportedError              wfsync.sync.engine: run `wfsync import` first
    └── AlreadyRunningError, RedirectError, EventSocketClosed, DemoDivergedError

Two class attributes tell the engine what to do with any of them:

* ``retriable``: retrying the same request later may succeed (rate limit,
  server error, transport failure) — the HTTP core retries these itself,
  within a cap;
* ``fatal_for_run``: nothing else in this run will work either (auth,
  permission, configuration, the writer lease); everything else is fatal for
  one record only, which goes to the error inbox while the run goes on.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiError",
    "AuthError",
    "ConfigError",
    "LockedError",
    "MalformedResponseError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "TransportError",
    "ValidationError",
    "WfsyncError",
]


class WfsyncError(Exception):
    """Root of every error wfsync raises on purpose."""

    #: Whether retrying the same request later may succeed.
    retriable: bool = False
    #: Whether the whole run must stop (as opposed to just this record).
    fatal_for_run: bool = False


class ConfigError(WfsyncError):
    """Bad or missing configuration; the message names the key."""

    fatal_for_run = True


class ApiError(WfsyncError):
    """A vendor answered with an error (or could not be reached).

    ``system`` is ``"fortnox"`` or ``"webcrm"``; ``code`` is the vendor's numeric
    error code where it sends one (Fortnox ``ErrorInformation.code``); ``message``
    is the vendor's own text, kept verbatim for the error inbox.
    """

    def __init__(
        self,
        message: str,
        *,
        system: str,
        status: int | None = None,
        code: int | None = None,
        body: Any = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.system = system
        self.status = status
        self.code = code
        self.body = body
        self.method = method
        self.url = url

    def __str__(self) -> str:
        parts = [f"{self.system}"]
        if self.status is not None:
            parts.append(str(self.status))
        if self.code is not None:
            parts.append(f"code {self.code}")
        where = f" ({self.method} {self.url})" if self.method and self.url else ""
        return f"{' '.join(parts)}: {self.message}{where}"


class AuthError(ApiError):
    """Credentials are missing, wrong, expired beyond refresh or revoked."""

    fatal_for_run = True


class PermissionDeniedError(ApiError):
    """Authenticated but not allowed (missing scope or licence)."""

    fatal_for_run = True


class NotFoundError(ApiError):
    """The record does not exist (any more)."""


class ValidationError(ApiError):
    """The vendor rejected the data (HTTP 400 and similar): fix the record."""


class LockedError(ValidationError):
    """The document is locked (booked invoice, invoiced or cancelled order)."""


class RateLimitError(ApiError):
    """HTTP 429. ``retry_after`` in seconds when the vendor said."""

    retriable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(ApiError):
    """HTTP 5xx."""

    retriable = True


class MalformedResponseError(ApiError):
    """A success status with a body the vendor's API does not document: not JSON
    (an HTML page from a proxy), or JSON of the wrong shape or types.

    Fatal for the record it belongs to, never for the process: the engine puts a
    bad record in the error inbox; a bad list page ends that direction's run
    with one line, its cursor not advanced. For a create it means "the create
    may have happened" — handled like a lost answer (:mod:`wfsync.sync.intents`).
    """


class TransportError(ApiError):
    """Timeout, refused or dropped connection: the vendor could not be reached."""

    retriable = True
