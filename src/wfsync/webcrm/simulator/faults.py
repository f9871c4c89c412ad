"""Injected failures: the 5xx, 429, spurious 401, slow answers and timeouts of §10.

Tests arm a fault for a path prefix and a number of requests::

    sim.faults.add(path_prefix="/Organisations", status=500, times=1)
    sim.faults.add(path_prefix="/Deliveries", timeout=True)
    sim.faults.add(path_prefix="/QuotationLines", status=500, after_processing=True)

How a timeout surfaces: under ``httpx.ASGITransport`` the app raises
:class:`SimulatedTimeout`, a subclass of ``httpx.ReadTimeout``; the transport
re-raises app exceptions, so the client sees exactly what a real read timeout
raises. Served over a socket (``wfsync simulate webcrm``), the request is held
open for :attr:`FaultPlan.hang_seconds` instead, so the client's own timeout
fires. ``disconnect=True`` raises :class:`SimulatedDisconnect` (an
``httpx.RemoteProtocolError``, what a reset connection gives); over a socket it
answers an empty 502. ``after_processing=True`` performs the request first and then fails —
the ambiguous case in which a POST did create something.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

__all__ = ["Fault", "FaultPlan", "SimulatedDisconnect", "SimulatedTimeout"]


class SimulatedTimeout(httpx.ReadTimeout):
    """Raised by the app for a timeout fault; httpx clients treat it as a read timeout."""


class SimulatedDisconnect(httpx.RemoteProtocolError):
    """Raised for a ``disconnect`` fault: the server dropped the connection (gotcha 6)."""


@dataclass
class Fault:
    """One armed failure. ``times=None`` keeps it armed until cleared."""

    path_prefix: str = "/"
    status: int | None = None
    times: int | None = 1
    timeout: bool = False
    latency: float = 0.0
    method: str | None = None
    after_processing: bool = False
    retry_after: int = 5
    disconnect: bool = False
    #: With ``timeout``: the request is carried out this many seconds later.
    land_after: float | None = None

    @property
    def fails(self) -> bool:
        """Whether the request ends in an error (as opposed to only being slow)."""
        return self.timeout or self.disconnect or self.status is not None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return path.casefold().startswith(self.path_prefix.casefold())


@dataclass
class FaultPlan:
    """The armed faults, consulted once per request in the order they were added."""

    faults: list[Fault] = field(default_factory=list)
    #: Seconds a timeout holds a real socket open (standalone server only).
    hang_seconds: float = 120.0
    #: True when served by a real HTTP server rather than ASGITransport.
    real_server: bool = False

    def add(
        self,
        path_prefix: str = "/",
        *,
        status: int | None = None,
        times: int | None = 1,
        timeout: bool = False,
        latency: float = 0.0,
        method: str | None = None,
        after_processing: bool = False,
        retry_after: int = 5,
        disconnect: bool = False,
        land_after: float | None = None,
    ) -> Fault:
        """Arm a fault. ``timeout=True, land_after=90``: the client times out now, but
        the request is carried out 90 s later on the simulator's clock (a POST stuck
        in a proxy that lands after the client gave up)."""
        if land_after is not None and not timeout:
            raise ValueError("land_after needs timeout=True (the answer is what gets lost)")
        if status is None and not timeout and not disconnect and latency <= 0:
            raise ValueError("a fault needs a status, timeout=True, disconnect=True or a latency")
        if status is not None and not 400 <= status <= 599:
            raise ValueError("a fault status must be a 4xx or 5xx code")
        if not path_prefix.startswith("/"):
            path_prefix = "/" + path_prefix
        fault = Fault(
            path_prefix=path_prefix,
            status=status,
            times=times,
            timeout=timeout,
            latency=latency,
            method=method,
            after_processing=after_processing,
            retry_after=retry_after,
            disconnect=disconnect,
            land_after=land_after,
        )
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        self.faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The first armed fault for this request (consuming one of its ``times``)."""
        for fault in self.faults:
            if not fault.matches(method, path):
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
            return fault
        return None
