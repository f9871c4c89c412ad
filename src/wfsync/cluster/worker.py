"""One tenant's work inside a Celery worker process.

:class:`WorkerRuntime` is made once per worker process (after the fork) and
holds what every task of that process shares: the cluster's settings, its state
store (tenants, leases; a pool of one or two connections), a Redis client for
the API budgets, and the worker's name. :meth:`WorkerRuntime.run` does one
tenant's direction:

1. the tenant's settings (decrypted) — a disabled or removed tenant is skipped;
2. the cluster lease on (tenant, direction) — someone else on it: skipped;
3. the tenant's state store, fenced by that lease and naming the worker in
   its runs; the API clients pace themselves on the tenant's budgets in Redis;
4. the cycle, as ``wfsync run`` does it (:class:`wfsync.runtime.runner.Runner`:
   pauses, auto-pause after failing runs, admin requests, alerts), while a
   background task renews the lease; it may wait at most ``storm_wait`` seconds
   on a vendor's 429s and 5xx (then it is a failed run, and a storm that lasts
   pauses that tenant), so no tenant holds a shared process for long;
5. the lease released, the store closed.

A task redelivered after its worker died simply runs the direction again:
cursors, snapshots and intents make a repeated cycle write nothing twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wfsync.clock import Clock, SystemClock
from wfsync.cluster.lease import ClusterLeases, LeaseLostError, LeaseTicket
from wfsync.cluster.tenants import TenantError, Tenants
from wfsync.cluster.window import FORTNOX_BUDGET, WEBCRM_BUDGET, RedisWindow, budget_key
from wfsync.config import Settings
from wfsync.http.errors import WfsyncError
from wfsync.state import StateStore
from wfsync.state.lease import LeaseBusyError
from wfsync.sync.report import RunReport

__all__ = ["KEY_PREFIX", "WorkerRuntime", "worker_name"]

log = logging.getLogger("wfsync.cluster")

KEY_PREFIX = "wfsync"
DIRECTIONS = ("webcrm", "fortnox")
#: Most seconds one tenant's cycle may wait on a vendor's 429s / 5xx before it ends
#: (cursors kept; a failed run, so a storm that lasts pauses the tenant): a worker
#: process is shared by every tenant, and one tenant's storm must not hold it.
STORM_WAIT_SECONDS = 30.0


def worker_name() -> str:
    """What runs and leases record as their worker: ``WFSYNC_WORKER_NAME`` (``{pid}``
    in it is this process's id; `wfsync worker` sets ``<node name>/{pid}``)."""
    named = os.environ.get("WFSYNC_WORKER_NAME")
    if named:
        return named.replace("{pid}", str(os.getpid()))
    return f"{socket.gethostname()}/{os.getpid()}"


@dataclass
class WorkerRuntime:
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    name: str = field(default_factory=worker_name)
    #: Called with (tenant, direction) once the run holds its lease (tests, metrics).
    on_start: Callable[[str, str], None] | None = None
    #: A cycle's waiting budget on each vendor (an import keeps the default: it is long).
    storm_wait: float = STORM_WAIT_SECONDS

    def __post_init__(self) -> None:
        import redis

        self.tenants = Tenants.open(self.settings, need_key=True)
        self.leases = ClusterLeases(
            self.tenants.store, seconds=self.settings.cluster.lease_seconds, clock=self.clock
        )
        self.redis = redis.Redis.from_url(self.settings.cluster.broker_url)

    def close(self) -> None:
        self.tenants.close()
        self.redis.close()

    # --- one tenant, one direction --------------------------------------------------
    def run(
        self, tenant: str, direction: str, record: tuple[str, str, str] | None = None
    ) -> dict[str, Any]:
        """Run one cycle (``webcrm``/``fortnox``) or the first import (``import``); with
        ``record`` (source, entity, id), that record's targeted sync instead of the
        cycle, under the same lease (an event, :mod:`wfsync.cluster.fortnox_events`)."""
        try:
            if not self.tenants.get(tenant).enabled:
                return {"tenant": tenant, "direction": direction, "result": "disabled"}
            settings = self.tenants.settings_for(tenant)
        except TenantError:
            return {"tenant": tenant, "direction": direction, "result": "no such tenant"}
        ticket = self.leases.try_acquire(tenant, direction, self.name)
        if ticket is None:
            return {"tenant": tenant, "direction": direction, "result": "busy"}
        try:
            return asyncio.run(self._run(settings, ticket, record))
        finally:
            self.leases.release(ticket)

    async def _run(
        self, settings: Settings, ticket: LeaseTicket, record: tuple[str, str, str] | None
    ) -> dict[str, Any]:
        from wfsync.runtime.pause import paused
        from wfsync.runtime.runner import Runner
        from wfsync.sync.engine import NotImportedError, SyncEngine

        store = StateStore.open(settings.state.url, clock=self.clock, pool_size=1)
        store.fence = self.leases.fence(ticket)
        store.worker = self.name
        outcome: dict[str, Any] = {"tenant": ticket.tenant, "direction": ticket.direction}
        try:
            async with SyncEngine.open(
                settings,
                clock=self.clock,
                store=store,
                holder=f"{self.name} {ticket.direction}",
                # A record's targeted sync never waits on the tenant's other direction:
                # busy now, it is sent again later (a worker process is shared).
                lease_wait=0.0 if record else settings.state.lease_wait_seconds,
            ) as engine:
                self.share_budgets(engine, ticket.tenant)
                if ticket.direction != "import":
                    self.bound_waits(engine)
                if self.on_start is not None:
                    self.on_start(ticket.tenant, ticket.direction)
                lost = asyncio.Event()
                main = asyncio.current_task()
                renewer = asyncio.create_task(self._renew(ticket, lost, main))
                report: RunReport | None
                try:
                    if record is not None:
                        note = paused(store, ticket.direction)
                        if note is not None:
                            outcome["result"] = f"paused: {note.get('reason')}"
                            return outcome
                        report = await engine.sync_record(*record)
                    elif ticket.direction == "import":
                        if engine.imported:
                            outcome["result"] = "already imported"
                            return outcome
                        report = await engine.import_all()
                    else:
                        report = await Runner(engine, self.clock).cycle(ticket.direction)
                except NotImportedError:
                    outcome["result"] = "not imported (run `wfsync import --tenant`)"
                    return outcome
                except LeaseLostError as exc:
                    log.warning("%s", exc)
                    outcome["result"] = "lease lost"
                    return outcome
                except asyncio.CancelledError:
                    if not lost.is_set():
                        raise
                    outcome["result"] = "lease lost"  # stopped before its next vendor call
                    return outcome
                except WfsyncError as exc:
                    if record is not None and isinstance(exc, LeaseBusyError):
                        outcome["result"] = "busy"  # the other direction is writing
                        return outcome
                    log.warning("%s/%s failed: %s", ticket.tenant, ticket.direction, exc)
                    outcome["result"] = f"failed: {exc}"
                    return outcome
                finally:
                    renewer.cancel()
            outcome["result"] = "paused" if report is None else "ok"
            outcome["counts"] = {} if report is None else report.as_dict()
            return outcome
        finally:
            store.close()

    async def _renew(
        self, ticket: LeaseTicket, lost: asyncio.Event, main: asyncio.Task[Any] | None
    ) -> None:
        """Renew every third of the lease; once it is lost, stop the run at once (the
        fence already refuses its state writes; this also stops its vendor calls)."""
        every = self.settings.cluster.lease_seconds / 3
        while True:
            await asyncio.sleep(every)
            if not await asyncio.to_thread(self.leases.renew, ticket):
                log.warning(
                    "lease on %s/%s lost; stopping the run", ticket.tenant, ticket.direction
                )
                lost.set()
                if main is not None:
                    main.cancel()
                return

    def bound_waits(self, engine: Any) -> None:
        """Give this run at most ``storm_wait`` seconds of waiting on each vendor."""
        for http in (engine.fortnox.http, engine.webcrm.http):
            budget = min(http.retry.run_wait_budget, self.storm_wait)
            http.retry = dataclasses.replace(http.retry, run_wait_budget=budget)

    def share_budgets(self, engine: Any, tenant: str) -> None:
        """Pace this tenant's clients on budgets every worker shares (Redis)."""
        for client_limiter, vendor, (limit, window) in (
            (engine.fortnox.http.limiter, "fortnox", FORTNOX_BUDGET),
            (engine.webcrm.http.limiter, "webcrm", WEBCRM_BUDGET),
        ):
            client_limiter.store = RedisWindow(self.redis, budget_key(KEY_PREFIX, tenant, vendor))
            client_limiter.max_requests = min(limit, client_limiter.max_requests)
            client_limiter.window = window
