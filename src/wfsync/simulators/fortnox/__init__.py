"""An in-memory imitation of the Fortnox REST API (``/3``), its OAuth server and
event stream, faithful to shared/reference/fortnox-api.md — stricter where the
reference is unsure. See docs/fortnox-simulator.md.
"""

from __future__ import annotations

from wfsync.simulators.fortnox.app import RecordedRequest
from wfsync.simulators.fortnox.errors import ApiProblem
from wfsync.simulators.fortnox.simulator import (
    DEMO_CLIENT_ID,
    FortnoxSimulator,
    build_standalone_app,
)
from wfsync.simulators.kit import Fault, FaultPlan

__all__ = [
    "DEMO_CLIENT_ID",
    "ApiProblem",
    "Fault",
    "FaultPlan",
    "FortnoxSimulator",
    "RecordedRequest",
    "build_standalone_app",
]
