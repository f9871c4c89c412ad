"""`wfsync worker` and `wfsync scheduler`: the cluster's processes (docs/deploy.md)."""

from __future__ import annotations

import os
import socket

import typer

from wfsync.cli.app import GLOBALS, app


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
