"""`wfsync web set-password` and `wfsync resume`: console set-up and the way back
from an auto-pause without a browser."""

from __future__ import annotations

import sys

import typer

from wfsync.cli.app import GLOBALS, TENANT_OPTION, app, err_console, use_tenant
from wfsync.clock import SystemClock
from wfsync.state import StateStore
from wfsync.state.lease import describe_holder, writer_lease
from wfsync.web.auth import MIN_PASSWORD_LENGTH, PASSWORD_KEY, hash_password

web_app = typer.Typer(help="The operator's console.", no_args_is_help=True)
app.add_typer(web_app, name="web")


def _read_password(prompt: str) -> str:
    """From the terminal without echo, or one line of stdin when it is not a terminal."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(prompt, stream=sys.stderr)
    err_console.print(prompt, end="")
    line = sys.stdin.readline()
    err_console.print()
    return line.rstrip("\r\n")


@web_app.command("set-password")
def set_password_command(
    tenant: str | None = TENANT_OPTION,
) -> None:
    """Set the console password (asked twice; stored as a salted hash in the state store)."""
    use_tenant(tenant)
    settings = GLOBALS.settings()
    first = _read_password("new console password: ")
    second = _read_password("again: ")
    if first != second:
        err_console.print("error: the two passwords differ; nothing changed")
        raise typer.Exit(2)
    if len(first) < MIN_PASSWORD_LENGTH:
        err_console.print(f"error: use at least {MIN_PASSWORD_LENGTH} characters; nothing changed")
        raise typer.Exit(2)
    store = StateStore.open(settings.state.url)
    try:
        store.set_value(PASSWORD_KEY, hash_password(first))
    finally:
        store.close()
    err_console.print("console password set (a running `wfsync serve` uses it at the next login)")
    if settings.web.admin_password_hash.get_secret_value():
        err_console.print(
            "[yellow]note:[/] [web] admin_password_hash is set in the config or environment "
            "and takes precedence over this password"
        )


@app.command("resume")
def resume_command(
    direction: str = typer.Argument(
        "all", help="webcrm, fortnox or all (default): the paused direction to resume."
    ),
    tenant: str | None = TENANT_OPTION,
) -> None:
    """Resume a direction that was paused after failing runs (also in the console)."""
    use_tenant(tenant)
    from wfsync.runtime.pause import DIRECTIONS, resume

    if direction not in (*DIRECTIONS, "all"):
        err_console.print(f"error: unknown direction {direction!r}: webcrm, fortnox or all")
        raise typer.Exit(2)
    settings = GLOBALS.settings()
    store = StateStore.open(settings.state.url)
    try:
        holder = describe_holder("wfsync resume")
        with writer_lease(store, holder, wait=settings.state.lease_wait_seconds):
            done = resume(store, SystemClock().now(), None if direction == "all" else direction)
    finally:
        store.close()
    err_console.print(f"resumed: {', '.join(done)}" if done else "nothing was paused")
