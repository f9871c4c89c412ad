"""The documentation names only what exists, and everything that exists is documented.

As sqlite-utils tests its docs: every ``wfsync …`` command line quoted in
README.md and docs/*.md must name a real command and only options that
command (or the global callback) has; every command of the Typer app must be
mentioned somewhere; every ``[section] key`` the docs cite must be a setting.
The list of commands comes from the app itself, so commands added later are
checked (and must be documented) without editing this test.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import typer.main

from wfsync.cli import app
from wfsync.config import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

#: Quoted command lines: inline code spans and the lines of fenced code blocks.
_SPAN = re.compile(r"`([^`\n]+)`")
_FENCE = re.compile(r"```[^\n]*\n(.*?)```", re.DOTALL)
_SHELL_STOP = {"&&", "||", "|", ";", ">", ">>", "2>", "#", "&"}


@dataclass
class Command:
    path: tuple[str, ...]
    options: set[str] = field(default_factory=set)
    subcommands: dict[str, Command] = field(default_factory=dict)


def _options(command: Any) -> set[str]:
    names: set[str] = set()
    for param in command.params:
        names.update(getattr(param, "opts", []))
        names.update(getattr(param, "secondary_opts", []))
    return names | {"--help"}


def _tree(command: Any, path: tuple[str, ...] = ()) -> Command:
    node = Command(path, _options(command))
    for name, sub in getattr(command, "commands", {}).items():
        node.subcommands[name] = _tree(sub, (*path, name))
    return node


ROOT_COMMAND = _tree(typer.main.get_command(app))


def _leaves(node: Command) -> list[Command]:
    if not node.subcommands:
        return [node]
    return [leaf for sub in node.subcommands.values() for leaf in _leaves(sub)]


def _quoted_lines() -> list[tuple[str, str]]:
    """(file name, command text) for every quoted ``wfsync …`` command line."""
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        pieces = [m.group(1) for m in _SPAN.finditer(_FENCE.sub("", text))]
        for block in _FENCE.finditer(text):
            pieces.extend(block.group(1).splitlines())
        for piece in pieces:
            tokens = piece.split()
            for index, _token in enumerate(tokens):
                if _invokes_wfsync(tokens, index):
                    found.append((doc.name, " ".join(["wfsync", *tokens[index + 1 :]])))
    return found


def _invokes_wfsync(tokens: list[str], index: int) -> bool:
    """Is ``tokens[index]`` the wfsync program being run (not a user or group name)?"""
    token = tokens[index]
    if token != "wfsync" and not token.endswith("/wfsync"):
        return False
    before = tokens[:index]
    return (
        not before
        or before[-1] in _SHELL_STOP
        or "bin/" in token  # .venv/bin/wfsync, /usr/local/bin/wfsync
        or (
            before[-2:-1] == ["-u"]  # sudo -u wfsync wfsync …
            and before[-3:-2] == ["sudo"]
            and len(before) >= 3
        )
    )


def _words(line: str) -> list[str]:
    try:
        words = shlex.split(line, comments=False)
    except ValueError:
        words = line.split()
    kept = []
    for word in words[1:]:
        if word in _SHELL_STOP or word.startswith("#"):
            break
        kept.append(word.strip("[]()…,."))
    return [w for w in kept if w]


def _option_known(word: str, node: Command) -> bool:
    name = word.split("=", 1)[0]
    known = node.options | ROOT_COMMAND.options
    if name in known:
        return True
    # -vv: a repeated short flag.
    return bool(re.fullmatch(r"-([a-z])\1+", name)) and f"-{name[1]}" in known


def check_line(line: str) -> list[str]:
    """Problems with one quoted command line (empty: it names real things)."""
    words = _words(line)
    node = ROOT_COMMAND
    problems = []
    index = 0
    # Global options first (their values are the next word).
    while index < len(words) and words[index].startswith("-"):
        if not _option_known(words[index], node):
            problems.append(f"{line!r}: no global option {words[index]}")
        takes_value = words[index] in ("--config", "-c", "--log-format")
        index += 2 if takes_value and "=" not in words[index] else 1
    while index < len(words) and node.subcommands:
        alternatives = words[index].split("|")
        if not any(word in node.subcommands for word in alternatives):
            if words[index].isupper() or not re.fullmatch(r"[a-z][a-z-]*", words[index]):
                break  # a placeholder (wfsync COMMAND --help) or prose
            problems.append(f"{line!r}: no command {' '.join((*node.path, words[index]))}")
            return problems
        missing = [w for w in alternatives if w not in node.subcommands]
        problems += [f"{line!r}: no command {' '.join((*node.path, w))}" for w in missing]
        node = node.subcommands[alternatives[0]]
        index += 1
    for word in words[index:]:
        for option in word.split("|"):
            if option.startswith("-") and len(option) > 1 and not _option_known(option, node):
                problems.append(f"{line!r}: {' '.join(node.path) or 'wfsync'} has no {option}")
    return problems


def test_the_parser_catches_what_does_not_exist() -> None:
    assert check_line("wfsync status --json") == []
    assert check_line("wfsync simulate fortnox|webcrm --port N") == []
    assert check_line("wfsync --config PATH -vv run") == []
    assert check_line("wfsync frobnicate")
    assert check_line("wfsync status --yaml")
    assert check_line("wfsync simulate fortnox --colour red")


def test_every_documented_command_and_option_exists() -> None:
    problems = [f"{name}: {p}" for name, line in _quoted_lines() for p in check_line(line)]
    assert problems == []


@pytest.mark.parametrize("leaf", _leaves(ROOT_COMMAND), ids=lambda c: " ".join(c.path))
def test_every_command_is_documented(leaf: Command) -> None:
    wanted = "wfsync " + " ".join(leaf.path)
    for _, line in _quoted_lines():
        if any(text == wanted or text.startswith(wanted + " ") for text in _expand(line)):
            return
    pytest.fail(f"`{wanted}` is not named in README.md or docs/*.md")


def _expand(line: str) -> list[str]:
    """``wfsync [--config P] simulate fortnox|webcrm`` → the plain command lines it names."""
    words = [w for w in _words(line) if w]
    while words and words[0].startswith("-"):  # global options and their values
        words = words[2:] if words[0] in ("--config", "-c", "--log-format") else words[1:]
    lines = ["wfsync"]
    for word in words:
        lines = [f"{prefix} {alt}" for prefix in lines for alt in word.split("|")]
    return lines


_KEY_CITATION = re.compile(r"`\[([a-z_.]+)\](?:\s+([a-z_]+))?")


def _settings_paths() -> tuple[set[str], set[str]]:
    sections: set[str] = set()
    keys: set[str] = set()

    def walk(model: Any, prefix: str) -> None:
        sections.add(prefix)
        for name, info in model.model_fields.items():
            annotation = info.annotation
            if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
                walk(annotation, f"{prefix}.{name}")
            else:
                keys.add(f"{prefix}.{name}")

    for name, info in Settings.model_fields.items():
        walk(info.annotation, name)
    return sections, keys


def test_cited_settings_exist() -> None:
    sections, keys = _settings_paths()
    problems = []
    for doc in DOCS:
        for match in _KEY_CITATION.finditer(doc.read_text(encoding="utf-8")):
            section, key = match.group(1), match.group(2)
            if section not in sections:
                problems.append(f"{doc.name}: no section [{section}]")
            elif key and f"{section}.{key}" not in keys and f"{section}.{key}" not in sections:
                problems.append(f"{doc.name}: no setting [{section}] {key}")
    assert problems == []


def test_configuration_reference_names_every_setting() -> None:
    _, keys = _settings_paths()
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    env = {("WFSYNC_" + "__".join(part.upper() for part in key.split("."))) for key in keys}
    assert {name for name in env if f"`{name}`" not in text} == set()
