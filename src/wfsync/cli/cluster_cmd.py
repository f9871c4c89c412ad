"""`wfsync worker` and `wfsync scheduler`: the cluster's processes (docs/deploy.md)."""

from __future__ import annotations

import os
import socket

import typer

from wfsync.cli.app import GLOBALS, app, err_console


@app.command("worker")
def worker_command(
    concurrency: int = typer.Option(
        2, "--concurrency", help="Worker processes (one per core is a good start)."
    ),
    pool: str = typer.Option("prefork", "--pool", help="Celery pool: prefork, solo or threads."),
    name: str = typer.Option("", "--name", help="Worker name (default wfsync@host)."),
) -> None:
    """A Celery worker: runs tenants' cycles and imports from the queue."""
    from wfsync.cluster.tasks import make_app
    from wfsync.cluster.tenants import Tenants

    settings = GLOBALS.cluster_settings()
    Tenants.open(settings, need_key=True).close()  # bad key or URL: one line now, not per task
    argv = ["worker", f"--concurrency={concurrency}", f"--pool={pool}", "--loglevel=INFO"]
    node = name or "wfsync@%h"
    argv.append(f"--hostname={node}")
    # Each process of this worker names itself in runs and leases: node/pid.
    os.environ.setdefault("WFSYNC_WORKER_NAME", node.replace("%h", socket.gethostname()) + "/{pid}")
    make_app(settings).worker_main(argv=argv)


@app.command("scheduler")
def scheduler_command() -> None:
    """Celery beat with the schedule in Redis (redbeat): sends each tenant's cycles on
    the 6/3 cadence; a second scheduler waits on the lock (safe failover)."""
    from wfsync.cluster.tasks import make_app
    from wfsync.cluster.tenants import Tenants

    settings = GLOBALS.cluster_settings()
    Tenants.open(settings, need_key=True).close()
    celery_app = make_app(settings)
    celery_app.Beat(loglevel="INFO").run()


@app.command("webhooks")
def webhooks_command() -> None:
    """Receive every tenant's webCRM hook callbacks (\\[events] webhook_listen of the
    cluster's config) and send each tenant's webCRM cycle as a task."""
    import uvicorn

    from wfsync.cli.listen import ensure_can_listen
    from wfsync.cluster.hooks import HookRouter
    from wfsync.cluster.tasks import make_app
    from wfsync.cluster.tenants import Tenants

    settings = GLOBALS.cluster_settings()
    tenants = Tenants.open(settings, need_key=False)
    celery_app = make_app(settings)
    import redis

    client = redis.Redis.from_url(settings.cluster.broker_url)

    def claim(tenant: str, seconds: float) -> bool:
        key = f"wfsync:hook:{tenant}"
        return bool(client.set(key, "1", nx=True, px=int(seconds * 1000)))

    def send_cycle(tenant: str, countdown: float) -> None:
        celery_app.send_task("wfsync.cycle", (tenant, "webcrm"), countdown=countdown)

    host, _, port = settings.events.webhook_listen.rpartition(":")
    ensure_can_listen(host, int(port))
    err_console.print(f"webCRM hooks of every tenant received on {host}:{port}", highlight=False)
    try:
        uvicorn.run(
            HookRouter(tenants, send_cycle, claim), host=host, port=int(port), log_level="warning"
        )
    finally:
        tenants.close()
        client.close()


@app.command("fortnox-events")
def fortnox_events_command() -> None:
    """One Fortnox WebSocket for every tenant of the integration: each event becomes
    that tenant's targeted sync, sent as a task (docs/deploy.md)."""
    import asyncio
    import signal

    import redis

    from wfsync.cluster.fortnox_events import ClusterFortnoxEvents
    from wfsync.cluster.tasks import make_app
    from wfsync.cluster.tenants import Tenants

    settings = GLOBALS.cluster_settings()
    tenants = Tenants.open(settings, need_key=True)
    celery_app = make_app(settings)
    client = redis.Redis.from_url(settings.cluster.broker_url)

    def claim(key: str, seconds: float) -> bool:
        return bool(client.set(f"wfsync:{key}", "1", nx=True, px=int(seconds * 1000)))

    def release(key: str) -> None:
        client.delete(f"wfsync:{key}")

    def dispatch(tenant: str, entity: str, record_id: str, countdown: float) -> None:
        args = (tenant, "fortnox", entity, record_id)
        celery_app.send_task("wfsync.record", args, countdown=countdown)

    events = ClusterFortnoxEvents(tenants, dispatch, claim, release)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await events.run(stop)

    err_console.print("Fortnox events of every tenant: one connection per integration")
    try:
        asyncio.run(main())
    finally:
        tenants.close()
        client.close()
