"""``wfsync simulate fortnox|webcrm``: run a vendor simulator as a local server."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from wfsync.cli.app import app, err_console


class System(StrEnum):
    fortnox = "fortnox"
    webcrm = "webcrm"


@app.command()
def simulate(
    system: System = typer.Argument(..., help="Which API to imitate."),
    port: int = typer.Option(0, "--port", "-p", help="Port (default 8081 fortnox, 8082 webcrm)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    seed: Path | None = typer.Option(None, "--seed", help="JSON seed file instead of sample data."),
    empty: bool = typer.Option(False, "--empty", help="Start with no sample data."),
) -> None:
    """Serve a simulator of the real API, with Swedish sample data, for trials and tests."""
    import uvicorn

    if system is System.fortnox:
        from wfsync.fortnox.simulator import build_standalone_app as build_fortnox

        port = port or 8081
        asgi, banner = build_fortnox(seed=seed, empty=empty, base_url=f"http://{host}:{port}")
    else:
        from wfsync.webcrm.simulator import build_standalone_app as build_webcrm

        port = port or 8082
        asgi, banner = build_webcrm(seed=seed, empty=empty, base_url=f"http://{host}:{port}")
    err_console.print(banner)
    uvicorn.run(asgi, host=host, port=port, log_level="warning")
