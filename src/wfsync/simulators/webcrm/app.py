"""The simulator object and its ASGI request pipeline.

Every request passes, in order: request log → injected faults → routing
(404 empty for an unknown path, 405 + ``Allow`` for a known path with the wrong
method) → bearer check (401) → rate limit (429) → the endpoint. Errors the
endpoints raise become ``{"Message", "Type"}`` bodies.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from wfsync.clock import Clock, SystemClock
from wfsync.simulators.kit import (
    Fault,
    FaultPlan,
    LateRequests,
    RecordedRequest,
    RequestLog,
    lifespan,
)
from wfsync.simulators.webcrm import (
    catalogue,
    deliveries,
    fields_metadata,
    organisations,
    persons,
    queries,
    quotation_lines,
)
from wfsync.simulators.webcrm.auth import Authenticator
from wfsync.simulators.webcrm.backend import Backend
from wfsync.simulators.webcrm.errors import ApiProblem
from wfsync.simulators.webcrm.hooks import HookRegistry
from wfsync.simulators.webcrm.ratelimit import RateLimiter, throttled
from wfsync.simulators.webcrm.routing import Call, Router, empty, json_response, problem
from wfsync.simulators.webcrm.seed import load_seed
from wfsync.simulators.webcrm.seed_data import sample_data
from wfsync.simulators.webcrm.tenant import Tenant
from wfsync.simulators.webcrm.ui import WebcrmUi

__all__ = ["RecordedRequest", "WebcrmRequest", "WebcrmSimulator"]

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


#: webCRM's log keeps the decoded query string (tests compare it whole).
WebcrmRequest = RecordedRequest[str]


def _is_write(method: str, path: str) -> bool:
    """A request that may change data (``/Auth`` logins excluded)."""
    return method in WRITE_METHODS and not path.lower().startswith("/auth")


class WebcrmSimulator:
    """An in-memory webCRM tenant behind the real API's paths, rules and limits."""

    def __init__(
        self,
        clock: Clock | None = None,
        rate_limit: int | None = 250,
        seed: bool = False,
        organisation_types: list[str] | None = None,
        custom_fields: dict[str, str] | None = None,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.tenant = Tenant.configure(organisation_types, custom_fields)
        self.backend = Backend.create(self.clock, self.tenant)
        self.quirks = self.backend.quirks
        self.rate_limiter = RateLimiter(self.clock, rate_limit)
        self.auth = Authenticator(self.clock, self.rate_limiter)
        self.faults = FaultPlan(case_sensitive=False)
        self.hooks = HookRegistry(self.clock)
        #: Every request answered or timed out (status 0); see :attr:`requests`.
        self.log: RequestLog[str] = RequestLog(_is_write)
        #: Requests that timed out for the client but will still be carried out.
        self.late = LateRequests()
        self.ui = WebcrmUi(self.backend)
        for collection in (
            self.backend.organisations,
            self.backend.persons,
            self.backend.deliveries,
            self.backend.quotation_lines,
        ):
            collection.listeners.append(self.hooks.on_change)
        self._public = Router()
        self._public.post("/Auth/ApiLogin", self.auth.api_login)
        self._public.post("/Auth/ApiRefresh", self.auth.api_refresh)
        self._router = Router()
        organisations.register(self._router, self.backend)
        persons.register(self._router, self.backend)
        deliveries.register(self._router, self.backend)
        quotation_lines.register(self._router, self.backend)
        catalogue.register(self._router, self.backend)
        queries.register(self._router, self.backend)
        fields_metadata.register(self._router, self.tenant)
        self.hooks.register(self._router)
        if seed:
            self.load_seed(sample_data())

    # -- public helpers -----------------------------------------------------

    @property
    def app(self) -> WebcrmSimulator:
        """The ASGI application (the simulator object itself is the ASGI callable)."""
        return self

    def add_api_token(self, auth_code: str | None = None, name: str = "API wfsync") -> str:
        """Register an application token that ``/Auth/ApiLogin`` accepts; returns it."""
        return self.auth.add_application(auth_code, name)

    def load_seed(self, source: Path | str | dict[str, Any]) -> None:
        """Add records from a seed file or dict (format: docs/webcrm-simulator.md)."""
        load_seed(self.backend, source)

    @property
    def requests(self) -> list[WebcrmRequest]:
        """Every request in arrival order (method, path, query, status)."""
        return self.log.entries

    @property
    def writes(self) -> list[WebcrmRequest]:
        """Recorded requests that could have changed data."""
        return self.log.writes()

    # -- ASGI ---------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        self.hooks.loop = asyncio.get_running_loop()
        await self.land_due()
        request = Request(scope, receive)
        method = request.method.upper()
        path = scope["path"]
        query = unquote_plus(scope.get("query_string", b"").decode("latin-1"))
        status = 0
        try:
            response = await self._respond(request, method, path)
            status = response.status_code
        finally:
            self.log.record(method, path, query, status)
        await response(scope, receive, send)
        await self.hooks.deliver_automatically()

    async def _respond(self, request: Request, method: str, path: str) -> Response:
        fault = self.faults.take(method, path)
        if fault is None:
            return await self._handle(request, method, path)
        return await self.faults.apply(
            fault,
            request,
            clock=self.clock,
            late=self.late,
            handle=lambda: self._handle(request, method, path),
            error=_fault_response,
        )

    async def land_due(self) -> int:
        """Carry out the late requests whose time has come; returns how many."""
        due = self.late.take_due(self.clock.monotonic())
        for request in due:
            method, path = request.method.upper(), request.scope["path"]
            response = await self._handle(request, method, path)
            self.log.record(method, path, "", response.status_code)
        return len(due)

    async def _handle(self, request: Request, method: str, path: str) -> Response:
        call = Call(request, {})
        public = self._public.resolve(method, path)
        if isinstance(public, tuple):
            handler, call.params = public
        else:
            resolved = self._router.resolve(method, path)
            if isinstance(resolved, list):
                allowed = sorted(set(resolved) | set(public))
                if not allowed:
                    return empty(404)
                return Response(b"", status_code=405, headers={"Allow": ", ".join(allowed)})
            handler, call.params = resolved
            application = self.auth.authenticate(request)
            if isinstance(application, Response):
                return application
            call.actor, call.application_token = application.name, application.code
            over = self.rate_limiter.admit(application.code)
            if over is not None:
                return over
        try:
            return await handler(call)
        except ApiProblem as error:
            return problem(error)


def _fault_response(fault: Fault) -> Response:
    status = fault.status or 500
    if status == 401:
        return Response(b"", status_code=401, headers={"WWW-Authenticate": "Bearer"})
    if status == 429:
        return throttled(fault.retry_after, 250)
    if status in (502, 503, 504):
        page = f"<html><body><h1>{status} Service Unavailable</h1></body></html>"
        return Response(page, status_code=status, media_type="text/html")
    if status >= 500:
        return json_response(
            {"Message": "An error has occurred.", "Type": "InternalServerErrorException"}, status
        )
    return json_response({"Message": "Simulated error.", "Type": "BadRequestException"}, status)
