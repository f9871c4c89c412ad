"""The ``wfsync`` command.

:func:`main` turns every expected failure into one line on stderr and a
non-zero exit (no traceback): bad config, auth failure, an API unreachable after
retries. Exit 0 means the run completed, even if some records went to the error
inbox (they show in ``wfsync status``).
"""

from __future__ import annotations

import sys

from rich.text import Text

from wfsync.cli import check_cmd as _check_cmd  # noqa: F401  (registers commands)
from wfsync.cli import connect_cmd as _connect_cmd  # noqa: F401
from wfsync.cli import demo_cmd as _demo_cmd  # noqa: F401
from wfsync.cli import disconnect_cmd as _disconnect_cmd  # noqa: F401
from wfsync.cli import init_cmd as _init_cmd  # noqa: F401
from wfsync.cli import run_cmd as _run_cmd  # noqa: F401
from wfsync.cli import serve_cmd as _serve_cmd  # noqa: F401
from wfsync.cli import simulate as _simulate  # noqa: F401
from wfsync.cli import sync_cmds as _sync_cmds  # noqa: F401
from wfsync.cli.app import app, err_console
from wfsync.http.errors import ConfigError, WfsyncError

__all__ = ["EXIT_CONFIG", "EXIT_FAILED", "app", "main", "run"]

EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_INTERRUPTED = 130


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code (for tests and embedding)."""
    try:
        app(args=argv, prog_name="wfsync")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except WfsyncError as exc:
        err_console.print(Text("error: ", style="bold red") + Text(str(exc)), soft_wrap=True)
        return EXIT_CONFIG if isinstance(exc, ConfigError) else EXIT_FAILED
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return EXIT_INTERRUPTED
    return 0


def main() -> None:
    sys.exit(run())
