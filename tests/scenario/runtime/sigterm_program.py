"""A tiny ``wfsync run`` stand-in for the signal tests (run as a subprocess).

Usage: ``python sigterm_program.py MARKER_FILE JOB_SECONDS``. Runs one job
immediately (catch-up on start) that appends ``started`` to the marker, works
for JOB_SECONDS, then appends ``finished``; after the scheduler returns it
appends ``clean exit``. The test sends signals while the job works.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from wfsync.clock import SystemClock
from wfsync.runtime.logs import configure_logging
from wfsync.runtime.scheduler import Job, Scheduler
from wfsync.runtime.shutdown import GracefulShutdown


def note(marker: Path, line: str) -> None:
    with marker.open("a", encoding="utf-8") as out:
        out.write(line + "\n")


async def main(marker: Path, job_seconds: float) -> None:
    async def job() -> None:
        note(marker, "started")
        await asyncio.sleep(job_seconds)
        note(marker, "finished")

    scheduler = Scheduler(SystemClock(), {"webcrm": Job(job, 6, 0)}, catch_up_on_start=True)
    async with GracefulShutdown() as stop:
        await scheduler.run_forever(stop)
    note(marker, "clean exit")


if __name__ == "__main__":
    configure_logging("json", 0)
    asyncio.run(main(Path(sys.argv[1]), float(sys.argv[2])))
