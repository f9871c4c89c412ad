"""One ``wfsync demo`` from start to finish: world, story, optional live servers.

The CLI command is a thin wrapper around :func:`run_demo`; tests call it too.
Guarantees that live here rather than in the command:

* the state store is a temporary directory removed at the end, whatever happens;
* the story's clock starts far enough in the past that it ends at about *now*,
  so records stamped during the story are not in the future when the
  simulators go live (a user's own ``wfsync import`` against them would
  otherwise set its cursors before the story's changes);
* the engine's per-record warnings ("sync failed: …") are not logged on top
  of the narration, which already shows every error-inbox entry — unless the
  user asked for ``-v``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.panel import Panel

from wfsync.clock import utcnow
from wfsync.demo.live import DemoSockets, LiveServer, bind_sockets, credentials_banner
from wfsync.demo.narrate import Narrator
from wfsync.demo.runner import DemoRunner, DemoSummary
from wfsync.demo.script import STORY, Step
from wfsync.demo.world import DemoWorld, build_world
from wfsync.http.errors import WfsyncError

__all__ = ["DemoDivergedError", "DemoOptions", "run_demo", "story_start"]

log = logging.getLogger("wfsync.demo")


class DemoDivergedError(WfsyncError):
    """The story ended with the two systems disagreeing (a bug worth reporting)."""

    fatal_for_run = True


@dataclass(frozen=True)
class DemoOptions:
    keep_running: bool = False
    seed_file: Path | None = None
    #: Real seconds to wait before each step (for presenting the demo to people).
    pause: float = 0.0
    host: str = "127.0.0.1"
    fortnox_port: int = 8081
    webcrm_port: int = 8082
    #: With ``keep_running``: real seconds between background sync cycles (0 = none).
    sync_every: float = 10.0
    #: Story start (demo time); default: so that the story ends about now.
    start: datetime | None = None
    verbose: int = 0


def story_start(now: datetime, story: Sequence[Step], interval_minutes: int = 6) -> datetime:
    """A start on a whole minute such that every cycle of ``story`` lies before ``now``."""
    cycles = sum(step.cycles for step in story) + 2
    start = now - timedelta(minutes=cycles * interval_minutes)
    return start.replace(second=0, microsecond=0)


@contextlib.contextmanager
def _engine_logs_quiet(verbose: int) -> Iterator[None]:
    """Routine info (token renewals) and per-record warnings would interleave with the
    narration, which shows every failure anyway; ``-v`` brings them back."""
    quieter = {"wfsync": logging.WARNING, "wfsync.sync": logging.ERROR}
    saved = {name: logging.getLogger(name).level for name in quieter}
    if not verbose:
        for name, level in quieter.items():
            logging.getLogger(name).setLevel(level)
    try:
        yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


async def _live(
    world: DemoWorld,
    runner: DemoRunner,
    narrator: Narrator,
    sockets: DemoSockets,
    options: DemoOptions,
) -> None:
    world.clock.go_live()
    world.webcrm.faults.real_server = True
    world.fortnox.faults.real_server = True
    server = LiveServer(world, sockets)
    serving = asyncio.create_task(server.serve())
    await server.started()
    lines = credentials_banner(world, sockets, world.settings.state.url)
    every = f"every {options.sync_every:g} s" if options.sync_every > 0 else "not at all"
    lines.append(f"The demo keeps syncing the two simulators {every}. Ctrl-C to stop.")
    narrator.console.print(Panel("\n".join(lines), title="simulators are up", expand=False))
    try:
        async with runner.open_engine() as engine:
            while options.sync_every > 0:
                await asyncio.wait({serving}, timeout=options.sync_every)
                if serving.done():
                    break
                try:
                    await runner.live_cycle(engine)
                except WfsyncError as exc:
                    log.warning("live sync cycle failed: %s", exc)
            await serving
    finally:
        server.stop()
        await serving


async def run_demo(options: DemoOptions, console: Console) -> DemoSummary:
    """Play the story; with ``keep_running`` serve the simulators until interrupted."""
    sockets = (
        bind_sockets(options.host, options.fortnox_port, options.webcrm_port)
        if options.keep_running
        else None
    )
    try:
        with (
            tempfile.TemporaryDirectory(prefix="wfsync-demo-") as state_dir,
            _engine_logs_quiet(options.verbose),
        ):
            world = build_world(
                Path(state_dir),
                start=options.start or story_start(utcnow(), STORY),
                seed_file=options.seed_file,
                **(
                    {"fortnox_url": sockets.fortnox_url, "webcrm_url": sockets.webcrm_url}
                    if sockets
                    else {}
                ),
            )
            try:
                narrator = Narrator(console)
                runner = DemoRunner(world, narrator, pause=options.pause)
                summary = await runner.run()
                narrator.next_steps(options.keep_running)
                if sockets is not None:
                    await _live(world, runner, narrator, sockets, options)
            finally:
                world.close()
    finally:
        if sockets is not None:
            sockets.close()
    return summary
