"""webCRM error responses → the shared :mod:`wfsync.http.errors` tree.

webCRM documents only two error shapes: ``401`` with no body and ``429`` with
``{"RetryAfterSeconds", "Message", "Type"}`` (reference §3.6-3.7). 400/404/500
bodies are undocumented; ASP.NET hints at ``{"Message", "Type"}`` or a
ProblemDetails object (``{"title", "errors"}``). So we branch on the status
code only and dig a human message out of whatever body came back, keeping the
raw body on the exception for the error inbox.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from wfsync.http.errors import (
    ApiError,
    AuthError,
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
)

__all__ = ["MissingCustomFieldError", "error_message", "map_error", "retry_after"]

SYSTEM = "webcrm"


class MissingCustomFieldError(ConfigError):
    """A configured custom-field slot is not set up in this webCRM tenant.

    Raised before a write that would silently drop the value: webCRM cannot
    create custom fields through the API, so an admin has to configure the slot
    in the webCRM UI (or the slot name in ``[webcrm.custom_fields]`` is wrong).
    """

    def __init__(self, slot: str, *, logical: str | None = None, available: list[str]) -> None:
        name = f"custom field {logical} → {slot}" if logical else f"custom field {slot}"
        listed = ", ".join(available) if available else "none"
        super().__init__(f"{name} does not exist in webCRM (configured slots: {listed})")
        self.slot = slot
        self.logical = logical
        self.available = available


def _body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text


def error_message(body: Any, status: int) -> str:
    """webCRM's own words if the body has any, else ``HTTP <status>``."""

    if isinstance(body, dict):
        for key in (
            "Message",
            "message",
            "ErrorMessage",
            "ErrorDescription",
            "Error",
            "error",
            "title",
        ):
            text = body.get(key)
            if isinstance(text, str) and text.strip():
                message = text.strip()
                break
        else:
            message = ""
        details = body.get("errors")
        if isinstance(details, dict):  # ASP.NET ProblemDetails validation errors
            found = [
                f"{field}: {' '.join(str(m) for m in msgs) if isinstance(msgs, list) else msgs}"
                for field, msgs in details.items()
            ]
            message = "; ".join(filter(None, [message, *found]))
        if message:
            return message
    elif isinstance(body, str) and body.strip():
        text = body.strip()
        return text if len(text) <= 500 else text[:500] + "…"
    return f"HTTP {status}"


def retry_after(response: httpx.Response, body: Any) -> float | None:
    """Seconds to wait after a 429: the ``Retry-After`` header, else ``RetryAfterSeconds``."""

    header = response.headers.get("Retry-After")
    if header is not None:
        try:
            return max(0.0, float(header))
        except ValueError:
            pass  # an HTTP date; fall back to the body
    if isinstance(body, dict):
        seconds = body.get("RetryAfterSeconds")
        if isinstance(seconds, int | float) and not isinstance(seconds, bool):
            return max(0.0, float(seconds))
        if isinstance(seconds, str):
            try:
                return max(0.0, float(seconds))
            except ValueError:
                return None
    return None


def map_error(response: httpx.Response) -> ApiError:
    """The exception for a webCRM response with status ≥ 400 (used by HttpCore)."""

    status = response.status_code
    body = _body(response)
    message = error_message(body, status)
    common: dict[str, Any] = {"system": SYSTEM, "status": status, "body": body}
    if status == 401:
        return AuthError(
            message if body else "webCRM rejected the access token (HTTP 401)", **common
        )
    if status == 403:
        return PermissionDeniedError(message, **common)
    if status == 404:
        return NotFoundError(message, **common)
    if status == 429:
        return RateLimitError(message, retry_after=retry_after(response, body), **common)
    if status >= 500:
        return ServerError(message, **common)
    if status in (400, 409, 412, 422):
        return ValidationError(message, **common)
    return ApiError(message, **common)
