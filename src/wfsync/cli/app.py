"""The Typer application object and the options every command shares.

Command modules import :data:`app` and register themselves; ``wfsync.cli``
imports them all. Commands stay thin: they parse options, call into the library
and print. stdout carries only machine-readable output (``--json``); logs,
progress and warnings go to stderr.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console

from wfsync.cli.settings_loader import load_settings
from wfsync.config import DEFAULT_CONFIG_PATH, Settings

app = typer.Typer(
    name="wfsync",
    help="Two-way sync between webCRM and Fortnox.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Human output (tables, progress, warnings) goes to stderr; stdout is for --json.
err_console = Console(stderr=True)
out_console = Console()


@dataclass
class Globals:
    config_path: Path = DEFAULT_CONFIG_PATH
    log_format: str = "auto"
    verbose: int = 0
    #: ``--tenant NAME``: the command works on that tenant of the cluster.
    tenant: str | None = None

    def settings(self, *, required: bool = False) -> Settings:
        """The command's settings: the config file, or with ``--tenant`` that tenant's
        settings from the cluster the config file describes (docs/deploy.md)."""
        if self.tenant:
            from wfsync.cluster.tenants import Tenants

            with Tenants.open(load_settings(self.config_path)) as tenants:
                return tenants.settings_for(self.tenant)
        return load_settings(self.config_path, required=required)

    def cluster_settings(self) -> Settings:
        """The cluster's own settings ([state] on PostgreSQL, [cluster])."""
        return load_settings(self.config_path)


def use_tenant(name: str | None) -> None:
    """Called first by every per-tenant command with its ``--tenant`` value."""
    if name:
        GLOBALS.tenant = name


#: ``--tenant NAME`` on per-tenant commands.
TENANT_OPTION = typer.Option(
    None, "--tenant", "-t", help="In a cluster: work on this tenant (see `wfsync tenants list`)."
)


GLOBALS = Globals()


@app.callback()
def _global_options(
    config: Path = typer.Option(
        DEFAULT_CONFIG_PATH, "--config", "-c", help="Path of the TOML config file."
    ),
    log_format: str = typer.Option(
        "auto", "--log-format", help="auto (human on a terminal), human or json."
    ),
    verbose: int = typer.Option(
        0,
        "--verbose",
        "-v",
        count=True,
        help="More log output: -v adds wfsync's debug lines, -vv also every HTTP request.",
    ),
) -> None:
    from wfsync.runtime.logs import configure_logging

    if log_format not in ("auto", "human", "json"):
        raise typer.BadParameter(
            f"{log_format!r} is not one of auto, human, json", param_hint="--log-format"
        )
    GLOBALS.config_path = config
    GLOBALS.tenant = None  # set again by a per-tenant command's --tenant
    GLOBALS.log_format = log_format
    GLOBALS.verbose = verbose
    configure_logging(log_format, verbose)
