"""A faithful in-memory imitation of the webCRM REST API (shared/reference/webcrm-api.md).

Tests mount :attr:`WebcrmSimulator.app` with ``httpx.ASGITransport``; ``wfsync
simulate webcrm`` serves :func:`build_standalone_app` over a socket. Where the
reference is unsure the simulator takes the stricter reading; every such
decision is listed in docs/webcrm-simulator.md.
"""

from wfsync.simulators.kit import Fault, FaultPlan, SimulatedDisconnect, SimulatedTimeout
from wfsync.simulators.webcrm.app import RecordedRequest, WebcrmSimulator
from wfsync.simulators.webcrm.auth import ACCESS_TOKEN_LIFETIME
from wfsync.simulators.webcrm.hooks import HookEvent
from wfsync.simulators.webcrm.quirks import Quirks
from wfsync.simulators.webcrm.standalone import DEMO_AUTH_CODE, build_standalone_app
from wfsync.simulators.webcrm.tenant import DEFAULT_ORGANISATION_TYPES, default_custom_fields
from wfsync.simulators.webcrm.ui import UI_USER, WebcrmUi

__all__ = [
    "ACCESS_TOKEN_LIFETIME",
    "DEFAULT_ORGANISATION_TYPES",
    "DEMO_AUTH_CODE",
    "UI_USER",
    "Fault",
    "FaultPlan",
    "HookEvent",
    "Quirks",
    "RecordedRequest",
    "SimulatedDisconnect",
    "SimulatedTimeout",
    "WebcrmSimulator",
    "WebcrmUi",
    "build_standalone_app",
    "default_custom_fields",
]
