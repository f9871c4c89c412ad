"""``wfsync check``: the readiness table a consultant runs first.

The checks live in :mod:`wfsync.setup.readiness`; this module renders them —
a Rich table on stderr, or with ``--json`` a JSON document on stdout and
nothing else. Exit 0 when nothing failed (warnings allowed), 1 otherwise.
"""

from __future__ import annotations

import asyncio
import json

import typer
from rich.markup import escape
from rich.table import Table

from wfsync.cli.app import GLOBALS, TENANT_OPTION, app, err_console, use_tenant
from wfsync.setup.readiness import check_readiness
from wfsync.setup.report import Readiness, Status

__all__ = ["check_command"]

_STYLE = {Status.ok: "green", Status.warn: "yellow", Status.fail: "red", Status.skip: "dim"}


@app.command("check")
def check_command(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output on stdout."),
    tenant: str | None = TENANT_OPTION,
) -> None:
    """Check config, both connections, webCRM fields and Types, and the state store."""
    use_tenant(tenant)
    settings = GLOBALS.settings(required=True)
    readiness = asyncio.run(check_readiness(settings, config_source=str(GLOBALS.config_path)))
    if as_json:
        typer.echo(json.dumps(readiness.as_dict(), indent=2, ensure_ascii=False))
    else:
        print_readiness(readiness)
    raise typer.Exit(0 if readiness.ready else 1)


def print_readiness(readiness: Readiness) -> None:
    table = Table(title="wfsync readiness")
    table.add_column("check")
    table.add_column("", justify="center")
    table.add_column("detail / advice")
    for row in readiness.rows:
        style = _STYLE[row.status]
        table.add_row(row.title, f"[{style}]{row.status.symbol}[/]", escape(row.detail))
    err_console.print(table)
    failed = sum(row.status is Status.fail for row in readiness.rows)
    warned = sum(row.status is Status.warn for row in readiness.rows)
    if failed:
        err_console.print(f"[red]not ready:[/] {failed} check(s) failed, {warned} warning(s)")
    else:
        note = f" ({warned} warning(s))" if warned else ""
        err_console.print(f"[green]ready to sync[/]{note}")
