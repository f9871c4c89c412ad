"""``wfsync simulate webcrm``: the simulator as a real HTTP server for people.

Runs on the system clock with sample data (or a seed file, or nothing), one
well-known demo application token, and timeouts that hold the socket open so
the caller's own timeout fires. Registered webhooks are called for real.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from starlette.types import ASGIApp

from wfsync.clock import SystemClock
from wfsync.http.errors import ConfigError
from wfsync.webcrm.simulator.app import WebcrmSimulator
from wfsync.webcrm.simulator.errors import ApiProblem

__all__ = ["DEMO_AUTH_CODE", "build_standalone_app"]

#: The application token a standalone simulator accepts (a GUID, as in webCRM).
DEMO_AUTH_CODE = "5f0c7a2e-3b1d-4c8a-9e6f-2d4b8a1c0e97"


def build_standalone_app(*, seed: Path | None, empty: bool, base_url: str) -> tuple[ASGIApp, str]:
    """The ASGI app and a banner telling the user the base URL and the token to use."""
    simulator = WebcrmSimulator(clock=SystemClock(), seed=seed is None and not empty)
    if seed is not None:
        try:
            simulator.load_seed(seed)
        except (OSError, ValueError, ApiProblem) as exc:
            reason = exc.message if isinstance(exc, ApiProblem) else str(exc)
            raise ConfigError(f"{seed}: not a usable webCRM seed file: {reason}") from None
    simulator.faults.real_server = True
    simulator.hooks.auto_deliver = httpx.AsyncClient(timeout=5.0)
    token = simulator.add_api_token(DEMO_AUTH_CODE, name="Demo API")
    contents = "empty" if empty and seed is None else (str(seed) if seed else "Swedish sample data")
    banner = "\n".join(
        [
            "webCRM simulator (in-memory; data is lost when it stops)",
            f"  base URL : {base_url}",
            f"  authCode : {token}",
            f"  data     : {contents}",
            f"  login    : curl -X POST -d authCode={token} {base_url}/Auth/ApiLogin",
            "  use it   : export WFSYNC_WEBCRM__BASE_URL=" + base_url,
            "             export WFSYNC_WEBCRM__AUTH_CODE=" + token,
        ]
    )
    return simulator.app, banner
