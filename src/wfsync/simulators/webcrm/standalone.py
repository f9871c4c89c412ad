"""``wfsync simulate webcrm``: the simulator as a real HTTP server for people.

Runs on the system clock with sample data (or a seed file, or nothing), one
well-known demo application token, and timeouts that hold the socket open so
the caller's own timeout fires. Registered webhooks are called for real.

The default sample (``"trial"``, :mod:`.trial_data`) fits the Fortnox
simulator's sample, so a trial of import + sync is clean; ``"messy"`` is the
original sample (:mod:`.seed_data`) whose codes, catalogue and organisation
numbers do not fit Fortnox's, to see the error inbox at work. The banner is a
TOML block to paste into ``wfsync.toml``, and ``/_simulator/ui/…``
(:mod:`wfsync.simulators.ui_bridge`) takes human edits from ``wfsync simulate edit``.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from starlette.types import ASGIApp

from wfsync.clock import SystemClock
from wfsync.http.errors import ConfigError
from wfsync.simulators.ui_bridge import UiBridge
from wfsync.simulators.webcrm.app import WebcrmSimulator
from wfsync.simulators.webcrm.errors import ApiProblem
from wfsync.simulators.webcrm.seed_data import sample_data
from wfsync.simulators.webcrm.trial_data import trial_data

__all__ = ["DEMO_AUTH_CODE", "build_standalone_app"]

#: The application token a standalone simulator accepts (a GUID, as in webCRM).
DEMO_AUTH_CODE = "5f0c7a2e-3b1d-4c8a-9e6f-2d4b8a1c0e97"


#: Sample data sets ``wfsync simulate webcrm --sample`` offers.
SAMPLES = {"trial": trial_data, "messy": sample_data}


def build_standalone_app(
    *, seed: Path | None, empty: bool, base_url: str, sample: str = "trial"
) -> tuple[ASGIApp, str]:
    """The ASGI app and a banner (valid TOML) with the base URL and the token to use."""
    if sample not in SAMPLES:
        raise ConfigError(f"--sample: {sample!r} is not one of {', '.join(SAMPLES)}")
    simulator = WebcrmSimulator(clock=SystemClock())
    if seed is not None:
        try:
            simulator.load_seed(seed)
        except (OSError, ValueError, ApiProblem) as exc:
            reason = exc.message if isinstance(exc, ApiProblem) else str(exc)
            raise ConfigError(f"{seed}: not a usable webCRM seed file: {reason}") from None
    elif not empty:
        simulator.load_seed(SAMPLES[sample]())
    simulator.faults.real_server = True
    simulator.hooks.auto_deliver = httpx.AsyncClient(timeout=5.0)
    token = simulator.add_api_token(DEMO_AUTH_CODE, name="Demo API")
    contents = "empty" if empty and seed is None else (str(seed) if seed else f"{sample} sample")
    banner = "\n".join(
        [
            f"# webCRM simulator at {base_url} ({contents}; in memory: lost when it stops)",
            "# Paste into wfsync.toml:",
            "[webcrm]",
            f'base_url = "{base_url}"',
            f'auth_code = "{token}"',
        ]
    )
    return UiBridge(simulator.app, simulator.ui, (ApiProblem,)), banner
