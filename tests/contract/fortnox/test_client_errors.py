"""Fortnox error bodies (§11) → the shared exception tree, code and message kept."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from wfsync.fortnox.errors import map_error
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

REQUEST = httpx.Request("GET", "https://api.fortnox.se/3/customers/99")


def respond(status: int, body: Any, content_type: str = "application/json") -> httpx.Response:
    content = body if isinstance(body, bytes) else httpx.Response(200, json=body).content
    return httpx.Response(
        status, content=content, headers={"Content-Type": content_type}, request=REQUEST
    )


def info(code: int, message: str, *, capitalised: bool = False) -> dict[str, Any]:
    keys = ("Error", "Message", "Code") if capitalised else ("error", "message", "code")
    return {"ErrorInformation": dict(zip(keys, (1, message, code), strict=True))}


def test_not_found_with_capitalised_keys() -> None:
    error = map_error(respond(404, info(2000433, "Kan inte hitta kunden.", capitalised=True)))
    assert type(error) is NotFoundError
    assert (error.status, error.code, error.message) == (404, 2000433, "Kan inte hitta kunden.")
    assert error.system == "fortnox"
    assert "code 2000433" in str(error)


def test_validation_with_lower_case_keys() -> None:
    error = map_error(respond(400, info(2000587, "Ett ogiltigt filter har använts.")))
    assert type(error) is ValidationError
    assert (error.code, error.message) == (2000587, "Ett ogiltigt filter har använts.")
    assert not error.retriable and not error.fatal_for_run


@pytest.mark.parametrize(
    "message",
    [
        "En eller flera rader har koppling till en order, det går därför inte att uppdatera "
        "raderna via API.",
        "Fakturan är bokförd och kan inte ändras.",
        "Ordern är makulerad.",
        "Ordern har redan fakturerats och kan inte ändras.",
        "Invoice is booked",
    ],
)
def test_locked_documents(message: str) -> None:
    error = map_error(respond(400, info(2000906, message)))
    assert type(error) is LockedError
    assert isinstance(error, ValidationError)  # the engine may treat it as a record error
    assert error.message == message


@pytest.mark.parametrize(
    ("status", "code"), [(403, 2000663), (400, 2000663), (400, 2001101), (403, None)]
)
def test_scope_and_licence_errors_are_permission_errors(status: int, code: int | None) -> None:
    body = info(code, "Det finns ingen aktiv licens för önskat scope") if code else {}
    error = map_error(respond(status, body))
    assert type(error) is PermissionDeniedError
    assert error.fatal_for_run
    assert error.code == code


def test_bare_unauthorized_body() -> None:
    error = map_error(respond(401, {"message": "unauthorized"}))
    assert type(error) is AuthError
    assert error.message == "unauthorized"
    assert error.fatal_for_run


def test_legacy_login_code_is_auth() -> None:
    assert type(map_error(respond(400, info(2000310, "Ogiltig inloggning")))) is AuthError


def test_rate_limit_and_server_errors_are_retriable() -> None:
    limited = map_error(respond(429, {"message": "Too Many Requests"}))
    assert type(limited) is RateLimitError and limited.retriable
    assert isinstance(limited, RateLimitError) and limited.retry_after is None
    server = map_error(respond(500, info(1000003, "System exception")))
    assert type(server) is ServerError and server.retriable and server.code == 1000003


def test_json_labelled_as_html_is_still_parsed() -> None:
    error = map_error(respond(400, info(2001399, "Felaktigt fältnamn"), "text/html; charset=UTF-8"))
    assert error.code == 2001399


def test_non_json_body_keeps_text() -> None:
    error = map_error(respond(502, b"<html>Bad gateway</html>", "text/html"))
    assert isinstance(error, ServerError)
    assert error.body == "<html>Bad gateway</html>"
    assert isinstance(error, ApiError)
