"""``wfsync init`` (write a commented config file) and ``wfsync config`` (check it).

``init`` writes every setting with its default (see :mod:`wfsync.config_template`)
so the admin edits a complete, self-documenting file instead of guessing key
names. It asks for the few values nobody else can know — credentials,
customer-number owner, delivery target, state store — on a terminal, and takes
them as flags in scripts. The file holds secrets, so it is created with mode
0600 (atomically: a crash never leaves a half-written config), and an existing
file is only replaced with ``--force``.

``config`` loads the file plus ``WFSYNC_…`` environment exactly as every other
command does and shows the effective values with secrets masked: the first
thing to run when a setting "does not take".
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import tomllib
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import click
import typer
from pydantic import BaseModel, SecretStr
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from wfsync.cli.app import GLOBALS, app, err_console
from wfsync.cli.settings_loader import load_settings
from wfsync.config import Settings
from wfsync.config_template import (
    ConfigKey,
    config_keys,
    env_var,
    render_config,
)
from wfsync.http.errors import ConfigError
from wfsync.state.db import redact

__all__ = ["config_command", "init_command", "load_settings", "write_private_file"]


class Owner(StrEnum):
    fortnox = "fortnox"
    webcrm = "webcrm"


class Target(StrEnum):
    order = "order"
    invoice = "invoice"


#: Prompt text and whether to hide the answer, per essential key (in asking order).
_QUESTIONS: dict[str, tuple[str, bool]] = {
    "fortnox.client_id": ("Fortnox client id", False),
    "fortnox.client_secret": ("Fortnox client secret (Enter to set it later)", True),
    "webcrm.auth_code": ("webCRM application token / authCode (Enter to set it later)", True),
    "sync.customer_number_owner": ("Who assigns customer numbers", False),
    "sync.delivery_target": ("A webCRM delivery becomes a Fortnox", False),
    "state.url": ("State store (SQLAlchemy URL)", False),
}
_CHOICES: dict[str, list[str]] = {
    "sync.customer_number_owner": [o.value for o in Owner],
    "sync.delivery_target": [t.value for t in Target],
}


def _validate_without_environment(data: dict[str, Any], source: str) -> None:
    """Check a config mapping section by section, ignoring ``WFSYNC_…`` variables
    (``init`` must judge what it writes, not the caller's environment)."""
    unknown = set(data) - set(Settings.model_fields)
    if unknown:
        raise ConfigError(f"{source}: [{sorted(unknown)[0]}]: unknown section")
    for name, info in Settings.model_fields.items():
        model = info.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        try:
            model.model_validate(data.get(name, {}))
        except PydanticValidationError as exc:
            first = exc.errors()[0]
            where = ".".join([name, *(str(p) for p in first["loc"])])
            message = first["msg"].removeprefix("Value error, ")
            raise ConfigError(f"{source}: {where}: {message}") from None


def _check_state_url(url: str) -> None:
    try:
        make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"--state-url: {url!r} is not a database URL (e.g. sqlite:///wfsync.db)"
        ) from None


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # mkstemp already uses 0600; say it where we can
            os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _ask(values: dict[str, Any]) -> None:
    defaults = {key.path: key.default for key in config_keys()}
    for path, (question, hidden) in _QUESTIONS.items():
        if path in values:
            continue
        default = defaults[path]
        if isinstance(default, SecretStr):
            default = default.get_secret_value()
        choices = _CHOICES.get(path)
        answer = click.prompt(
            question,
            default=default,
            hide_input=hidden,
            show_default=not hidden,
            type=click.Choice(choices) if choices else str,
            err=True,
        )
        values[path] = answer


