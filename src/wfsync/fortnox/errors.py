"""Fortnox error bodies → the shared :mod:`wfsync.http.errors` tree.

Fortnox reports errors in several shapes (reference §11): ``ErrorInformation``
with lower-case keys for validation errors, with *capitalised* keys for
not-found, a bare ``{"message": "unauthorized"}`` for a bad bearer token and
OAuth-style ``{"error", "error_description"}`` from the token endpoint. The
same numeric code can mean different things, so the class is chosen by HTTP
status first and the code/message refine it:

* scope/licence codes (2000663, 2001101, 2001103) are configuration problems,
  never worth retrying → :class:`PermissionDeniedError` whatever the status;
* a 4xx whose message says the document is booked, cancelled, invoiced or has
  rows tied to an order → :class:`LockedError`, so the engine can stop trying
  to write that document instead of filing a data error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import httpx

from wfsync.http.errors import (
    ApiError,
    AuthError,
    LockedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
)

__all__ = [
    "AUTH_CODES",
    "PERMISSION_CODES",
    "ErrorDetail",
    "is_locked_message",
    "map_error",
    "parse_error_body",
]

#: Token lacks the scope (2000663), module not licensed (2001101), no API licence (2001103).
PERMISSION_CODES = frozenset({2000663, 2001101, 2001103})
#: Legacy "invalid login" / "credentials missing".
AUTH_CODES = frozenset({2000310, 2000311})

# Swedish (and, defensively, English) stems of "this document can no longer be changed":
# bokförd/bokfört = booked, makulerad/makulerats = cancelled, fakturerad/fakturerats =
# invoiced, "har koppling till en order" = invoice rows tied to an order (§8.4, verbatim).
# Exact texts for most of these are not recorded (§16), hence stems, not sentences.
_LOCKED = re.compile(
    r"bokförd|bokfört|makuler|fakturerad|fakturerats|faktura (är |har )?(redan )?skapad"
    r"|har koppling till en order|\blåst|\bbooked\b|\bcancell?ed\b|\binvoiced\b|\blocked\b",
    re.IGNORECASE,
)


class ErrorDetail:
    """Code and message pulled out of any Fortnox error body."""

    __slots__ = ("code", "message")

    def __init__(self, code: int | None, message: str) -> None:
        self.code = code
        self.message = message


def _lower_keys(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {str(key).lower(): value for key, value in mapping.items()}


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_error_body(body: Any) -> ErrorDetail:
    """Find ``code`` and ``message`` case-insensitively in any of Fortnox's error shapes."""
    if not isinstance(body, Mapping):
        return ErrorDetail(None, str(body).strip() if body else "")
    top = _lower_keys(body)
    info = top.get("errorinformation")
    if isinstance(info, Mapping):
        fields = _lower_keys(info)
        return ErrorDetail(_as_int(fields.get("code")), str(fields.get("message") or "").strip())
    message = top.get("message") or top.get("error_description") or top.get("error") or ""
    return ErrorDetail(_as_int(top.get("code")), str(message).strip())


def _decode(response: httpx.Response) -> Any:
    """JSON whatever the Content-Type says (Fortnox labels JSON text/html at times)."""
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return response.text


def is_locked_message(message: str) -> bool:
    """Whether a rejection message says the document is booked/cancelled/invoiced."""
    return bool(_LOCKED.search(message))


def map_error(response: httpx.Response) -> ApiError:
    """The typed error for a failed Fortnox API response (HttpCore's ``error_mapper``)."""
    body = _decode(response)
    detail = parse_error_body(body)
    status = response.status_code
    message = detail.message or response.reason_phrase or f"HTTP {status}"
    kw: dict[str, Any] = {"system": "fortnox", "status": status, "code": detail.code, "body": body}
    if detail.code in PERMISSION_CODES:
        return PermissionDeniedError(message, **kw)
    if status == 401 or detail.code in AUTH_CODES:
        return AuthError(message, **kw)
    if status == 403:
        return PermissionDeniedError(message, **kw)
    if status == 404:
        return NotFoundError(message, **kw)
    if status == 429:
        return RateLimitError(message, **kw)
    if status >= 500:
        return ServerError(message, **kw)
    if is_locked_message(message):
        return LockedError(message, **kw)
    return ValidationError(message, **kw)
