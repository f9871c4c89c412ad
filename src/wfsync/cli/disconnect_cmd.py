"""``wfsync disconnect webcrm-hooks``: take our webhooks out of webCRM.

``wfsync run`` registers hooks in webCRM (docs/events.md); they stay there when
wfsync stops, and webCRM keeps calling a URL nobody answers. This removes ours
— recognised by their path, so other integrations' hooks on the same API token
are left alone. Stop ``wfsync run`` first (or set ``[events] enabled = false``),
or it registers them again on its next start.
"""

from __future__ import annotations

import asyncio

import typer

from wfsync.cli.app import GLOBALS, TENANT_OPTION, app, err_console, use_tenant
from wfsync.runtime.events_webcrm import remove_hooks
from wfsync.webcrm import WebcrmClient

__all__ = ["disconnect_app"]

disconnect_app = typer.Typer(
    help="Remove what wfsync registered in a vendor system.", no_args_is_help=True
)
app.add_typer(disconnect_app, name="disconnect")


@disconnect_app.command("webcrm-hooks")
def webcrm_hooks_command(
    tenant: str | None = TENANT_OPTION,
) -> None:
    """Delete the webhooks `wfsync run` registered in webCRM (ours only)."""
    use_tenant(tenant)
    settings = GLOBALS.settings(required=True)

    async def remove() -> int:
        async with WebcrmClient(settings.webcrm) as webcrm:
            return await remove_hooks(webcrm)

    removed = asyncio.run(remove())
    err_console.print(
        f"removed {removed} webCRM hook{'s' if removed != 1 else ''}"
        + ("" if removed else " (none of ours were registered)")
    )
