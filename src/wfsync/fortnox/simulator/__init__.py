"""An in-memory imitation of the Fortnox REST API (``/3``), its OAuth server and
event stream, faithful to shared/reference/fortnox-api.md — stricter where the
reference is unsure. See docs/fortnox-simulator.md.
"""

from __future__ import annotations

from wfsync.fortnox.simulator.app import RecordedRequest
from wfsync.fortnox.simulator.errors import ApiProblem
from wfsync.fortnox.simulator.faults import Fault, FaultPlan
from wfsync.fortnox.simulator.simulator import (
    DEMO_CLIENT_ID,
    FortnoxSimulator,
    build_standalone_app,
)

__all__ = [
    "DEMO_CLIENT_ID",
    "ApiProblem",
    "Fault",
    "FaultPlan",
    "FortnoxSimulator",
    "RecordedRequest",
    "build_standalone_app",
]
