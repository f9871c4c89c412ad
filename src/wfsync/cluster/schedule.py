"""The 6/3 cadence for every tenant, staggered so the load is even.

Each tenant's webCRM direction runs every ``period`` seconds (6 minutes) and
its Fortnox direction ``offset`` seconds (3 minutes) after it, as with
``wfsync run``. Tenants are spread over the period by a stable hash of their
name (not their order of creation, which would bunch new tenants), so with many
tenants the cycles starting in any second are about the same number.

The scheduler (Celery beat, one at a time by redbeat's lock) only ticks
:func:`due` every few seconds; every tenant/direction/slot is claimed once in
Redis (``SET NX``) before its task is sent, so two schedulers, a restarted one
or a repeated tick never send a cycle twice.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

__all__ = ["Slot", "current_index", "due", "phase"]


@dataclass(frozen=True)
class Slot:
    tenant: str
    direction: str
    index: int  # which period since the epoch (with the tenant's phase)
    starts_at: float  # epoch seconds


def phase(tenant: str, period: float) -> float:
    """The tenant's stable place in the period, in seconds."""
    digest = hashlib.blake2b(tenant.encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") % 1_000_000) / 1_000_000 * period


def due(
    tenants: list[str], now: float, *, period: float, offset: float, catch_up: float
) -> list[Slot]:
    """Slots that started in ``(now - catch_up, now]``: what a tick should send.

    A scheduler that was down longer than ``catch_up`` does not send a burst of
    every tenant at once when it comes back; the next slots come on time and the
    cursors make up for the missed cycle.
    """
    found = []
    for tenant in tenants:
        start = phase(tenant, period)
        for direction, shift in (("webcrm", 0.0), ("fortnox", offset)):
            index = math.floor((now - start - shift) / period)
            starts_at = start + shift + index * period
            if now - starts_at < catch_up:
                found.append(Slot(tenant, direction, index, starts_at))
    return found


def current_index(tenant: str, direction: str, now: float, *, period: float, offset: float) -> int:
    """The index of the tenant's slot of ``direction`` running now (see :func:`due`)."""
    shift = offset if direction == "fortnox" else 0.0
    return math.floor((now - phase(tenant, period) - shift) / period)
