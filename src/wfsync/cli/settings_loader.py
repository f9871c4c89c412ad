"""Reading the settings for a command: the config file plus ``WFSYNC_…`` variables.

Kept apart from the command modules so that the Typer app (which every command
imports) can load settings without importing any command back.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic_settings import SettingsError

from wfsync.config import Settings, load_config
from wfsync.config_template import config_keys, config_tables, env_var
from wfsync.errors import ConfigError

__all__ = ["load_settings"]


def load_settings(path: Path, *, required: bool = False) -> Settings:
    """:func:`wfsync.config.load_config`, also turning an unparsable list in the
    environment (pydantic-settings' ``SettingsError``) into a one-line ConfigError."""
    try:
        return load_config(path, required=required)
    except SettingsError:
        raise ConfigError(_bad_env_json() or "a WFSYNC_… environment value is invalid") from None


def _bad_env_json() -> str | None:
    """Name the ``WFSYNC_…`` variable pydantic-settings could not parse as JSON.

    It parses lists and whole tables (``WFSYNC_SYNC='{…}'``) as JSON and then
    only says which *section* failed; we find the variable ourselves.
    """
    present = {name.upper(): value for name, value in os.environ.items()}
    complex_paths = [key.path for key in config_keys() if key.kind.startswith("list")]
    for path in [*config_tables(), *complex_paths]:
        raw = present.get(env_var(path))
        if raw is None:
            continue
        try:
            json.loads(raw)
        except ValueError:
            example = (
                '\'["Kund – Företag", "Kund – Privat"]\''
                if path in complex_paths
                else '\'{"key": "value"}\''
            )
            what = "list" if path in complex_paths else "table"
            return f"{env_var(path)}: not valid JSON (a {what} is written as JSON, e.g. {example})"
    return None
