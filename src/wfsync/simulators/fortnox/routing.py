"""The seam between HTTP and the resource modules: calls, replies and the route table.

Handlers are plain synchronous functions ``handler(call, **path_params) -> Reply``:
they never await, so one request's read-modify-write cannot interleave with
another's, exactly as one transaction on the real server.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from starlette.datastructures import QueryParams

from wfsync.simulators.fortnox.schema import parse_body, unwrap
from wfsync.simulators.fortnox.store import TenantStore

__all__ = ["Call", "Handler", "Reply", "Route", "Router"]


@dataclass
class Call:
    """One authenticated API request, as the handlers see it."""

    method: str
    path: str
    params: QueryParams
    body: bytes
    store: TenantStore

    def payload(self, root: str) -> dict[str, Any]:
        """The request body's ``{root: {...}}`` content (2001392/2002115 otherwise)."""
        return unwrap(parse_body(self.body), root)


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    #: ``Location`` header of a 201: Fortnox sends a bare plural (``customers``).
    location: str | None = None


Handler = Callable[..., Reply]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    #: The OAuth scope the token must carry.
    scope: str


@dataclass
class Router:
    routes: list[Route] = field(default_factory=list)

    def add(self, method: str, template: str, scope: str, handler: Handler) -> None:
        """Register ``template`` such as ``/customers/{number}`` (under ``/3``)."""
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self.routes.append(Route(method, re.compile(f"^{regex}$"), handler, scope))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | bool:
        """The route and its decoded parameters for a percent-encoded ``path``.

        False = no such path, True = the path exists but not for this method.
        """
        path_exists = False
        for route in self.routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            if route.method == method:
                return route, {name: unquote(value) for name, value in found.groupdict().items()}
            path_exists = True
        return path_exists
