"""`wfsync run`: keep syncing on the spec's cadence until stopped.

webCRM changes every ``webcrm_interval_minutes`` on the interval boundary,
Fortnox changes on the same interval offset by ``fortnox_offset_minutes``
(Stockholm wall clock). One instance per state store (a second one refuses
with one line); SIGINT/SIGTERM finish the cycle in flight and exit 0.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime, timedelta

import typer

from wfsync.cli.app import GLOBALS, app, err_console
from wfsync.clock import Clock, SystemClock
from wfsync.config import Settings
from wfsync.fortnox.tokens import TokenStore
from wfsync.http.errors import AuthError, ConfigError, PermissionDeniedError, WfsyncError
from wfsync.runtime.events import EventRuntime
from wfsync.runtime.metrics import SyncMetrics, start_metrics_server
from wfsync.runtime.runner import Runner
from wfsync.runtime.scheduler import Scheduler, jobs_from_settings
from wfsync.runtime.shutdown import GracefulShutdown
from wfsync.state import InstanceLock
from wfsync.sync.engine import NotImportedError, SyncEngine
from wfsync.sync.report import RunReport

log = logging.getLogger("wfsync.run")

#: Warn this long before the Fortnox refresh token expires.
TOKEN_WARNING = timedelta(days=7)


class AlreadyRunningError(WfsyncError):
    fatal_for_run = True


@app.command("run")
def run_command(
    metrics_port: int = typer.Option(
        0, "--metrics-port", help="Serve Prometheus metrics on this port (0 = off)."
    ),
    metrics_addr: str = typer.Option(
        "127.0.0.1", "--metrics-addr", help="Interface for the metrics endpoint."
    ),
    serve: bool = typer.Option(
        False, "--serve", help="Also serve the operator's console (one process for small installs)."
    ),
    port: int = typer.Option(8080, "--port", "-p", help="Console port (with --serve)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Console interface (with --serve)."),
) -> None:
    """Sync continuously: webCRM changes at :00/:06/…, Fortnox changes at :03/:09/…."""
    settings = GLOBALS.settings(required=True)
    lock = InstanceLock(settings.state.url)
    if not lock.acquire():
        raise AlreadyRunningError(
            "another `wfsync run` is already using this state store; stop it first"
        )
    try:
        console = (host, port) if serve else None
        asyncio.run(_serve(settings, metrics_port, metrics_addr, console))
    finally:
        lock.release()
    err_console.print("stopped")


async def token_expiry_warning(store: TokenStore, clock: Clock, metrics: SyncMetrics) -> str | None:
    """Publish the Fortnox refresh token's expiry; a warning a week ahead.

    A dead refresh token needs a person (a new consent), so it is said early,
    in the log of every Fortnox cycle and as a metric to alert on."""
    tokens = await store.load()
    expires = tokens.refresh_expires_at if tokens else None
    metrics.set_token_expiry("fortnox", "refresh", expires)
    if expires is None or expires - clock.now() >= TOKEN_WARNING:
        return None
    return (
        f"the Fortnox refresh token expires {expires.isoformat(timespec='minutes')}: "
        "run `wfsync connect fortnox` before then"
    )


@asynccontextmanager
async def console_server(
    settings: Settings, console: tuple[str, int] | None, stop: asyncio.Event
) -> AsyncIterator[None]:
    """`wfsync run --serve`: the console in the same event loop as the runner.

    uvicorn's own signal handling is switched off: SIGINT/SIGTERM belong to
    :class:`GracefulShutdown`, which finishes the cycle in flight; the console
    stops with the runner.
    """
    if console is None:
        yield
        return
    import uvicorn

    from wfsync.cli.serve_cmd import console_app

    host, port = console
    web, greeting = console_app(settings, host, port)
    config = uvicorn.Config(web, host=host, port=port, log_level="warning")

    class QuietServer(uvicorn.Server):
        @contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    server = QuietServer(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # say "console on …" only once it answers
        if task.done():
            raise ConfigError(f"cannot serve the console on {host}:{port} (port in use?)")
        await asyncio.sleep(0.05)
    err_console.print(greeting, highlight=False, soft_wrap=True)
    try:
        yield
    finally:
        server.should_exit = True
        await task


def _record(metrics: SyncMetrics, direction: str, report: RunReport) -> None:
    for key, count in report.counts.items():
        kind, result = key.split(".", 1)
        metrics.record(kind, direction, result, count)


async def _serve(
    settings: Settings,
    metrics_port: int,
    metrics_addr: str,
    console: tuple[str, int] | None = None,
) -> None:
    clock = SystemClock()
    metrics = SyncMetrics()
    server = (
        start_metrics_server(metrics_port, metrics, addr=metrics_addr) if metrics_port else None
    )
    try:
        async with SyncEngine.open(settings, clock=clock) as engine:
            if not engine.imported:
                raise NotImportedError

            def after(direction: str, report: RunReport) -> None:
                _record(metrics, direction, report)
                metrics.observe_api_calls("fortnox", engine.fortnox.http.calls)
                metrics.observe_api_calls("webcrm", engine.webcrm.http.calls)
                metrics.set_open(
                    errors=len(engine.store.failures(status="open")),
                    conflicts=len(engine.store.conflicts()),
                )

            async def webcrm_cycle() -> None:
                report = await runner.cycle("webcrm")
                if report is not None:
                    after("webcrm", report)

            async def fortnox_cycle() -> None:
                report = await runner.cycle("fortnox")
                if report is None:
                    return
                after("fortnox", report)
                warning = await token_expiry_warning(engine.fortnox.auth.store, clock, metrics)
                if warning:
                    log.warning("%s", warning)

            # The inbox as it stands now, not 0 until the first cycle succeeds.
            metrics.set_open(
                errors=len(engine.store.failures(status="open")),
                conflicts=len(engine.store.conflicts()),
            )
            # Events (docs/events.md): targeted syncs that take turns with the cycles.
            events = (
                EventRuntime(engine, settings, metrics=metrics, on_report=after)
                if settings.events.enabled
                else None
            )
            # One turn for cycles, targeted syncs and console requests: never two at once.
            runner = Runner(engine, clock, turn=events.turn if events else None)
            jobs = jobs_from_settings(
                interval_minutes=settings.sync.webcrm_interval_minutes,
                fortnox_offset_minutes=settings.sync.fortnox_offset_minutes,
                webcrm=webcrm_cycle,  # Runner.cycle takes the turn itself
                fortnox=fortnox_cycle,
            )
            scheduler = Scheduler(
                clock,
                jobs,
                metrics=metrics,
                fatal=(ConfigError, AuthError, PermissionDeniedError, NotImportedError),
            )
            interval = settings.sync.webcrm_interval_minutes
            offset = settings.sync.fortnox_offset_minutes
            where = f"; metrics on http://{metrics_addr}:{server.port}/metrics" if server else ""
            err_console.print(
                f"syncing: webCRM changes every {interval} min, Fortnox changes {offset} min "
                f"later{where} — Ctrl-C to stop",
                highlight=False,
            )
            if events is not None:
                err_console.print(
                    f"events: Fortnox WebSocket {settings.fortnox.websocket_url}; webCRM hooks "
                    f"received on {settings.events.webhook_listen}, called at "
                    f"{settings.events.base_url}",
                    highlight=False,
                )

            def next_runs() -> dict[str, datetime]:
                now = clock.now()
                return {name: scheduler.plan.next_slot(name, now) for name in jobs}

            async with GracefulShutdown() as stop, console_server(settings, console, stop):
                if events is not None:
                    events.start(stop)
                watcher = asyncio.create_task(runner.watch(stop, next_runs))
                try:
                    await scheduler.run_forever(stop)
                finally:
                    stop.set()
                    await watcher
                    if events is not None:
                        await events.close()
    finally:
        if server is not None:
            server.close()
