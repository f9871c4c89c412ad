"""Near-real-time sync inside ``wfsync run``: the event sources and their turn.

:class:`EventRuntime` runs, next to the poll scheduler,

* the Fortnox WebSocket consumer (:mod:`wfsync.runtime.events_fortnox`), and
* webCRM's hooks: registration, the callback receiver bound to
  ``[events] webhook_listen``, and the debounced read-back
  (:mod:`wfsync.runtime.events_webcrm`).

Every event ends in :meth:`SyncEngine.sync_record`, which takes the
single-writer lease like any run. Inside one process the lease is shared, so
:attr:`EventRuntime.turn` (an asyncio lock) makes a targeted sync and a poll
cycle take turns: a reconcile reads both sides before writing, and two of them
interleaved could both create the same record. Poll cycles wait for the
targeted sync in flight and then do all of their usual work — events never
move a poll cursor, so they can never make a poll skip anything.

Nothing here can stop a sync: a source that fails is logged, shown in
``wfsync status`` and retried with back-off while the polls go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import uvicorn

from wfsync.config import Settings
from wfsync.fortnox.event_socket import Connector, websocket_connector
from wfsync.http.retry import RetryPolicy
from wfsync.runtime.events_fortnox import FortnoxEventStream
from wfsync.runtime.events_health import EventMetrics, SourceHealth
from wfsync.runtime.events_webcrm import (
    HOOK_PATH,
    HookReceiver,
    WebcrmChangeReader,
    ensure_hooks,
    hook_token,
)

if TYPE_CHECKING:
    from wfsync.runtime.metrics import SyncMetrics
    from wfsync.sync.engine import SyncEngine
    from wfsync.sync.report import RunReport

__all__ = ["EventRuntime"]

log = logging.getLogger("wfsync.events")

ReportSink = Callable[[str, "RunReport"], None]
#: The one tenant of a single-tenant install, as the event stream names it.
TENANT = "default"


class _Receiver(uvicorn.Server):
    """uvicorn without its own signal handling: ``wfsync run`` owns Ctrl-C."""

    @contextlib.contextmanager
    def capture_signals(self):  # type: ignore[no-untyped-def]
        yield


def unreachable_hook_url(settings: Settings) -> str | None:
    """Why webCRM could not call our hooks, or None when it can.

    With no ``[events] webhook_url`` the hooks would point at the receiver's
    own address; when that is a loopback address and webCRM is not on this
    machine (the real service), registering them would only leave hooks in the
    customer's webCRM that can never be called.
    """
    if settings.events.webhook_url:
        return None
    listen_host = settings.events.webhook_listen.rpartition(":")[0].strip("[]")
    webcrm_host = urlsplit(settings.webcrm.base_url).hostname or ""
    if _loopback(listen_host) and not _loopback(webcrm_host):
        return (
            f"webCRM hooks not registered: webCRM cannot reach {settings.events.webhook_listen}; "
            "set [events] webhook_url to a public HTTPS address (docs/events.md)"
        )
    return None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class EventRuntime:
    def __init__(
        self,
        engine: SyncEngine,
        settings: Settings,
        *,
        metrics: SyncMetrics | None = None,
        connector: Connector | None = None,
        on_report: ReportSink | None = None,
        debounce: float = 1.0,
        token_check_seconds: float = 30.0,
        listen: bool = True,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.turn = asyncio.Lock()
        self.on_report = on_report
        self.listen = listen
        event_metrics = EventMetrics(metrics.registry) if metrics is not None else None
        store, clock = engine.store, engine.clock
        self.fortnox_health = SourceHealth("fortnox", store, clock, event_metrics)
        self.webcrm_health = SourceHealth("webcrm", store, clock, event_metrics)
        self.fortnox = FortnoxEventStream(
            url=settings.fortnox.websocket_url,
            client_secret=settings.fortnox.client_secret.get_secret_value(),
            access_tokens=self._access_tokens,
            store=store,
            handle=self._fortnox_event,
            health=self.fortnox_health,
            clock=clock,
            connector=connector or websocket_connector(),
            token_check_seconds=token_check_seconds,
        )
        self.token = hook_token(store)
        self.reader = WebcrmChangeReader(
            webcrm=engine.webcrm,
            store=store,
            handle=self.handle,
            health=self.webcrm_health,
            clock=clock,
            debounce=debounce,
        )
        self.receiver = HookReceiver(self.token, self.reader.changed)
        self.hooks_ready = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._server: _Receiver | None = None

    async def _access_tokens(self) -> dict[str, str]:
        """This install is the stream's one tenant."""
        token = (await self.engine.fortnox.auth.authorization()).removeprefix("Bearer ")
        return {TENANT: token}

    async def _fortnox_event(self, _tenant: str, entity: str, record_id: str) -> None:
        await self.handle("fortnox", entity, record_id)

    # --- the one way into the engine ---------------------------------------------------
    async def handle(self, source: str, entity: str, record_id: str) -> None:
        """A targeted sync of one record, in turn with the poll cycles."""
        async with self.turn:
            report = await self.engine.sync_record(source, entity, record_id)
        if self.on_report is not None:
            self.on_report(source, report)

    def in_turn(self, job: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """Wrap a poll cycle so it never interleaves with a targeted sync."""

        async def cycle() -> None:
            async with self.turn:
                await job()

        return cycle

    # --- life cycle -------------------------------------------------------------------------
    def start(self, stop: asyncio.Event) -> None:
        self._tasks.append(asyncio.create_task(self.fortnox.run(stop), name="fortnox-events"))
        self._tasks.append(asyncio.create_task(self._webcrm(stop), name="webcrm-hooks"))

    async def close(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        self.fortnox_health.stopped()
        self.webcrm_health.stopped()

    async def _webcrm(self, stop: asyncio.Event) -> None:
        sock = self._bind() if self.listen else None
        receiver = asyncio.create_task(self._serve(sock)) if sock is not None else None
        reader = asyncio.create_task(self.reader.run(stop))
        try:
            await self._register(stop, listening=sock is not None or not self.listen)
            await stop.wait()
        finally:
            if self._server is not None:
                self._server.should_exit = True
            tasks = [t for t in (receiver, reader) if t is not None]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _register(self, stop: asyncio.Event, *, listening: bool) -> None:
        """Register our hooks; keep trying with back-off while webCRM refuses."""
        retry = RetryPolicy(base=5.0, cap=600.0)
        base = self.settings.events.base_url
        unreachable = unreachable_hook_url(self.settings)
        if unreachable:
            log.warning("%s; webCRM changes travel by polling", unreachable)
            self.webcrm_health.disconnected(unreachable)
            self.hooks_ready.set()
            return
        failures = 0
        while not stop.is_set():
            try:
                created = await ensure_hooks(self.engine.webcrm, base, self.token)
            except Exception as exc:  # a warning; polling carries changes
                failures += 1
                reason = f"cannot register webCRM hooks: {exc}"
                log.warning("%s; polling carries changes meanwhile", reason)
                self.webcrm_health.disconnected(reason)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), retry.delay(failures))
                continue
            log.info("webcrm hooks: %d new, calling %s%s/…", created, base, HOOK_PATH)
            if listening:
                self.webcrm_health.connected()
            self.hooks_ready.set()
            return

    def _bind(self) -> socket.socket | None:
        """The receiver's socket, bound now so a busy port is one clear warning."""
        listen = self.settings.events.webhook_listen
        host, _, port = listen.rpartition(":")
        host = host.strip("[]")
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, int(port)))
        except OSError as exc:
            sock.close()
            reason = f"cannot listen for webCRM hooks on {listen}: {exc.strerror or exc}"
            log.warning("%s ([events] webhook_listen); polling carries changes", reason)
            self.webcrm_health.disconnected(reason)
            return None
        return sock

    async def _serve(self, sock: socket.socket) -> None:
        config = uvicorn.Config(self.receiver, log_level="warning", lifespan="off")
        self._server = _Receiver(config)
        await self._server.serve(sockets=[sock])
