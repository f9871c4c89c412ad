"""`wfsync serve`: the operator's console in a browser (login required)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import typer

from wfsync.cli.app import GLOBALS, TENANT_OPTION, app, err_console, use_tenant
from wfsync.config import Settings
from wfsync.state import StateStore
from wfsync.web.auth import PASSWORD_KEY

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["console_app", "serve_command"]


def console_app(settings: Settings, host: str, port: int) -> tuple[FastAPI, str]:
    """The console app, and the line to print once it listens (how to log in).

    Without a password anywhere, a one-time login URL with a long random token
    is printed (usable once, like Jupyter's). Binding a non-loopback address
    without TLS in front earns a warning: the password and cookie would cross
    the network in clear text.
    """
    from wfsync.web import create_app
    from wfsync.web.guard import is_loopback

    configured = settings.web.admin_password_hash.get_secret_value()
    store = StateStore.open(settings.state.url)
    try:
        stored = store.get_value(PASSWORD_KEY)
    finally:
        store.close()
    token = None if (configured or stored) else secrets.token_urlsafe(32)
    shown = f"[{host}]" if ":" in host else host
    if not is_loopback(host):
        err_console.print(
            f"[yellow]warning:[/] the console listens on {host}, beyond this machine, without "
            "TLS: put an HTTPS reverse proxy in front and list its name in \\[web] allowed_hosts",
            highlight=False,
        )
    base = f"http://{'localhost' if host in ('0.0.0.0', '::') else shown}:{port}"
    if token:
        greeting = (
            f"console on {base}/ — no password is set; log in once with "
            f"{base}/login?token={token} then set one with `wfsync web set-password`"
        )
    else:
        greeting = f"console on {base}/"
    return create_app(settings, login_token=token, bound_host=host), greeting


@app.command("serve")
def serve_command(
    port: int = typer.Option(8080, "--port", "-p", help="Port for the console."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    tenant: str | None = TENANT_OPTION,
    all_tenants: bool = typer.Option(
        False, "--all-tenants", help="In a cluster: every tenant's console, with a picker."
    ),
) -> None:
    """Serve the operator's console: overview, error inbox, conflicts, records, runs."""
    use_tenant(tenant)
    import uvicorn

    from wfsync.cli.listen import ensure_can_listen
    from wfsync.cli.state_access import ensure_state_exists

    if all_tenants:
        _serve_cluster(host, port)
        return

    settings = GLOBALS.settings()
    ensure_state_exists(settings.state.url)  # a console over a store that is not there misleads
    ensure_can_listen(host, port)
    console, greeting = console_app(settings, host, port)
    err_console.print(f"{greeting} — Ctrl-C to stop", highlight=False, soft_wrap=True)
    uvicorn.run(console, host=host, port=port, log_level="warning")


def _serve_cluster(host: str, port: int) -> None:
    """`wfsync serve --all-tenants`: one login, a tenant picker at /tenants."""
    import uvicorn

    from wfsync.cli.listen import ensure_can_listen
    from wfsync.cluster.console import ClusterConsole, cluster_password_hash
    from wfsync.cluster.tenants import Tenants

    settings = GLOBALS.cluster_settings()
    tenants = Tenants.open(settings)
    ensure_can_listen(host, port)
    token = None if cluster_password_hash(tenants, settings) else secrets.token_urlsafe(32)
    console = ClusterConsole(tenants, settings, bound_host=host, login_token=token)
    base = f"http://{'localhost' if host in ('0.0.0.0', '::') else host}:{port}"
    login = f" — log in once with {base}/login?token={token}" if token else ""
    err_console.print(
        f"cluster console on {base}/ (tenants at {base}/tenants){login} — Ctrl-C to stop",
        highlight=False,
        soft_wrap=True,
    )
    try:
        uvicorn.run(console, host=host, port=port, log_level="warning")
    finally:
        tenants.close()
