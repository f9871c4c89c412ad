"""``wfsync demo``: the whole integration on two simulators, no accounts, no config."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import typer

from wfsync.cli.app import GLOBALS, app, err_console


@app.command("demo")
def demo_command(
    keep_running: bool = typer.Option(
        False,
        "--keep-running",
        help="Afterwards, serve both simulators on local ports (URLs and credentials "
        "printed) and keep syncing them until Ctrl-C.",
    ),
    seed_file: Path | None = typer.Option(
        None,
        "--seed-file",
        help='JSON {"fortnox": {...}, "webcrm": {...}} in the simulators\' seed formats '
        "instead of the built-in sample data.",
    ),
    pause: float = typer.Option(
        0.0, "--pause", min=0.0, help="Seconds to wait before each step (for presenting)."
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="With --keep-running: interface."),
    fortnox_port: int = typer.Option(
        8081, "--fortnox-port", min=0, help="With --keep-running: Fortnox port (0 = any free)."
    ),
    webcrm_port: int = typer.Option(
        8082, "--webcrm-port", min=0, help="With --keep-running: webCRM port (0 = any free)."
    ),
    sync_every: float = typer.Option(
        10.0,
        "--sync-every",
        min=0.0,
        help="With --keep-running: seconds between sync cycles (0 = stop syncing).",
    ),
    as_json: bool = typer.Option(False, "--json", help="A summary on stdout at the end."),
) -> None:
    """Run the integration on simulated webCRM and Fortnox with a scripted story (a few seconds)."""
    from wfsync.demo import DemoDivergedError, DemoOptions, run_demo

    options = DemoOptions(
        keep_running=keep_running,
        seed_file=seed_file,
        pause=pause,
        host=host,
        fortnox_port=fortnox_port,
        webcrm_port=webcrm_port,
        sync_every=sync_every,
        verbose=GLOBALS.verbose,
    )
    summary = asyncio.run(run_demo(options, err_console))
    if as_json:
        typer.echo(json.dumps(summary.as_dict(), indent=2, ensure_ascii=False))
    if not summary.converged:
        raise DemoDivergedError(
            "the demo ended with the two systems disagreeing: " + "; ".join(summary.mismatches)
        )
