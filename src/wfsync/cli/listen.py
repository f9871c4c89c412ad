"""Check that a server command can listen before handing over to uvicorn.

uvicorn reports a port in use with its own log line and exit status 3; a
wfsync command says it in one line of its own and exits 1, like any run that
could not start.
"""

from __future__ import annotations

import socket

from wfsync.http.errors import WfsyncError

__all__ = ["ensure_can_listen"]


def ensure_can_listen(host: str, port: int) -> None:
    """Raise a one-line :class:`WfsyncError` when ``host:port`` cannot be bound."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise WfsyncError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise WfsyncError(
                f"cannot listen on {host}:{port}: {exc.strerror or exc} (another server, or "
                "an earlier run still going? pick another with --port)"
            ) from None
