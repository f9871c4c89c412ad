"""The ``wfsync`` command.

:func:`main` turns every expected failure into one line on stderr and a
non-zero exit (no traceback): bad config, auth failure, an API unreachable after
retries. Exit 0 means the run completed, even if some records went to the error
inbox (they show in ``wfsync status``).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import typer
import typer.main
from rich.text import Text

# Typer vendors its own click; its usage errors are these classes, not click's.
from typer._click.exceptions import ClickException, NoArgsIsHelpError

from wfsync.cli import check_cmd as _check_cmd  # noqa: F401  (registers commands)
from wfsync.cli import cluster_cmd as _cluster_cmd  # noqa: F401
from wfsync.cli import connect_cmd as _connect_cmd  # noqa: F401
from wfsync.cli import demo_cmd as _demo_cmd  # noqa: F401
from wfsync.cli import disconnect_cmd as _disconnect_cmd  # noqa: F401
from wfsync.cli import init_cmd as _init_cmd  # noqa: F401
from wfsync.cli import run_cmd as _run_cmd  # noqa: F401
from wfsync.cli import serve_cmd as _serve_cmd  # noqa: F401
from wfsync.cli import simulate as _simulate  # noqa: F401
from wfsync.cli import sync_cmds as _sync_cmds  # noqa: F401
from wfsync.cli import tenants_cmd as _tenants_cmd  # noqa: F401
from wfsync.cli import web_cmd as _web_cmd  # noqa: F401
from wfsync.cli.app import GLOBALS, app, err_console
from wfsync.http.errors import ConfigError, WfsyncError

__all__ = ["EXIT_CONFIG", "EXIT_FAILED", "app", "main", "run"]

EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_INTERRUPTED = 130


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code (for tests and embedding).

    Every failure ends in exactly one line on stderr: usage errors (exit 2),
    bad configuration (exit 2) and runs that could not complete (exit 1). With
    ``--log-format json`` that line is a JSON log record like every other.
    """
    command = typer.main.get_command(app)
    words = list(sys.argv[1:] if argv is None else argv)
    GLOBALS.log_format = "json" if _asks_for_json_logs(words) else "auto"
    GLOBALS.tenant = None
    try:
        result = command.main(args=argv, prog_name="wfsync", standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        _fail("interrupted", EXIT_INTERRUPTED)
        return EXIT_INTERRUPTED
    except NoArgsIsHelpError as exc:
        exc.show()  # `wfsync` or `wfsync simulate` alone: the help is the answer
        return EXIT_CONFIG
    except ClickException as exc:
        _fail(_usage_line(exc), EXIT_CONFIG)
        return EXIT_CONFIG
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except WfsyncError as exc:
        code = EXIT_CONFIG if isinstance(exc, ConfigError) else EXIT_FAILED
        _fail(str(exc), code)
        return code
    except KeyboardInterrupt:
        _fail("interrupted", EXIT_INTERRUPTED)
        return EXIT_INTERRUPTED
    return result if isinstance(result, int) else 0


def _asks_for_json_logs(words: list[str]) -> bool:
    """``--log-format json`` among the global options (read before parsing, so even a
    command line that does not parse gets its error as JSON)."""
    for index, word in enumerate(words):
        if word == "--log-format=json":
            return True
        if word == "--log-format" and words[index + 1 : index + 2] == ["json"]:
            return True
    return False


def _usage_line(exc: ClickException) -> str:
    """Click's usage error as one line, pointing at the command's --help."""
    message = " ".join(exc.format_message().split())
    context = getattr(exc, "ctx", None)
    where = context.command_path if context is not None else "wfsync"
    return f"{message} (see `{where} --help`)"


def _fail(message: str, exit_code: int) -> None:
    """The one line a failed command leaves on stderr, as text or as a JSON record."""
    if GLOBALS.log_format == "json":
        record = {
            "event": message,
            "level": "error",
            "logger": "wfsync.cli",
            "exit_code": exit_code,
            "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }
        sys.stderr.write(json.dumps(record, ensure_ascii=False) + "\n")
        sys.stderr.flush()
        return
    err_console.print(Text("error: ", style="bold red") + Text(message), soft_wrap=True)


def main() -> None:
    sys.exit(run())
