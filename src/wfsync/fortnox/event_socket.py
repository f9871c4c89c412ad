"""The WebSocket under Fortnox's event stream, behind one small interface.

:class:`EventSocket` is all the event consumer needs: send a JSON command,
receive the next JSON message, close. Two connectors make one:

* :func:`websocket_connector` — the real thing (``websockets``), for
  ``wss://ws.fortnox.se/topics-v1`` or a simulator served on a port;
* :func:`asgi_connector` — an ASGI WebSocket app (the Fortnox simulator) called
  in-process, the WebSocket twin of ``httpx.ASGITransport``: tests and
  benchmarks need no sockets and no real time.

Either way a connection that ends (closed by the server, dropped, refused)
raises :class:`EventSocketClosed` from :meth:`EventSocket.receive` or
:meth:`EventSocket.send`, so the consumer has one thing to catch.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

from starlette.types import ASGIApp, Message

from wfsync.http.errors import WfsyncError

__all__ = [
    "Connector",
    "EventSocket",
    "EventSocketClosed",
    "asgi_connector",
    "websocket_connector",
]


class EventSocketClosed(WfsyncError):
    """The event connection ended or could not be opened (the consumer reconnects)."""


class EventSocket(Protocol):
    async def send(self, message: dict[str, Any]) -> None: ...

    async def receive(self) -> dict[str, Any]: ...


Connector = Callable[[str], AbstractAsyncContextManager[EventSocket]]


def _decode(text: str | bytes) -> dict[str, Any]:
    try:
        message = json.loads(text)
    except ValueError as exc:
        raise EventSocketClosed(f"not JSON from the event stream: {exc}") from None
    if not isinstance(message, dict):
        raise EventSocketClosed("the event stream sent JSON that is not an object")
    return message


# --- real sockets ----------------------------------------------------------------------


class _WebsocketsSocket:
    def __init__(self, connection: Any) -> None:
        self._connection = connection

    async def send(self, message: dict[str, Any]) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            await self._connection.send(json.dumps(message))
        except ConnectionClosed as exc:
            raise EventSocketClosed(f"event stream closed: {exc}") from None

    async def receive(self) -> dict[str, Any]:
        from websockets.exceptions import ConnectionClosed

        try:
            return _decode(await self._connection.recv())
        except ConnectionClosed as exc:
            raise EventSocketClosed(f"event stream closed: {exc}") from None


def websocket_connector(*, open_timeout: float = 15.0) -> Connector:
    """Connect over the network with the ``websockets`` library."""

    @asynccontextmanager
    async def connect(url: str) -> AsyncIterator[EventSocket]:
        from websockets.asyncio.client import connect as ws_connect
        from websockets.exceptions import WebSocketException

        try:
            connection = await ws_connect(url, open_timeout=open_timeout, max_size=2**20)
        except (OSError, TimeoutError, WebSocketException) as exc:
            raise EventSocketClosed(f"cannot connect to {url}: {exc}") from None
        try:
            yield _WebsocketsSocket(connection)
        finally:
            with contextlib.suppress(Exception):
                await connection.close()

    return connect


# --- in-process ASGI -------------------------------------------------------------------


class _AsgiSocket:
    """Client end of an in-process ASGI WebSocket conversation."""

    def __init__(self) -> None:
        self.to_app: asyncio.Queue[Message] = asyncio.Queue()
        self.from_app: asyncio.Queue[Message] = asyncio.Queue()
        self.closed = False

    async def send(self, message: dict[str, Any]) -> None:
        if self.closed:
            raise EventSocketClosed("event stream closed by the server")
        await self.to_app.put({"type": "websocket.receive", "text": json.dumps(message)})

    async def receive(self) -> dict[str, Any]:
        if self.closed:
            raise EventSocketClosed("event stream closed by the server")
        message = await self.from_app.get()
        if message["type"] == "websocket.send":
            return _decode(message.get("text") or message.get("bytes") or b"")
        self.closed = True
        raise EventSocketClosed(f"event stream closed by the server ({message.get('code')})")


def asgi_connector(app: ASGIApp) -> Connector:
    """Open WebSocket conversations with ``app`` in this process (no sockets)."""

    @asynccontextmanager
    async def connect(url: str) -> AsyncIterator[EventSocket]:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        scope = {
            "type": "websocket",
            "scheme": parts.scheme or "ws",
            "path": parts.path or "/",
            "raw_path": (parts.path or "/").encode(),
            "query_string": parts.query.encode(),
            "headers": [(b"host", (parts.netloc or "simulator").encode())],
            "server": ("simulator", 443),
            "client": ("127.0.0.1", 0),
            "subprotocols": [],
            "asgi": {"version": "3.0", "spec_version": "2.3"},
        }
        socket = _AsgiSocket()
        await socket.to_app.put({"type": "websocket.connect"})

        async def send(message: Message) -> None:
            await socket.from_app.put(message)

        app_task = asyncio.ensure_future(app(scope, socket.to_app.get, send))
        # An app that ends (or crashes) without a close message still ends the conversation.
        app_task.add_done_callback(
            lambda _: socket.from_app.put_nowait({"type": "websocket.close", "code": 1006})
        )
        try:
            first = await socket.from_app.get()
            if first["type"] != "websocket.accept":
                raise EventSocketClosed(f"{url}: connection refused ({first.get('code')})")
            yield socket
        finally:
            await socket.to_app.put({"type": "websocket.disconnect", "code": 1000})
            app_task.cancel()
            with contextlib.suppress(BaseException):
                await app_task

    return connect
