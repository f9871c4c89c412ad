"""The seam between HTTP and the resource modules: calls, replies and the route table.

Handlers are plain synchronous functions ``handler(call, **path_params) -> Reply``:
they never await, so one request's read-modify-write cannot interleave with
another's, exactly as one transaction on the real server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import QueryParams

from wfsync.simulators.fortnox.schema import parse_body, unwrap
from wfsync.simulators.fortnox.store import TenantStore
from wfsync.simulators.kit.routing import RouteTable

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
    """What a matched template leads to: the handler and the scope it needs."""

    handler: Handler
    #: The OAuth scope the token must carry.
    scope: str


@dataclass
class Router:
    """Fortnox's route table (under ``/3``) on the kit's: exact letter case, no
    trailing slash (the app strips it), parameters decoded after matching."""

    table: RouteTable[Route] = field(default_factory=lambda: RouteTable(decode_params=True))

    def add(self, method: str, template: str, scope: str, handler: Handler) -> None:
        """Register ``template`` such as ``/customers/{number}`` (under ``/3``)."""
        self.table.add(method, template, Route(handler, scope))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | bool:
        """The route and its decoded parameters for a percent-encoded ``path``.

        False = no such path, True = the path exists but not for this method
        (Fortnox's 405 carries no ``Allow`` header, so which methods is not needed).
        """
        resolved = self.table.resolve(method, path)
        if isinstance(resolved, list):
            return bool(resolved)
        return resolved