def _nest(values: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for path, value in values.items():
        *sections, name = path.split(".")
        node = data
        for section in sections:
            node = node.setdefault(section, {})
        node[name] = value
    return data


@app.command("init")
def init_command(
    fortnox_client_id: str | None = typer.Option(
        None, "--fortnox-client-id", help="Client id of your Fortnox integration."
    ),
    fortnox_client_secret: str | None = typer.Option(
        None, "--fortnox-client-secret", help="Client secret of your Fortnox integration."
    ),
    webcrm_auth_code: str | None = typer.Option(
        None, "--webcrm-auth-code", help="webCRM application token (authCode)."
    ),
    customer_number_owner: Owner | None = typer.Option(
        None, "--customer-number-owner", help="Who assigns customer numbers."
    ),
    delivery_target: Target | None = typer.Option(
        None, "--delivery-target", help="What a webCRM delivery becomes in Fortnox."
    ),
    state_url: str | None = typer.Option(
        None, "--state-url", help="SQLAlchemy URL of the state store."
    ),
    interactive: bool | None = typer.Option(
        None,
        "--interactive/--non-interactive",
        help="Ask for missing essentials (default: only when stdin is a terminal). "
        "Without asking, values come from the flags, then from WFSYNC_… environment "
        "variables (e.g. WFSYNC_FORTNOX__CLIENT_SECRET), else the defaults.",
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing config file."),
) -> None:
    """Write a commented config file with every setting and its default (mode 0600).

    Warns (one line) when a credential is left empty. For scripts:
    `wfsync init --non-interactive` with flags or WFSYNC_… environment variables.
    """
    path = GLOBALS.config_path
    if path.is_dir():
        raise ConfigError(f"{path} is a directory; pass a file name with --config")
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists; use --force to overwrite it")
    given = {
        "fortnox.client_id": fortnox_client_id,
        "fortnox.client_secret": fortnox_client_secret,
        "webcrm.auth_code": webcrm_auth_code,
        "sync.customer_number_owner": customer_number_owner.value
        if customer_number_owner
        else None,
        "sync.delivery_target": delivery_target.value if delivery_target else None,
        "state.url": state_url,
    }
    values: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
    # Scripts and containers pass secrets in the environment rather than on a command line
    # (where `ps` shows them): WFSYNC_… variables fill what no flag gave.
    for key in given:
        if key not in values and os.environ.get(env_var(key)):
            values[key] = os.environ[env_var(key)]
    if interactive if interactive is not None else sys.stdin.isatty():
        _ask(values)
    if "state.url" in values:
        _check_state_url(str(values["state.url"]))
    _validate_without_environment(_nest(values), "init")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = render_config(values, header=f"Written by `wfsync init` on {stamp}.")
    _validate_without_environment(tomllib.loads(text), str(path))
    write_private_file(path, text)
    _warn_about_empty_credentials(values)
    err_console.print(
        f"wrote {path} (mode 0600: it holds secrets). Next: `wfsync connect fortnox`, "
        "then `wfsync check`.",
        markup=False,
        soft_wrap=True,
    )


#: Credentials nothing works without, and the command that needs each.
_CREDENTIALS = {
    "fortnox.client_id": "wfsync connect fortnox",
    "fortnox.client_secret": "wfsync connect fortnox",
    "webcrm.auth_code": "wfsync connect webcrm",
}


def _warn_about_empty_credentials(values: dict[str, Any]) -> None:
    """One line naming every credential left empty (a pipe or --non-interactive never
    asks, so this is the only place the admin learns it)."""
    empty = [path for path in _CREDENTIALS if not str(values.get(path) or "").strip()]
    if not empty:
        return
    where = ", ".join(f"{path} ({env_var(path)})" for path in empty)
    err_console.print(
        f"warning: left empty: {where}; fill them in before "
        f"`{' / '.join(dict.fromkeys(_CREDENTIALS[p] for p in empty))}`",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _effective(settings: Settings, key: ConfigKey) -> Any:
    node: Any = settings
    for part in key.path.split("."):
        node = getattr(node, part)
    if isinstance(node, SecretStr):
        return "***" if node.get_secret_value() else ""
    if key.path == "state.url":
        return redact(node)  # a PostgreSQL URL may carry a password
    return node


@app.command("config")
def config_command(
    json_output: bool = typer.Option(False, "--json", help="Print JSON on stdout."),
) -> None:
    """Check the configuration (file + WFSYNC_ environment); show it with secrets masked."""
    path = GLOBALS.config_path
    settings = load_settings(path)
    present = {name.upper() for name in os.environ}
    if json_output:
        shown = settings.model_dump(mode="json")
        shown["state"]["url"] = redact(settings.state.url)
        typer.echo(json.dumps(shown, ensure_ascii=False, indent=2))
        return
    where = str(path) if path.exists() else f"{path} (not found: defaults and environment)"
    err_console.print(f"configuration OK: {where}", markup=False, soft_wrap=True)
    for key in config_keys():
        source = f"  (from {env_var(key.path)})" if env_var(key.path) in present else ""
        value = json.dumps(_effective(settings, key), ensure_ascii=False)
        err_console.print(
            f"{key.path} = {value}{source}", markup=False, highlight=False, soft_wrap=True
        )
