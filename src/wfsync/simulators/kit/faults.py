"""Fault injection: make a simulator fail the way production does, on demand.

A test arms a fault for a method and path prefix and a number of requests
(``times=None``: until cleared)::

    sim.faults.add("/3/customers", method="POST", timeout=True, land_after=90)
    sim.faults.add("/Organisations", status=500, after_processing=True)

Kinds, combinable where it makes sense:

* ``status=…``: the vendor's own error body for that status (each simulator
  draws its own: Fortnox's ``1000003 System exception``, webCRM's
  ``{"Message", "Type"}`` and a 429 with ``Retry-After: retry_after``);
* ``timeout=True``: no answer. Under ``httpx.ASGITransport`` the app raises
  :class:`SimulatedTimeout` (an ``httpx.ReadTimeout``), exactly what a client
  sees from a real read timeout; served over a socket, the request is held
  open for :attr:`FaultPlan.hang_seconds` so the client's own timeout fires;
* ``disconnect=True``: the connection is dropped (:class:`SimulatedDisconnect`,
  an ``httpx.RemoteProtocolError``; an empty 502 over a socket);
* ``after_processing=True``: the request is carried out first and only the
  answer fails — the ambiguous case in which a POST did create something;
* ``timeout=True, land_after=90``: the client times out at once, and the request
  is carried out 90 s later on the simulator's clock;
* ``latency=2.0``: the answer is delayed (sleeping on the injected clock);
* ``malformed="<html>…"``: the request is carried out and answered 200 with this
  raw body (a proxy's HTML page, truncated JSON, wrong types).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
from starlette.requests import Request
from starlette.responses import Response

from wfsync.clock import Clock
from wfsync.simulators.kit.asgi import LateRequests

__all__ = ["Fault", "FaultPlan", "SimulatedDisconnect", "SimulatedTimeout"]


class SimulatedTimeout(httpx.ReadTimeout):
    """Raised by the app for a timeout fault; httpx clients treat it as a read timeout."""


class SimulatedDisconnect(httpx.RemoteProtocolError):
    """Raised for a ``disconnect`` fault: the server dropped the connection."""


@dataclass
class Fault:
    """One armed failure; ``fired`` counts the requests it hit."""

    path_prefix: str = "/"
    method: str | None = None
    status: int | None = None
    timeout: bool = False
    disconnect: bool = False
    after_processing: bool = False
    latency: float = 0.0
    #: With ``timeout``: carry the request out this many seconds later.
    land_after: float | None = None
    #: Answer 200 with this raw body after carrying the request out.
    malformed: str | None = None
    #: The ``Retry-After`` of a simulated 429, where the vendor sends one.
    retry_after: int = 5
    #: How many requests this fault hits; None = every matching request.
    times: int | None = 1
    fired: int = 0

    @property
    def fails(self) -> bool:
        """Whether the request ends without a normal answer (not only slow or garbled)."""
        return self.timeout or self.disconnect or self.status is not None


@dataclass
class FaultPlan:
    """The simulator's armed faults (``sim.faults``), consulted in the order added."""

    #: webCRM's paths are case-insensitive, Fortnox's are not.
    case_sensitive: bool = True
    armed: list[Fault] = field(default_factory=list)
    #: Seconds a timeout holds a real socket open (standalone server only).
    hang_seconds: float = 120.0
    #: True when served by a real HTTP server rather than ASGITransport.
    real_server: bool = False

    def add(
        self,
        path_prefix: str = "/",
        *,
        method: str | None = None,
        status: int | None = None,
        timeout: bool = False,
        disconnect: bool = False,
        after_processing: bool = False,
        latency: float = 0.0,
        land_after: float | None = None,
        malformed: str | None = None,
        retry_after: int = 5,
        times: int | None = 1,
    ) -> Fault:
        """Arm a fault; ``times=None`` keeps it firing until :meth:`clear`."""
        if status is None and not (timeout or disconnect or latency > 0 or malformed is not None):
            raise ValueError(
                "a fault needs a status, timeout=True, disconnect=True, malformed or a latency"
            )
        if land_after is not None and not timeout:
            raise ValueError("land_after needs timeout=True (the answer is what gets lost)")
        if status is not None and not 400 <= status <= 599:
            raise ValueError("a fault status must be a 4xx or 5xx code")
        if not path_prefix.startswith("/"):
            path_prefix = "/" + path_prefix
        fault = Fault(
            path_prefix=path_prefix,
            method=method,
            status=status,
            timeout=timeout,
            disconnect=disconnect,
            after_processing=after_processing,
            latency=latency,
            land_after=land_after,
            malformed=malformed,
            retry_after=retry_after,
            times=times,
        )
        self.armed.append(fault)
        return fault

    def clear(self) -> None:
        self.armed.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The first armed fault for this request, counted as fired."""
        for fault in self.armed:
            if fault.times is not None and fault.fired >= fault.times:
                continue
            if fault.method is not None and fault.method.upper() != method.upper():
                continue
            prefix, target = fault.path_prefix, path
            if not self.case_sensitive:
                prefix, target = prefix.casefold(), target.casefold()
            if target.startswith(prefix):
                fault.fired += 1
                return fault
        return None

    async def apply(
        self,
        fault: Fault,
        request: Request,
        *,
        clock: Clock,
        late: LateRequests,
        handle: Callable[[], Awaitable[Response]],
        error: Callable[[Fault], Response],
    ) -> Response:
        """Answer ``request`` as ``fault`` says; ``handle`` carries the request out and
        ``error`` draws the vendor's own error answer for ``fault.status``."""
        if fault.latency > 0:
            await clock.sleep(fault.latency)
        if fault.timeout and fault.land_after is not None:
            late.defer(clock.monotonic() + fault.land_after, request, await request.body())
            if self.real_server:  # over a socket: hold it until the caller gives up
                await clock.sleep(self.hang_seconds)
                return Response(b"", status_code=504)
            raise SimulatedTimeout("simulated timeout (the request lands later)")
        if fault.fails and not fault.after_processing:
            return await self._fail(fault, clock, error)
        response = await handle()
        if fault.fails:
            return await self._fail(fault, clock, error)
        if fault.malformed is not None and response.status_code < 400:
            return Response(fault.malformed, 200, media_type="text/html")
        return response

    async def _fail(
        self, fault: Fault, clock: Clock, error: Callable[[Fault], Response]
    ) -> Response:
        if fault.timeout:
            if self.real_server:
                await clock.sleep(self.hang_seconds)
                return Response(b"", status_code=504)
            raise SimulatedTimeout("simulated timeout")
        if fault.disconnect:
            if self.real_server:
                return Response(b"", status_code=502)
            raise SimulatedDisconnect("simulated connection reset")
        return error(fault)
