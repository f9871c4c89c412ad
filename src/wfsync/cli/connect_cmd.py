"""``wfsync connect fortnox`` and ``wfsync connect webcrm``: one-time set-up.

Thin shells over :mod:`wfsync.setup`: they load the config, run the flow and
print what it found. Everything goes to stderr (no machine output here); any
failure is one line and exit 1 (bad configuration: exit 2).
"""

from __future__ import annotations

import asyncio
import contextlib
import webbrowser

import typer
from rich.markup import escape
from rich.table import Table

from wfsync.cli.app import GLOBALS, TENANT_OPTION, app, err_console, use_tenant
from wfsync.config import Settings
from wfsync.setup.fortnox_connect import DEFAULT_TIMEOUT, FortnoxConnection, connect_fortnox
from wfsync.setup.redirect import listen_address
from wfsync.setup.webcrm_connect import WebcrmConnection, configured_types, connect_webcrm
from wfsync.state import SqlTokenStore, StateStore
from wfsync.state.db import redact

__all__ = ["connect_app"]

connect_app = typer.Typer(
    help="Connect wfsync to Fortnox (OAuth consent) or check the webCRM API token.",
    no_args_is_help=True,
)
app.add_typer(connect_app, name="connect")


@connect_app.command("fortnox")
def fortnox_command(
    no_browser: bool = typer.Option(
        False, "--no-browser", help="Only print the consent URL; do not open a browser."
    ),
    timeout: float = typer.Option(
        DEFAULT_TIMEOUT, "--timeout", min=0.1, help="Seconds to wait for Fortnox's redirect."
    ),
    tenant: str | None = TENANT_OPTION,
) -> None:
    """Authorise wfsync in Fortnox and store the tokens in the state store.

    Opens Fortnox's consent page, receives the redirect on the port of
    \\[fortnox] redirect_uri, and confirms by reading the company information.
    With \\[fortnox] tenant_id set (service account), no browser is needed.
    """
    use_tenant(tenant)
    settings = GLOBALS.settings(required=True)
    fortnox = settings.fortnox
    if not fortnox.tenant_id:
        listen_address(fortnox.redirect_uri)  # a non-local redirect fails before anything else

    def show_url(url: str) -> None:
        err_console.print("Open this address in a browser and approve wfsync in Fortnox:")
        err_console.print(url, soft_wrap=True, highlight=False, markup=False)
        if not no_browser:
            with contextlib.suppress(webbrowser.Error):  # no browser: the URL is enough
                webbrowser.open(url)
        host, port, _ = listen_address(fortnox.redirect_uri)
        err_console.print(
            f"Waiting up to {timeout:g} s for Fortnox's answer on {host}:{port} …", highlight=False
        )

    store = StateStore.open(settings.state.url)
    try:
        connection = asyncio.run(
            connect_fortnox(fortnox, SqlTokenStore(store), show_url=show_url, timeout=timeout)
        )
    finally:
        store.close()
    _print_fortnox(connection, settings)


def _print_fortnox(connection: FortnoxConnection, settings: Settings) -> None:
    how = "service account" if connection.mode == "client_credentials" else "consent"
    if connection.company_name is None:
        company = "company information not readable (no companyinformation scope)"
    else:
        company = (
            f"[bold]{escape(connection.company_name)}[/] (tenant {escape(connection.tenant_id)})"
        )
    err_console.print(
        f"[green]✓[/] Connected to Fortnox ({how}): {company}; tokens stored in "
        f"{escape(redact(settings.state.url))}",
        highlight=False,
    )
    if connection.refresh_expires_at is not None:
        err_console.print(
            f"  refresh token valid until {connection.refresh_expires_at:%Y-%m-%d} "
            "(renewed on every sync; `wfsync check` warns a week ahead)",
            highlight=False,
        )
    scopes = connection.scopes
    if scopes.known and (scopes.missing_required or scopes.missing_optional):
        missing = ", ".join(scopes.missing_required + scopes.missing_optional)
        style = "red" if scopes.missing_required else "yellow"
        err_console.print(
            f"[{style}]warning:[/] scopes not granted: {escape(missing)}; "
            + escape(scopes.advice()),
            highlight=False,
        )


@connect_app.command("webcrm")
def webcrm_command(
    tenant: str | None = TENANT_OPTION,
) -> None:
    """Validate the webCRM API token and show the tenant's Types and custom fields."""
    use_tenant(tenant)
    settings = GLOBALS.settings(required=True)
    connection = asyncio.run(connect_webcrm(settings))
    _print_webcrm(connection, settings)


def _print_webcrm(tenant: WebcrmConnection, settings: Settings) -> None:
    err_console.print(
        f"[green]✓[/] webCRM accepted the API token ({escape(settings.webcrm.base_url)})",
        highlight=False,
    )
    sync = settings.sync
    if tenant.types_known:
        types = Table(title="organisation Type options")
        types.add_column("Type")
        types.add_column("wfsync")
        for option in tenant.organisation_types:
            role = ""
            if option in sync.customer_types:
                role = "private person" if option in sync.private_types else "company"
                role = f"synced ({role})"
            types.add_row(escape(option), role)
        err_console.print(types)
    else:
        wanted = ", ".join(configured_types(sync))
        err_console.print(
            f"[yellow]warning:[/] webCRM did not list its Type options; check by hand that "
            f"{escape(wanted)} exist",
            highlight=False,
        )
    slots = Table(title=escape("custom fields ([webcrm.custom_fields])"))
    slots.add_column("field")
    slots.add_column("webCRM property", no_wrap=True)
    slots.add_column("label in webCRM")
    slots.add_column("found", no_wrap=True)
    for slot in tenant.slots:
        found = {True: "[green]✓[/]", False: "[red]✗ missing[/]", None: "built-in"}[slot.found]
        slots.add_row(slot.logical, slot.slot, escape(slot.label), found)
    err_console.print(slots)
    for problem in tenant.slot_problems:
        err_console.print(f"[red]missing:[/] {escape(problem)}", highlight=False)
    for unknown in tenant.unknown_types:
        err_console.print(
            f"[red]unknown Type:[/] {escape(unknown)!r} is configured but not a webCRM option",
            highlight=False,
        )
    if tenant.slot_problems or tenant.unknown_types:
        err_console.print("Fix these in webCRM or in the config, then run `wfsync check`.")
