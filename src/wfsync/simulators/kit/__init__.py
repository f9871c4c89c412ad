"""What both simulated vendors share: the fault plan, the sliding request window,
late-landing requests and the ASGI plumbing. Each vendor keeps only what is its
own: routes, records, error bodies and the order of its checks."""

from wfsync.simulators.kit.asgi import LateRequests, lifespan
from wfsync.simulators.kit.faults import Fault, FaultPlan, SimulatedDisconnect, SimulatedTimeout
from wfsync.simulators.kit.window import RequestWindow

__all__ = [
    "Fault",
    "FaultPlan",
    "LateRequests",
    "RequestWindow",
    "SimulatedDisconnect",
    "SimulatedTimeout",
    "lifespan",
]
