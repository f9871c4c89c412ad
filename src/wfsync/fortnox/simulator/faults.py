"""Fault injection: make the simulator fail the way production does, on demand.

A fault matches requests by method and path prefix and fires a given number of
times (or forever). Kinds:

* ``status=500`` (body ``1000003 System exception``), ``status=429`` (body
  ``{"message":"Too Many Requests"}``), or any other status;
* ``timeout=True``: the connection drops without an answer. Inside the app this
  raises :class:`httpx.ReadTimeout`; mounted with ``httpx.ASGITransport`` the
  client sees that exception exactly as a real read timeout. With
  ``after_processing=True`` the request is carried out first and only the answer
  is lost — the ambiguous failure that produces duplicates in careless clients;
* ``latency=2.0``: the answer is delayed by sleeping on the injected clock;
* ``timeout=True, land_after=90``: the client times out at once, but the
  request is carried out ``land_after`` seconds later (on the simulator's
  clock, when the next request arrives or :meth:`SimulatorApp.land_due` is
  called) — a POST stuck in a proxy that lands after the client gave up;
* ``malformed="<html>…"``: the request is carried out, but the answer is a 200
  with this raw body (an HTML page from a proxy, truncated JSON, wrong types).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Fault", "FaultPlan"]


@dataclass
class Fault:
    path_prefix: str = "/"
    method: str | None = None
    status: int | None = None
    timeout: bool = False
    after_processing: bool = False
    latency: float = 0.0
    #: With ``timeout``: carry the request out this many seconds later.
    land_after: float | None = None
    #: Answer 200 with this raw body after carrying the request out.
    malformed: str | None = None
    #: How many more requests this fault hits; None = every matching request.
    times: int | None = 1
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return path.startswith(self.path_prefix)


@dataclass
class FaultPlan:
    """The simulator's list of armed faults (``sim.faults``)."""

    armed: list[Fault] = field(default_factory=list)

    def add(
        self,
        path_prefix: str = "/",
        *,
        method: str | None = None,
        status: int | None = None,
        timeout: bool = False,
        after_processing: bool = False,
        latency: float = 0.0,
        times: int | None = 1,
        land_after: float | None = None,
        malformed: str | None = None,
    ) -> Fault:
        """Arm a fault; ``times=None`` keeps it firing until :meth:`clear`."""
        if status is None and not timeout and latency <= 0 and malformed is None:
            raise ValueError("a fault needs a status, timeout=True, malformed or a latency")
        if land_after is not None and not timeout:
            raise ValueError("land_after needs timeout=True (the answer is what gets lost)")
        fault = Fault(
            path_prefix,
            method,
            status,
            timeout,
            after_processing,
            latency,
            land_after,
            malformed,
            times,
        )
        self.armed.append(fault)
        return fault

    def clear(self) -> None:
        self.armed.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The first armed fault for this request, counted as fired."""
        for fault in self.armed:
            if fault.matches(method, path):
                fault.fired += 1
                return fault
        return None
