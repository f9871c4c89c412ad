"""What both simulated vendors share: the fault plan, the sliding request window,
late-landing requests, the ASGI plumbing, the route table and the request log.
Each vendor keeps only what is its own: its routing options and handler types,
its records, its rule for what counts as a write, error bodies and the order of
its checks. Record storage stays per vendor (Fortnox's numbered dicts and
webCRM's schema-driven collections share too little to be one class)."""

from wfsync.simulators.kit.asgi import LateRequests, lifespan
from wfsync.simulators.kit.faults import Fault, FaultPlan, SimulatedDisconnect, SimulatedTimeout
from wfsync.simulators.kit.request_log import RecordedRequest, RequestLog, WriteRule
from wfsync.simulators.kit.routing import Route, RouteTable
from wfsync.simulators.kit.window import RequestWindow

__all__ = [
    "Fault",
    "FaultPlan",
    "LateRequests",
    "RecordedRequest",
    "RequestLog",
    "RequestWindow",
    "Route",
    "RouteTable",
    "SimulatedDisconnect",
    "SimulatedTimeout",
    "WriteRule",
    "lifespan",
]
