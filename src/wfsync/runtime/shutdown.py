"""Graceful shutdown: the first SIGINT/SIGTERM asks, the second one insists.

A sync cycle stopped half-way is safe (cursors only advance after a batch is
applied, creates are recorded before they are sent), but it is wasteful and
leaves work for the next run. So the first signal only sets the scheduler's
``stop`` event: the cycle in flight finishes and ``wfsync run`` exits 0 —
what ``systemctl stop`` and Ctrl-C should do. A second signal means the admin
does not want to wait: the process exits at once with 128 + the signal number
(130 for SIGINT, 143 for SIGTERM), as a shell would report it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from types import FrameType, TracebackType

from wfsync.runtime.logs import get_logger

__all__ = ["GracefulShutdown", "install_signal_handlers"]

log = get_logger("wfsync.runtime.shutdown")

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def install_signal_handlers(
    stop: asyncio.Event,
    *,
    loop: asyncio.AbstractEventLoop | None = None,
    hard_exit: Callable[[int], object] = os._exit,
) -> Callable[[], None]:
    """Make SIGINT/SIGTERM set ``stop``; a second signal calls ``hard_exit(128 + signo)``.

    Call from inside the running loop. Returns a function that restores the
    previous handlers. Where the loop cannot own signals (Windows) it falls back
    to :func:`signal.signal` and hands the event over thread-safely.
    """
    running = loop or asyncio.get_running_loop()
    received: list[int] = []

    def on_signal(signo: int) -> None:
        received.append(signo)
        name = signal.Signals(signo).name
        if len(received) == 1:
            log.warning(
                "shutdown.requested",
                signal=name,
                hint="finishing the cycle in flight; send the signal again to quit at once",
            )
            stop.set()
            return
        log.error("shutdown.forced", signal=name)
        sys.stderr.flush()
        hard_exit(128 + signo)

    owned_by_loop: list[signal.Signals] = []
    replaced: list[tuple[signal.Signals, object]] = []
    for signo in _SIGNALS:
        try:
            running.add_signal_handler(signo, on_signal, int(signo))
            owned_by_loop.append(signo)
        except NotImplementedError:  # pragma: no cover - Windows event loops
            replaced.append((signo, signal.getsignal(signo)))

            def fallback(num: int, frame: FrameType | None) -> None:
                running.call_soon_threadsafe(on_signal, num)

            signal.signal(signo, fallback)

    def restore() -> None:
        for signo in owned_by_loop:
            running.remove_signal_handler(signo)
        for signo, previous in replaced:  # pragma: no cover - Windows event loops
            signal.signal(signo, previous)  # type: ignore[arg-type]

    return restore


class GracefulShutdown:
    """``async with GracefulShutdown() as stop: await scheduler.run_forever(stop)``.

    Installs the handlers on entry and restores the previous ones on exit.
    """

    def __init__(self, *, hard_exit: Callable[[int], object] = os._exit) -> None:
        self.stop = asyncio.Event()
        self._hard_exit = hard_exit
        self._restore: Callable[[], None] | None = None

    async def __aenter__(self) -> asyncio.Event:
        self._restore = install_signal_handlers(self.stop, hard_exit=self._hard_exit)
        return self.stop

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._restore is not None:
            self._restore()
            self._restore = None
