"""Many tenants' simulators behind one served ASGI app (for the cluster's
end-to-end test and benchmarks/cluster_quiet.py): ``/f/<tenant>/…`` is that
tenant's Fortnox simulator, ``/w/<tenant>/…`` its webCRM simulator, and
``/events/topics-v1`` a Fortnox event hub several tenants share (when set). Each
simulator answers 429 beyond the vendor's budget; :class:`Pair` also records the
most requests it saw in any window."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from wfsync.simulators.fortnox import FortnoxSimulator
from wfsync.simulators.webcrm import WebcrmSimulator

__all__ = ["Pair", "Simulators", "serve_simulators", "tenant_toml"]


class Pair:
    def __init__(self, name: str, tenant_id: str | None = None) -> None:
        self.name = name
        self.fortnox = FortnoxSimulator(**({"tenant_id": tenant_id} if tenant_id else {}))
        self.fortnox.register_client("cluster", "cluster-secret")
        self.refresh = self.fortnox.issue_refresh_token("cluster")
        self.webcrm = WebcrmSimulator()
        self.auth_code = self.webcrm.add_api_token()
        self.sent: dict[str, deque[float]] = {"f": deque(), "w": deque()}
        self.worst: Counter[str] = Counter()
        #: Seconds each answer is held back (a slow vendor).
        self.delay = 0.0

    def count(self, vendor: str, now: float) -> None:
        window, span = self.sent[vendor], 5.0 if vendor == "f" else 60.0
        window.append(now)
        while window and window[0] <= now - span:
            window.popleft()
        self.worst[vendor] = max(self.worst[vendor], len(window))


class Simulators:
    """Every tenant's two simulators behind one served ASGI app: ``/f/<t>/…`` and
    ``/w/<t>/…``. Edits run on the server's own event loop (no data races)."""

    def __init__(self, pairs: dict[str, Pair], events: Any = None) -> None:
        self.pairs = pairs
        self.loop: asyncio.AbstractEventLoop | None = None
        #: The shared Fortnox event hub (an ASGI WebSocket app) at ``/events/topics-v1``.
        self.events = events

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket" and self.events is not None:
            path = scope["path"].removeprefix("/events")
            await self.events(dict(scope, path=path, raw_path=path.encode()), receive, send)
            return
        if scope["type"] != "http":
            return
        _, vendor, tenant, *rest = scope["path"].split("/", 3)
        pair = self.pairs[tenant]
        pair.count(vendor, time.monotonic())
        if pair.delay:
            await asyncio.sleep(pair.delay)
        path = "/" + (rest[0] if rest else "")
        inner = dict(scope, path=path, raw_path=path.encode(), root_path="")
        app = pair.fortnox.app if vendor == "f" else pair.webcrm.app
        await app(inner, receive, send)

    def run(self, edit: Callable[[], Any]) -> Any:
        """Run ``edit`` on the simulators' loop; returns what it returns."""
        assert self.loop is not None

        async def on_loop() -> Any:
            return edit()

        return asyncio.run_coroutine_threadsafe(on_loop(), self.loop).result(timeout=10)


@contextmanager
def serve_simulators(sims: Simulators) -> Iterator[str]:
    """Serve ``sims`` on a free local port in a thread; yields the base URL."""
    config = uvicorn.Config(sims, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)

    def run() -> None:
        loop = asyncio.new_event_loop()
        sims.loop = loop
        loop.run_until_complete(server.serve())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("simulators did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def tenant_toml(pair: Pair, base: str) -> str:
    return (
        "[fortnox]\n"
        f'base_url = "{base}/f/{pair.name}/3"\n'
        f'token_url = "{base}/f/{pair.name}/oauth-v1/token"\n'
        'client_id = "cluster"\nclient_secret = "cluster-secret"\n'
        f'refresh_token = "{pair.refresh}"\n\n'
        f'[webcrm]\nbase_url = "{base}/w/{pair.name}"\nauth_code = "{pair.auth_code}"\n\n'
        "[events]\nenabled = false\n"
    )
