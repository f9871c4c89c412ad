"""Case-insensitive routing and the request helpers every endpoint shares.

webCRM's paths hang off the root with no version segment, and a 2019 client
used lower-case paths successfully (reference §11), so templates match
case-insensitively. An ``{id:int}`` segment only matches an int32, as an ASP.NET
route constraint would; a path that matches a template but not the method is a
405 with an ``Allow`` header, an unknown path an empty 404.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

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


_INT = r"-?\d{1,10}"
_PARAM = re.compile(r"\{(\w+)(?::(int))?\}")


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    int_params: tuple[str, ...]
    handler: Handler

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path)
        if found is None:
            return None
        params = found.groupdict()
        if any(not -(2**31) <= int(params[name]) < 2**31 for name in self.int_params):
            return None
        return params


@dataclass
class Router:
    """Method + path template → handler, matched case-insensitively."""

    routes: list[_Route] = field(default_factory=list)

    def add(self, method: str, template: str, handler: Handler) -> None:
        regex, int_params = "", []
        position = 0
        for param in _PARAM.finditer(template):
            regex += re.escape(template[position : param.start()])
            name, kind = param.group(1), param.group(2)
            regex += f"(?P<{name}>{_INT if kind else '[^/]+'})"
            if kind:
                int_params.append(name)
            position = param.end()
        regex += re.escape(template[position:]) + "/?"
        pattern = re.compile(regex, re.IGNORECASE)
        self.routes.append(_Route(method.upper(), pattern, tuple(int_params), handler))

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
        """The matching handler and parameters, or the methods the path allows (maybe none)."""
        allowed: list[str] = []
        for route in self.routes:
            params = route.match(path)
            if params is None:
                continue
            if route.method == method.upper():
                return route.handler, params
            allowed.append(route.method)
        return allowed


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
