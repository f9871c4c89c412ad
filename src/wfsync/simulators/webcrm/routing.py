"""Case-insensitive routing and the request helpers every endpoint shares.

webCRM's paths hang off the root with no version segment, and a 2019 client
used lower-case paths successfully (reference §11), so templates match
case-insensitively. An ``{id:int}`` segment only matches an int32, as an ASP.NET
route constraint would; a path that matches a template but not the method is a
405 with an ``Allow`` header, an unknown path an empty 404. The matching itself
is the kit's :class:`~wfsync.simulators.kit.routing.RouteTable`; this module
picks webCRM's options for it and keeps what only webCRM has (its calls, JSON
bodies, paging).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from wfsync.simulators.kit.routing import RouteTable
from wfsync.simulators.webcrm.errors import ApiProblem, BadRequest, UnsupportedMediaType

__all__ = [
    "Call",
    "Handler",
    "Page",
    "Router",
    "empty",
    "json_response",
    "page_of",
    "paginate",
    "problem",
]

DEFAULT_PAGE_SIZE = 10
MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 1000
_JSON_TYPES = ("application/json", "text/json")


@dataclass
class Call:
    """One request as an endpoint sees it: the Starlette request plus path parameters."""

    request: Request
    params: dict[str, str]
    #: Display name of the application token that made the call (for …CreatedBy/UpdatedBy).
    actor: str = ""
    application_token: str = ""

    def int_param(self, name: str) -> int:
        return int(self.params[name])

    async def json_body(self) -> Any:
        """The parsed JSON body; 415 for a non-JSON content type, 400 for bad JSON."""
        content_type = self.request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in _JSON_TYPES and not (
            content_type.startswith("application/") and content_type.endswith("+json")
        ):
            raise UnsupportedMediaType(
                f"Content type '{content_type or '(none)'}' is not supported; "
                "send application/json."
            )
        raw = await self.request.body()
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("The request body is not valid JSON.") from None

    async def json_object(self) -> dict[str, Any]:
        body = await self.json_body()
        if not isinstance(body, dict):
            raise BadRequest("The request body must be a JSON object.")
        return body

    async def json_array(self) -> list[Any]:
        body = await self.json_body()
        if not isinstance(body, list):
            raise BadRequest("The request body must be a JSON array.")
        return body


Handler = Callable[[Call], Awaitable[Response]]


@dataclass
class Router:
    """Method + path template → handler, on the kit's table: any letter case in
    path and method, an optional trailing slash, ``{id:int}`` = int32."""

    table: RouteTable[Handler] = field(
        default_factory=lambda: RouteTable(case_insensitive=True, trailing_slash=True)
    )

    def add(self, method: str, template: str, handler: Handler) -> None:
        self.table.add(method.upper(), template, handler)

    def get(self, template: str, handler: Handler) -> None:
        self.add("GET", template, handler)

    def post(self, template: str, handler: Handler) -> None:
        self.add("POST", template, handler)

    def put(self, template: str, handler: Handler) -> None:
        self.add("PUT", template, handler)

    def patch(self, template: str, handler: Handler) -> None:
        self.add("PATCH", template, handler)

    def delete(self, template: str, handler: Handler) -> None:
        self.add("DELETE", template, handler)

    def resolve(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | list[str]:
        """The matching handler and parameters, or the methods the path allows (maybe
        none: a 404; else a 405 whose ``Allow`` header lists them)."""
        return self.table.resolve(method.upper(), path)


@dataclass(frozen=True)
class Page:
    number: int
    size: int


def page_of(call: Call) -> Page:
    """``Page`` (1…1 000 000, default 1) and ``Size`` (1…1000, default 10); 400 outside."""
    return Page(
        number=_bounded(call, "Page", 1, MAX_PAGE, 1),
        size=_bounded(call, "Size", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
    )


def _bounded(call: Call, name: str, low: int, high: int, default: int) -> int:
    raw = next(
        (
            value
            for key, value in call.request.query_params.multi_items()
            if key.lower() == name.lower()
        ),
        None,
    )
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"The value '{raw}' is not valid for {name}.") from None
    if not low <= value <= high:
        raise BadRequest(f"The field {name} must be between {low} and {high}.")
    return value


def paginate(items: list[Any], page: Page) -> list[Any]:
    start = (page.number - 1) * page.size
    return items[start : start + page.size]


def json_response(content: Any, status: int = 200) -> Response:
    body = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status_code=status, media_type="application/json; charset=utf-8")


def empty(status: int = 200) -> Response:
    return Response(b"", status_code=status)


def problem(error: ApiProblem) -> Response:
    return json_response(error.body(), status=error.status)
