"""Running wfsync for real: the slot schedule, the scheduler loop, graceful shutdown,
logging and metrics.

These pieces know nothing about vendors or the sync engine: ``wfsync run`` wires
the engine's per-direction cycles into :class:`Scheduler` as :class:`Job`\\ s.
"""

from wfsync.runtime.logs import configure_logging, get_logger, redact_secrets, redact_text
from wfsync.runtime.metrics import MetricsServer, SyncMetrics, start_metrics_server
from wfsync.runtime.schedule import Cadence, Plan, latest_slot, next_slot, plan_from_settings
from wfsync.runtime.scheduler import CycleRecord, Job, Scheduler, jobs_from_settings
from wfsync.runtime.shutdown import GracefulShutdown, install_signal_handlers

__all__ = [
    "Cadence",
    "CycleRecord",
    "GracefulShutdown",
    "Job",
    "MetricsServer",
    "Plan",
    "Scheduler",
    "SyncMetrics",
    "configure_logging",
    "get_logger",
    "install_signal_handlers",
    "jobs_from_settings",
    "latest_slot",
    "next_slot",
    "plan_from_settings",
    "redact_secrets",
    "redact_text",
    "start_metrics_server",
]
