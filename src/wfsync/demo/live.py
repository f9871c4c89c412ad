"""``wfsync demo --keep-running``: the demo's two simulators on real local ports.

After the story the same simulators — with everything the story did to them —
are served over HTTP so a person can poke at them with curl, a browser or
wfsync itself, while a background loop keeps syncing them every few seconds
in real time (so an edit made by hand shows up on the other side).

Why one uvicorn server with two sockets: two servers in one process would
fight over the SIGINT handler; one server listening on both ports, with a tiny
ASGI dispatcher choosing the simulator by the port a request arrived on, stops
cleanly on the first Ctrl-C. The sockets are bound *before* the story starts so
the simulators can be built with their real base URLs (Fortnox puts absolute
``@url`` links in its answers) and a busy port fails fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from wfsync.demo.world import DEMO_CLIENT_SECRET, DemoWorld
from wfsync.http.errors import ConfigError
from wfsync.simulators.fortnox import DEMO_CLIENT_ID

__all__ = ["DemoSockets", "LiveServer", "bind_sockets", "credentials_banner"]


@dataclass
class DemoSockets:
    """The two listening sockets, bound before anything else happens."""

    host: str
    fortnox: socket.socket
    webcrm: socket.socket

    @property
    def fortnox_url(self) -> str:
        return f"http://{self.host}:{self.fortnox.getsockname()[1]}"

    @property
    def webcrm_url(self) -> str:
        return f"http://{self.host}:{self.webcrm.getsockname()[1]}"

    def close(self) -> None:
        self.fortnox.close()
        self.webcrm.close()


def _listen(host: str, port: int, option: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"cannot listen on {host}:{port} ({exc.strerror}); choose another port with {option}"
        ) from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


def bind_sockets(host: str, fortnox_port: int, webcrm_port: int) -> DemoSockets:
    """Bind both ports (0 = any free port) or fail with one line naming the option."""
    fortnox = _listen(host, fortnox_port, "--fortnox-port")
    try:
        webcrm = _listen(host, webcrm_port, "--webcrm-port")
    except BaseException:
        fortnox.close()
        raise
    return DemoSockets(host, fortnox, webcrm)


class _ByPort:
    """ASGI dispatcher: the simulator is chosen by the local port of the connection."""

    def __init__(self, apps: dict[int, ASGIApp]) -> None:
        self.apps = apps

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server") or ("", 0)
        app = self.apps.get(int(server[1] or 0))
        if app is None:  # pragma: no cover - only our two sockets are served
            return
        await app(scope, receive, send)


class _QuietServer(uvicorn.Server):
    """Ctrl-C or SIGTERM ends the demo normally: stop serving, exit 0, no re-raise."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        def stop(sig: int, frame: FrameType | None) -> None:
            if self.should_exit:
                self.force_exit = True
            self.should_exit = True

        originals = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


class LiveServer:
    """Serves both simulators of ``world`` on ``sockets`` until asked to stop."""

    def __init__(self, world: DemoWorld, sockets: DemoSockets) -> None:
        apps: dict[int, ASGIApp] = {
            sockets.fortnox.getsockname()[1]: world.fortnox.app,
            sockets.webcrm.getsockname()[1]: world.webcrm.app,
        }
        config = uvicorn.Config(_ByPort(apps), log_level="warning", lifespan="off")
        self.server = _QuietServer(config)
        self.sockets = sockets

    async def serve(self) -> None:
        await self.server.serve(sockets=[self.sockets.fortnox, self.sockets.webcrm])

    def stop(self) -> None:
        self.server.should_exit = True

    async def started(self) -> None:
        while not self.server.started:
            await asyncio.sleep(0.01)


def credentials_banner(world: DemoWorld, sockets: DemoSockets, state_url: str) -> list[str]:
    """What a person needs to talk to the simulators (the lines ``--keep-running`` prints)."""
    refresh = world.fortnox.issue_refresh_token(DEMO_CLIENT_ID)
    auth_code = world.settings.webcrm.auth_code.get_secret_value()
    fortnox, webcrm = sockets.fortnox_url, sockets.webcrm_url
    return [
        f"Fortnox simulator: {fortnox}/3   (tenant {world.fortnox.tenant_id})",
        f"  client id / secret: {DEMO_CLIENT_ID} / {DEMO_CLIENT_SECRET}",
        f"  token URL:          {fortnox}/oauth-v1/token",
        f"  refresh token:      {refresh}  (single use; rotates on every refresh)",
        f"webCRM simulator:  {webcrm}",
        f"  authCode:           {auth_code}",
        f"  try:                curl -X POST -d authCode={auth_code} {webcrm}/Auth/ApiLogin",
        f"Demo state store:  {state_url}",
        f"  inspect:            WFSYNC_STATE__URL={state_url} wfsync conflicts",
        "Point your own wfsync at the simulators with:",
        f"  export WFSYNC_FORTNOX__BASE_URL={fortnox}/3",
        f"  export WFSYNC_FORTNOX__TOKEN_URL={fortnox}/oauth-v1/token",
        f"  export WFSYNC_FORTNOX__CLIENT_ID={DEMO_CLIENT_ID}",
        f"  export WFSYNC_FORTNOX__CLIENT_SECRET={DEMO_CLIENT_SECRET}",
        f"  export WFSYNC_FORTNOX__REFRESH_TOKEN={refresh}",
        f"  export WFSYNC_WEBCRM__BASE_URL={webcrm}",
        f"  export WFSYNC_WEBCRM__AUTH_CODE={auth_code}",
    ]
