"""Help texts go through rich markup: an unescaped ``[state]`` is taken for a style
tag and silently vanishes from ``--help`` (it said "( webhook_listen of"). Every
config section named in a help text must be written ``\\[state]``."""

from __future__ import annotations

import re
from typing import Any

import typer.main

from wfsync.cli.app import app

SECTION = re.compile(r"(?<!\\)\[[a-z_.]+\]")


def _commands(command: Any, path: str = "wfsync") -> list[tuple[str, Any]]:
    found = [(path, command)]
    for name, sub in (getattr(command, "commands", None) or {}).items():
        found += _commands(sub, f"{path} {name}")
    return found


def test_no_help_text_loses_a_config_section_to_markup() -> None:
    root = typer.main.get_command(app)
    commands = _commands(root)
    assert len(commands) > 20  # the whole tree was walked
    eaten = []
    for path, command in commands:
        texts = [command.help or "", command.short_help or ""]
        texts += [getattr(p, "help", None) or "" for p in command.params]
        for text in texts:
            eaten += [f"{path}: {m.group(0)}" for m in SECTION.finditer(text)]
    assert eaten == [], f"escape these as \\[…] in the help text: {eaten}"
