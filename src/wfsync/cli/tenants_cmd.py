"""`wfsync tenants add|list|enable|disable|remove|new-key|rotate-key` (the cluster)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from wfsync.cli.app import GLOBALS, app, err_console
from wfsync.config import DEFAULT_CONFIG_PATH
from wfsync.http.errors import ConfigError
from wfsync.state.secrets import new_key

tenants_app = typer.Typer(
    help="The tenants of a cluster (its wfsync.toml: \\[state] on PostgreSQL, \\[cluster]).",
    no_args_is_help=True,
)
app.add_typer(tenants_app, name="tenants")


def _tenants(*, need_key: bool = True):  # type: ignore[no-untyped-def]
    from wfsync.cluster.tenants import Tenants

    return Tenants.open(GLOBALS.cluster_settings(), need_key=need_key)


@tenants_app.command("new-key")
def new_key_command() -> None:
    """Print a new WFSYNC_SECRET_KEY (keep it in the environment, never in the database)."""
    typer.echo(new_key())
    err_console.print(
        "set it as WFSYNC_SECRET_KEY for every worker, scheduler and admin command; "
        "to rotate, put the new key first: WFSYNC_SECRET_KEY=new,old, then "
        "`wfsync tenants rotate-key`"
    )


@tenants_app.command("add")
def add_command(
    name: str = typer.Argument(..., help="Tenant name: lower-case letters, digits, - and _."),
    config: Path = typer.Option(
        ..., "--config", help="The tenant's own wfsync.toml (its credentials and sync settings)."
    ),
    from_state: str | None = typer.Option(
        None,
        "--from-state",
        help="Copy a single-tenant install's state (its \\[state] url, e.g. "
        "sqlite:///wfsync.db) into the tenant: links, history, tokens. Stop `wfsync run` first.",
    ),
) -> None:
    """Add a tenant from its single-tenant wfsync.toml (validated, stored encrypted)."""
    try:
        text = config.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{config}: cannot read: {exc.strerror}") from None
    if from_state is not None:
        from wfsync.cli.state_access import ensure_state_exists

        ensure_state_exists(from_state)  # never create an empty one by a typo
    with _tenants() as tenants:
        tenant = tenants.add(name, text, from_state=from_state)
    after = (
        "its state was copied in; it syncs on the next slot"
        if from_state
        else f"next: `wfsync{_config_flag()} import --tenant {tenant.name}`"
    )
    err_console.print(
        f"tenant {tenant.name} added (state in schema {tenant.schema}); {after}",
        highlight=False,
        markup=False,
        soft_wrap=True,  # the command must stay pasteable on a narrow terminal
    )


@tenants_app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output on stdout."),
) -> None:
    """Every tenant, enabled or not, with its health: those needing a person first."""
    from wfsync.cluster.overview import overview

    with _tenants(need_key=False) as tenants:
        rows = {t.name: t for t in tenants.list()}
        health = overview(tenants)
    if as_json:
        items = []
        for h in health:
            tenant = rows[h.name]
            item = {
                "name": h.name,
                "enabled": h.enabled,
                "schema": tenant.schema,
                "created_at": tenant.created_at.isoformat(),
                "updated_at": tenant.updated_at.isoformat(),
            }
            item.update(h.as_dict())
            items.append(item)
        typer.echo(json.dumps(items))
        return
    table = Table(title=f"{len(health)} tenant(s)", title_justify="left")
    for column in ("name", "state", "webCRM run", "Fortnox run", "inbox", "note"):
        table.add_column(column)
    for h in health:
        runs = [h.last_runs.get(d) for d in ("webcrm", "fortnox")]
        cells = [f"{r.status} {r.started_at:%m-%d %H:%M}" if r else "-" for r in runs]
        note = h.error or "; ".join(f"{d} paused: {why}" for d, why in h.paused.items())
        table.add_row(h.name, h.state, *cells, str(h.open_failures), note)
    err_console.print(table)


@tenants_app.command("disable")
def disable_command(name: str = typer.Argument(...)) -> None:
    """Stop scheduling a tenant (its state is kept)."""
    with _tenants(need_key=False) as tenants:
        tenants.set_enabled(name, False)
    err_console.print(f"tenant {name} disabled: no more cycles until `wfsync tenants enable`")


@tenants_app.command("enable")
def enable_command(name: str = typer.Argument(...)) -> None:
    """Schedule a tenant again."""
    with _tenants(need_key=False) as tenants:
        tenants.set_enabled(name, True)
    err_console.print(f"tenant {name} enabled")


@tenants_app.command("remove")
def remove_command(
    name: str = typer.Argument(...),
    drop_state: bool = typer.Option(
        False, "--drop-state", help="Also delete the tenant's state (links, history, tokens)."
    ),
) -> None:
    """Remove a tenant; its state schema is kept unless --drop-state."""
    with _tenants(need_key=False) as tenants:
        tenant = tenants.remove(name, drop_state=drop_state)
    kept = "deleted" if drop_state else f"kept in schema {tenant.schema}"
    err_console.print(f"tenant {name} removed; its state is {kept}", highlight=False)


@tenants_app.command("rotate-key")
def rotate_key_command() -> None:
    """Re-encrypt every tenant's settings with the first key in WFSYNC_SECRET_KEY."""
    with _tenants() as tenants:
        count = tenants.rotate_keys()
    err_console.print(f"{count} tenant(s) re-encrypted with the first key")


@tenants_app.command("hooks")
def hooks_command(name: str = typer.Argument(...)) -> None:
    """Register (or repair) a tenant's webCRM hooks at the cluster's \\[events] webhook_url,
    served by `wfsync webhooks`."""
    import asyncio

    from wfsync.cluster.hooks import register_hooks

    settings = GLOBALS.cluster_settings()
    if not settings.events.webhook_url:
        raise ConfigError(
            "[events] webhook_url: set the public URL `wfsync webhooks` is reached at "
            "(in the cluster's config)"
        )
    with _tenants() as tenants:
        created = asyncio.run(register_hooks(tenants, name, settings.events.webhook_url))
    err_console.print(f"tenant {name}: {created} webCRM hook(s) created", highlight=False)


def _config_flag() -> str:
    """`` --config FILE`` as this command was given it (so a hint can be pasted)."""
    path = GLOBALS.config_path
    return "" if path == DEFAULT_CONFIG_PATH else f" --config {path}"
