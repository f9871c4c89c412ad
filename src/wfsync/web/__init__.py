"""The operator's console (``wfsync serve``, ``wfsync run --serve``): see and fix what
the sync did."""

from wfsync.web.app import create_app

__all__ = ["create_app"]
