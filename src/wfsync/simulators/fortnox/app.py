"""The ASGI application: one entry point for the token endpoint, consent and ``/3/…``.

Order of checks for an API request, each answered the way Fortnox answers it:
injected faults → bearer token (401 ``{"message":"unauthorized"}``, not counted
by the limiter) → rate limit (429) → route (404/405) → scope (403, 2000663) →
content negotiation → the resource handler. Every request is recorded for test
assertions (``sim.requests``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from wfsync.clock import Clock
from wfsync.simulators.fortnox.auth import Authority
from wfsync.simulators.fortnox.errors import ApiProblem, Code
from wfsync.simulators.fortnox.routing import Call, Reply, Router
from wfsync.simulators.fortnox.store import TenantStore
from wfsync.simulators.kit import (
    Fault,
    FaultPlan,
    LateRequests,
    RecordedRequest,
    RequestLog,
    RequestWindow,
    lifespan,
)

__all__ = ["FortnoxRequest", "RecordedRequest", "SimulatorApp"]

WebSocketHandler = Callable[[Scope, Receive, Send], Awaitable[None]]


#: Fortnox's log keeps the query as a dict (tests read single parameters).
FortnoxRequest = RecordedRequest[dict[str, str]]


def _is_write(method: str, path: str) -> bool:
    """Any non-GET API call could change data; the token endpoint and consent do not."""
    return method != "GET" and path.startswith("/3/")


@dataclass
class SimulatorApp:
    """ASGI callable serving the simulated Fortnox."""

    clock: Clock
    store: TenantStore
    authority: Authority
    router: Router
    #: Fortnox's 25 requests per sliding 5 s, per (client id, tenant) — not per token,
    #: so refreshed tokens share it. Requests answered 401 never reach it; rejected
    #: ones count (the live limiter rejects "until the 5-second average is back under
    #: 25", so a client hammering through 429s stays locked out).
    limiter: RequestWindow
    faults: FaultPlan
    #: Every request, dropped connections included (status None); see :attr:`requests`.
    log: RequestLog[dict[str, str]] = field(default_factory=lambda: RequestLog(_is_write))
    websocket: WebSocketHandler | None = None
    #: Requests that timed out for the client but will still be carried out.
    late: LateRequests = field(default_factory=LateRequests)

    @property
    def requests(self) -> list[FortnoxRequest]:
        """The log's entries as a plain list, what ``sim.requests`` hands to tests."""
        return self.log.entries

    async def land_due(self) -> int:
        """Carry out the late requests whose time has come; returns how many."""
        due = self.late.take_due(self.clock.monotonic())
        for request in due:
            response = await self._api(request, _encoded_api_path(request))
            self._record(request, await request.body(), response.status_code)
        return len(due)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] == "websocket":
            if self.websocket is None:
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.websocket(scope, receive, send)
            return
        await self.land_due()
        request = Request(scope, receive)
        body = await request.body()  # read once up front; Starlette caches it for later reads
        status: int | None = None
        try:
            response = await self._respond(request)
            status = response.status_code
        finally:
            self._record(request, body, status)
        await response(scope, receive, send)

    async def _respond(self, request: Request) -> Response:
        path = request.url.path
        if len(path) > 1 and path.endswith("/"):
            path = path[:-1]
        fault = self.faults.take(request.method, path)
        if fault is None:
            return await self._route(request, path)
        return await self.faults.apply(
            fault,
            request,
            clock=self.clock,
            late=self.late,
            handle=lambda: self._route(request, path),
            error=_fault_error,
        )

    async def _route(self, request: Request, path: str) -> Response:
        if path == "/oauth-v1/token" and request.method == "POST":
            return await self.authority.token_endpoint(request)
        if path == "/oauth-v1/auth" and request.method == "GET":
            return await self.authority.consent_endpoint(request)
        if path.startswith("/3/"):
            return await self._api(request, _encoded_api_path(request))
        return _json(404, {"message": "not found"})

    async def _api(self, request: Request, path: str) -> Response:
        grant = self.authority.authenticate(request.headers.get("authorization"))
        if grant is None:
            return _json(401, {"message": "unauthorized"})
        request.state.client_id = grant.client_id
        if not self.limiter.admit(f"{grant.client_id} {self.store.tenant_id}"):
            return _json(429, {"message": "Too Many Requests"})
        matched = self.router.match(request.method, path)
        if matched is True:
            return _json(405, {"message": "Method Not Allowed"})
        if matched is False:
            return _json(404, {"message": "not found"})
        assert not isinstance(matched, bool)
        route, path_params = matched
        if route.scope not in grant.scopes:
            problem = ApiProblem(403, Code.SCOPE_MISSING, "Du saknar behörighet för scope.")
            return _error(problem)
        body = await request.body()
        try:
            _negotiate(request, body)
            call = Call(request.method, path, request.query_params, body, self.store)
            reply = route.handler(call, **path_params)
        except ApiProblem as problem:
            return _error(problem)
        return _reply(reply)

    def _record(self, request: Request, body: bytes, status: int | None) -> None:
        parsed: Any = None
        if body and request.headers.get("content-type", "").startswith("application/json"):
            try:
                parsed = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                parsed = body.decode("utf-8", "replace")
        self.log.record(
            request.method,
            request.url.path,
            dict(request.query_params),
            status,
            body=parsed,
            client_id=getattr(request.state, "client_id", None),
        )


def _encoded_api_path(request: Request) -> str:
    """The path below ``/3`` still percent-encoded, so a key may contain ``/`` (``A%2F1``).

    Route parameters are decoded after matching (see :meth:`Router.match`).
    """
    raw = request.scope.get("raw_path")
    path = raw.decode("utf-8", "replace").split("?", 1)[0] if raw else request.url.path
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    return path[2:]


def _negotiate(request: Request, body: bytes) -> None:
    """Fortnox speaks JSON: a foreign Accept is 1000030, a foreign body type 1000031."""
    accept = request.headers.get("accept", "*/*")
    if not any(kind in accept for kind in ("application/json", "*/*", "application/*")):
        raise ApiProblem.invalid(Code.INVALID_RESPONSE_TYPE, "Invalid response type")
    if body and not request.headers.get("content-type", "").startswith("application/json"):
        raise ApiProblem.invalid(Code.INVALID_CONTENT_TYPE, "Invalid content type")


def render_json(body: Any) -> bytes:
    """Fortnox's JSON: UTF-8, and slashes escaped (``https:\\/\\/api.fortnox.se``)."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return text.replace("/", "\\/").encode("utf-8")


def _json(status: int, body: Any) -> Response:
    return Response(render_json(body), status_code=status, media_type="application/json")


def _error(problem: ApiProblem) -> Response:
    return _json(problem.status, problem.body())


def _fault_error(fault: Fault) -> Response:
    """Fortnox's own answer for an injected status (it sends no ``Retry-After``)."""
    if fault.status == 429:
        return _json(429, {"message": "Too Many Requests"})
    if fault.status is not None and fault.status >= 500:
        return _error(ApiProblem(fault.status, Code.SYSTEM_EXCEPTION, "System exception"))
    if fault.status == 401:
        return _json(401, {"message": "unauthorized"})
    return _json(fault.status or 500, {"message": "simulated fault"})


def _reply(reply: Reply) -> Response:
    if reply.status == 204:
        return Response(status_code=204)
    response = _json(reply.status, reply.body)
    if reply.location is not None:
        response.headers["location"] = reply.location
    return response
