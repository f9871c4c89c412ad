"""The vendor errors, as :mod:`wfsync.http` has always exported them.

The tree itself lives in :mod:`wfsync.errors` (its root for the whole product);
this module keeps the import path the HTTP layer and the adapters use.
"""

from wfsync.errors import (
    ApiError,
    AuthError,
    ConfigError,
    LockedError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
    ValidationError,
    WfsyncError,
)

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
