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

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from wfsync.clock import Clock
from wfsync.fortnox.simulator.auth import Authority
from wfsync.fortnox.simulator.errors import ApiProblem, Code
from wfsync.fortnox.simulator.faults import Fault, FaultPlan
from wfsync.fortnox.simulator.ratelimit import SlidingWindow
from wfsync.fortnox.simulator.routing import Call, Reply, Router
from wfsync.fortnox.simulator.store import TenantStore

__all__ = ["RecordedRequest", "SimulatorApp"]

WebSocketHandler = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the simulator received (``status`` None = connection dropped)."""

    method: str
    path: str
    query: dict[str, str]
    status: int | None
    body: Any = None
    client_id: str | None = None

    @property
    def is_write(self) -> bool:
        return self.method != "GET" and self.path.startswith("/3/")


@dataclass
class SimulatorApp:
    """ASGI callable serving the simulated Fortnox."""

    clock: Clock
    store: TenantStore
    authority: Authority
    router: Router
    limiter: SlidingWindow
    faults: FaultPlan
    requests: list[RecordedRequest] = field(default_factory=list)
    websocket: WebSocketHandler | None = None
    #: Requests that timed out for the client but will still be carried out.
    late: list[tuple[float, Scope, bytes]] = field(default_factory=list)

    async def land_due(self) -> int:
        """Carry out the late requests whose time has come; returns how many."""
        now = self.clock.monotonic()
        due = [item for item in self.late if item[0] <= now]
        self.late = [item for item in self.late if item[0] > now]
        for _, scope, body in due:
            request = Request(scope, _replay(body))
            response, client_id = await self._api(request, _encoded_api_path(request))
            self._record(request, body, response.status_code, client_id)
        return len(due)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] == "websocket":
            if self.websocket is None:
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.websocket(scope, receive, send)
            return
        await self.land_due()
        request = Request(scope, receive)
        await request.body()  # read once up front; Starlette caches it for later reads
        response, client_id = await self._respond(request)
        self._record(request, await request.body(), response.status_code, client_id)
        await response(scope, receive, send)

    async def _respond(self, request: Request) -> tuple[Response, str | None]:
        path = request.url.path
        if len(path) > 1 and path.endswith("/"):
            path = path[:-1]
        fault = self.faults.take(request.method, path)
        if fault is not None:
            faulted = await self._fault_before(fault, request, path)
            if faulted is not None:
                return faulted, None
        if path == "/oauth-v1/token" and request.method == "POST":
            response: Response = await self.authority.token_endpoint(request)
            client_id = None
        elif path == "/oauth-v1/auth" and request.method == "GET":
            response, client_id = await self.authority.consent_endpoint(request), None
        elif path.startswith("/3/"):
            response, client_id = await self._api(request, _encoded_api_path(request))
        else:
            response, client_id = _json(404, {"message": "not found"}), None
        if fault is not None and fault.timeout and fault.after_processing:
            self._record(request, await request.body(), None, client_id)
            raise httpx.ReadTimeout("simulated timeout after processing")
        if fault is not None and fault.malformed is not None and response.status_code < 400:
            return Response(fault.malformed, 200, media_type="text/html"), client_id
        return response, client_id

    async def _fault_before(self, fault: Fault, request: Request, path: str) -> Response | None:
        if fault.latency > 0:
            await self.clock.sleep(fault.latency)
        if fault.timeout and fault.land_after is not None:
            body = await request.body()
            self.late.append((self.clock.monotonic() + fault.land_after, dict(request.scope), body))
            raise httpx.ReadTimeout("simulated timeout (the request lands later)")
        if fault.timeout and not fault.after_processing:
            self._record(request, await request.body(), None, None)
            raise httpx.ReadTimeout("simulated timeout")
        if fault.status == 429:
            return _json(429, {"message": "Too Many Requests"})
        if fault.status is not None and fault.status >= 500:
            return _error(ApiProblem(fault.status, Code.SYSTEM_EXCEPTION, "System exception"))
        if fault.status == 401:
            return _json(401, {"message": "unauthorized"})
        if fault.status is not None:
            return _json(fault.status, {"message": "simulated fault"})
        return None

    async def _api(self, request: Request, path: str) -> tuple[Response, str | None]:
        grant = self.authority.authenticate(request.headers.get("authorization"))
        if grant is None:
            return _json(401, {"message": "unauthorized"}), None
        if not self.limiter.admit(grant.client_id, self.store.tenant_id):
            return _json(429, {"message": "Too Many Requests"}), grant.client_id
        matched = self.router.match(request.method, path)
        if matched is True:
            return _json(405, {"message": "Method Not Allowed"}), grant.client_id
        if matched is False:
            return _json(404, {"message": "not found"}), grant.client_id
        assert not isinstance(matched, bool)
        route, path_params = matched
        if route.scope not in grant.scopes:
            problem = ApiProblem(403, Code.SCOPE_MISSING, "Du saknar behörighet för scope.")
            return _error(problem), grant.client_id
        body = await request.body()
        try:
            _negotiate(request, body)
            call = Call(request.method, path, request.query_params, body, self.store)
            reply = route.handler(call, **path_params)
        except ApiProblem as problem:
            return _error(problem), grant.client_id
        return _reply(reply), grant.client_id

    def _record(
        self, request: Request, body: bytes, status: int | None, client: str | None
    ) -> None:
        parsed: Any = None
        if body and request.headers.get("content-type", "").startswith("application/json"):
            try:
                parsed = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                parsed = body.decode("utf-8", "replace")
        path = request.url.path
        self.requests.append(
            RecordedRequest(
                request.method, path, dict(request.query_params), status, parsed, client
            )
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


def _reply(reply: Reply) -> Response:
    if reply.status == 204:
        return Response(status_code=204)
    response = _json(reply.status, reply.body)
    if reply.location is not None:
        response.headers["location"] = reply.location
    return response


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _replay(body: bytes) -> Receive:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
