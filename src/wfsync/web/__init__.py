"""The operator's console (``wfsync serve``, ``wfsync run --serve``): see and fix what
the sync did.

``create_app`` is imported on first use: every ``wfsync`` command imports the CLI
modules, and only the console needs FastAPI and the templates loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wfsync.web.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from wfsync.web.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
