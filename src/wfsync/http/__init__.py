"""Shared HTTP plumbing for both vendor clients: errors, rate limiting, retries.

Both clients (``wfsync.fortnox`` and ``wfsync.webcrm``) are built on
:class:`~wfsync.http.core.HttpCore`, so retry, pacing and error classification are
written once.
"""

from wfsync.http.core import AuthHook, HttpCore, RequestOptions
from wfsync.http.errors import (
    ApiError,
    AuthError,
    ConfigError,
    LockedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
    ValidationError,
    WfsyncError,
)
from wfsync.http.ratelimit import SlidingWindowLimiter
from wfsync.http.retry import RetryPolicy

__all__ = [
    "ApiError",
    "AuthError",
    "AuthHook",
    "ConfigError",
    "HttpCore",
    "LockedError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestOptions",
    "RetryPolicy",
    "ServerError",
    "SlidingWindowLimiter",
    "TransportError",
    "ValidationError",
    "WfsyncError",
]
