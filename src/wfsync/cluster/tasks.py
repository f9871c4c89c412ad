"""The Celery application: its configuration, the tasks, and the beat tick.

* ``wfsync.cycle(tenant, direction, slot)`` — one tenant's direction
  (:meth:`wfsync.cluster.worker.WorkerRuntime.run`). Acknowledged late and
  rejected back to the queue if its worker dies (``acks_late``,
  ``task_reject_on_worker_lost``), one task prefetched per process, so a killed
  worker's task is run by another; it is idempotent (lease + cursors + intents).
  A slot already done is not run again.
* ``wfsync.import(tenant)`` — the tenant's first import, on a worker.
* ``wfsync.record(tenant, source, entity, id)`` — one record's targeted sync,
  sent for an event (:mod:`wfsync.cluster.fortnox_events`); under the lease of
  the source's direction, and tried again a little later while that is busy
  (then left to the poll, which meets the record anyway).
* ``wfsync.tick()`` — sent by the scheduler every few seconds: claims the
  slots now due (:func:`wfsync.cluster.schedule.due`) and sends their cycles.

The scheduler is Celery beat with celery-redbeat: the schedule lives in Redis
and a lock there lets only one beat tick at a time, so starting two schedulers
(for failover) is safe.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from celery import Celery
from celery.signals import worker_process_init, worker_process_shutdown

from wfsync.cluster.schedule import current_index, due
from wfsync.cluster.worker import KEY_PREFIX, WorkerRuntime
from wfsync.config import Settings

__all__ = ["TICK_SECONDS", "make_app"]

log = logging.getLogger("wfsync.cluster")

#: How often the scheduler looks for due slots.
TICK_SECONDS: Final = 10.0
#: A slot is sent if it started less than this long ago (a tick may be late).
CATCH_UP_SECONDS: Final = 60.0

#: Hard limits (seconds) after which the pool kills a task's process.
CYCLE_LIMIT: Final = 1800
IMPORT_LIMIT: Final = 6 * 3600

#: A record task whose direction is busy is sent again this much later, this many times.
RECORD_RETRY_SECONDS: Final = 5
RECORD_RETRIES: Final = 6

_RUNTIME: dict[str, WorkerRuntime] = {}


def _runtime(settings: Settings) -> WorkerRuntime:
    runtime = _RUNTIME.get("current")
    if runtime is None:
        runtime = _RUNTIME["current"] = WorkerRuntime(settings)
    return runtime


def _slot_key(kind: str, tenant: str, direction: str, slot: int) -> str:
    return f"{KEY_PREFIX}:{kind}:{tenant}:{direction}:{slot}"


def make_app(settings: Settings) -> Celery:
    """The Celery app of the cluster described by ``settings`` (its own wfsync.toml)."""
    broker = settings.cluster.broker_url
    app = Celery("wfsync", broker=broker, backend=broker, set_as_current=True)
    period = settings.sync.webcrm_interval_minutes * 60.0
    offset = settings.sync.fortnox_offset_minutes * 60.0
    visibility = settings.cluster.visibility_timeout_seconds
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=3600,
        broker_connection_retry_on_startup=True,
        # A dead worker's unacknowledged task goes back to the queue once it is
        # ``visibility_timeout`` old; look for such tasks every few seconds (kombu's
        # default sweep is every ~100 s).
        broker_transport_options={
            "visibility_timeout": visibility,
            "unacked_restore_interval": max(1, min(10, visibility // 4)),
            "unacked_restore_throttle": 1,
        },
        worker_hijack_root_logger=False,
        beat_scheduler="redbeat.RedBeatScheduler",
        redbeat_redis_url=broker,
        redbeat_key_prefix=f"{KEY_PREFIX}:redbeat",
        redbeat_lock_timeout=int(TICK_SECONDS * 5),
        beat_max_loop_interval=TICK_SECONDS / 2,
        beat_schedule={
            "wfsync-tick": {"task": "wfsync.tick", "schedule": TICK_SECONDS},
        },
    )

    @worker_process_init.connect(weak=False)
    def _fresh_after_fork(**_: Any) -> None:
        _RUNTIME.clear()  # connections are never shared across a fork

    @worker_process_shutdown.connect(weak=False)
    def _close(**_: Any) -> None:
        runtime = _RUNTIME.pop("current", None)
        if runtime is not None:
            runtime.close()

    # A hung task (a stuck process, not a slow one) is killed by its pool after
    # these limits, which also frees the tenant's writer lock it held.
    @app.task(
        name="wfsync.cycle",
        shared=False,
        acks_late=True,
        ignore_result=False,
        time_limit=CYCLE_LIMIT,
    )
    def cycle(tenant: str, direction: str, slot: int | None = None) -> dict[str, Any]:
        runtime = _runtime(settings)
        done_key = _slot_key("done", tenant, direction, slot) if slot is not None else None
        if done_key is not None and runtime.redis.exists(done_key):
            return {"tenant": tenant, "direction": direction, "result": "slot already done"}
        if slot is not None:
            now = runtime.clock.now().timestamp()
            if current_index(tenant, direction, now, period=period, offset=offset) > slot + 1:
                # Redelivered long after its worker died: later slots did its work.
                return {"tenant": tenant, "direction": direction, "result": "stale slot"}
        outcome = runtime.run(tenant, direction)
        if done_key is not None and outcome.get("result") in ("ok", "paused"):
            runtime.redis.set(done_key, runtime.name, ex=int(period * 2))
        return outcome

    @app.task(
        name="wfsync.import",
        shared=False,
        acks_late=True,
        ignore_result=False,
        time_limit=IMPORT_LIMIT,
    )
    def import_tenant(tenant: str) -> dict[str, Any]:
        return _runtime(settings).run(tenant, "import")

    @app.task(
        name="wfsync.record",
        shared=False,
        bind=True,
        max_retries=RECORD_RETRIES,
        acks_late=True,
        ignore_result=True,
        time_limit=CYCLE_LIMIT,
    )
    def record(task: Any, tenant: str, source: str, entity: str, record_id: str) -> dict[str, Any]:
        outcome = _runtime(settings).run(tenant, source, record=(source, entity, record_id))
        if outcome.get("result") == "busy" and task.request.retries < RECORD_RETRIES:
            raise task.retry(countdown=RECORD_RETRY_SECONDS)
        return outcome

    @app.task(name="wfsync.tick", shared=False, ignore_result=True)
    def tick() -> int:
        runtime = _runtime(settings)
        names = [t.name for t in runtime.tenants.list(enabled_only=True)]
        now = runtime.clock.now().timestamp()
        sent = 0
        for slot in due(names, now, period=period, offset=offset, catch_up=CATCH_UP_SECONDS):
            claim = _slot_key("sent", slot.tenant, slot.direction, slot.index)
            if runtime.redis.set(claim, "1", nx=True, ex=int(period * 2)):
                cycle.delay(slot.tenant, slot.direction, slot.index)
                sent += 1
        if sent:
            log.info("tick: %s cycle(s) sent", sent)
        return sent

    return app
