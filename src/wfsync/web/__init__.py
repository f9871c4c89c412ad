"""A read-only status page for the admin (``wfsync serve``)."""

from wfsync.web.app import create_app

__all__ = ["create_app"]
