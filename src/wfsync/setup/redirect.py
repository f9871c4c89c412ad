"""A one-shot local web server that receives Fortnox's OAuth redirect.

``wfsync connect fortnox`` sends the admin's browser to Fortnox; after consent
Fortnox redirects the browser to ``[fortnox] redirect_uri`` — by default
``http://localhost:8765/fortnox/callback`` — with ``?code=…&state=…`` (or
``?error=access_denied…``). :class:`RedirectReceiver` listens on that port for
exactly that one request and hands its query to the connect flow.

Why hand-rolled on asyncio streams rather than uvicorn: it serves a single GET on
one path for a few minutes, must hold the browser's request open until the
code has been exchanged (so the page can say whether it worked, instead of a
premature "success"), and must bind exactly the host and port the redirect URI
names. That is ~100 lines here against a server lifecycle to manage there.

The browser's connection is answered only after :meth:`RedirectReceiver.finish`
(or when the receiver closes), so the page the admin sees tells the truth.
Requests on other paths (``/favicon.ico``) get a 404 and do not end the wait.
"""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass
from types import TracebackType
from typing import Final
from urllib.parse import parse_qsl, urlsplit

from wfsync.http.errors import ConfigError, WfsyncError

__all__ = ["CallbackPage", "RedirectError", "RedirectReceiver"]

#: Hosts that mean "this machine": the redirect must come back to us.
LOCAL_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
#: How long one browser connection may take to send its request line and headers (s).
REQUEST_READ_TIMEOUT: Final = 10.0
#: How long the browser waits for the page after the redirect arrived (s).
PAGE_WAIT_LIMIT: Final = 120.0
MAX_HEADER_LINES: Final = 100


class RedirectError(WfsyncError):
    """The redirect could not be received (port busy, time out)."""

    fatal_for_run = True


@dataclass(frozen=True)
class CallbackPage:
    """What the browser shows after the redirect: a title and one sentence."""

    ok: bool
    title: str
    message: str

    def render(self) -> bytes:
        colour = "#1a7f37" if self.ok else "#b42318"
        text = (
            "<!doctype html><html lang=en><head><meta charset=utf-8>"
            f"<title>wfsync: {html.escape(self.title)}</title></head>"
            "<body style='font-family:system-ui,sans-serif;max-width:40em;margin:4em auto'>"
            f"<h1 style='color:{colour}'>{html.escape(self.title)}</h1>"
            f"<p>{html.escape(self.message)}</p>"
            "<p>You can close this tab and return to the terminal.</p></body></html>"
        )
        return text.encode("utf-8")


_UNANSWERED = CallbackPage(
    False, "wfsync stopped waiting", "Look at the terminal for what happened."
)


def listen_address(redirect_uri: str) -> tuple[str, int, str]:
    """``(host, port, path)`` to listen on for ``redirect_uri``; ConfigError if it is not local.

    The redirect must be plain ``http`` to this machine: the browser delivers it,
    and a receiver here can only see requests that reach this machine's port.
    """
    parts = urlsplit(redirect_uri)
    host = (parts.hostname or "").lower()
    if parts.scheme != "http" or host not in LOCAL_HOSTS:
        raise ConfigError(
            f"[fortnox] redirect_uri = {redirect_uri!r}: `wfsync connect fortnox` receives the "
            "redirect itself, so it must be http://localhost:PORT/PATH (and registered in the "
            "Fortnox Developer Portal exactly so)"
        )
    try:
        port = parts.port or 80
    except ValueError:
        raise ConfigError(f"[fortnox] redirect_uri = {redirect_uri!r}: invalid port") from None
    return host, port, parts.path or "/"


class RedirectReceiver:
    """Listen for the OAuth redirect on the host and port of ``redirect_uri``.

    Use as ``async with``: entering binds the port (RedirectError when it is
    taken), leaving answers a still-waiting browser and closes the socket.
    """

    def __init__(self, redirect_uri: str) -> None:
        self.host, self.port, self.path = listen_address(redirect_uri)
        self._server: asyncio.Server | None = None
        self._arrived: asyncio.Future[dict[str, str]] | None = None
        self._page: asyncio.Future[CallbackPage] | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._callback: asyncio.Task[None] | None = None

    async def __aenter__(self) -> RedirectReceiver:
        loop = asyncio.get_running_loop()
        self._arrived = loop.create_future()
        self._page = loop.create_future()
        bind = self.host.strip("[]")
        try:
            self._server = await asyncio.start_server(self._serve, host=bind, port=self.port)
        except OSError as exc:
            raise RedirectError(
                f"cannot listen on {self.host}:{self.port} for the Fortnox redirect "
                f"({exc.strerror or exc}); stop whatever uses the port or change "
                "[fortnox] redirect_uri (also in the Fortnox Developer Portal)"
            ) from None
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.finish(_UNANSWERED)
        if self._server is not None:
            self._server.close()
        if self._callback is not None:  # let the browser receive its page
            await asyncio.wait({self._callback}, timeout=5)
        for task in list(self._connections):
            task.cancel()  # idle speculative connections
        if self._server is not None:
            await self._server.wait_closed()

    async def wait(self, timeout: float) -> dict[str, str]:
        """The query parameters of the redirect; RedirectError after ``timeout`` seconds."""
        if self._arrived is None:
            raise RuntimeError("use `async with RedirectReceiver(...)` first")
        try:
            return await asyncio.wait_for(asyncio.shield(self._arrived), timeout)
        except TimeoutError:
            raise RedirectError(
                f"no answer from Fortnox within {timeout:g} s: open the printed URL in a browser "
                "and approve wfsync, or run again with a longer --timeout"
            ) from None

    def finish(self, page: CallbackPage) -> None:
        """Answer the waiting browser with ``page`` (only the first call counts)."""
        if self._page is not None and not self._page.done():
            self._page.set_result(page)

    # -- one browser connection -------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        try:
            await self._answer(reader, writer)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass  # a browser's speculative or dropped connection: nothing to answer
        finally:
            writer.close()
            if task is not None:
                self._connections.discard(task)

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request_line = await asyncio.wait_for(reader.readline(), REQUEST_READ_TIMEOUT)
        for _ in range(MAX_HEADER_LINES):
            line = await asyncio.wait_for(reader.readline(), REQUEST_READ_TIMEOUT)
            if line in (b"\r\n", b"\n", b""):
                break
        method, _, rest = request_line.decode("latin-1").partition(" ")
        target = rest.rsplit(" ", 1)[0] if " " in rest else rest.strip()
        parts = urlsplit(target)
        if method != "GET" or parts.path != self.path:
            page = CallbackPage(False, "Not found", "This address only receives Fortnox's answer.")
            await _send(writer, "404 Not Found", page)
            return
        arrived = self._arrived
        page_future = self._page
        if arrived is None or page_future is None or arrived.done():
            await _send(writer, "409 Conflict", _UNANSWERED)
            return
        self._callback = asyncio.current_task()
        arrived.set_result(dict(parse_qsl(parts.query, keep_blank_values=True)))
        try:
            page = await asyncio.wait_for(asyncio.shield(page_future), PAGE_WAIT_LIMIT)
        except TimeoutError:
            page = _UNANSWERED
        await _send(writer, "200 OK" if page.ok else "400 Bad Request", page)


async def _send(writer: asyncio.StreamWriter, status: str, page: CallbackPage) -> None:
    body = page.render()
    head = (
        f"HTTP/1.1 {status}\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\n"
        "Connection: close\r\n\r\n"
    )
    writer.write(head.encode("ascii") + body)
    await writer.drain()
