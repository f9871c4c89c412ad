"""The 6/3 cadence of the cluster: every tenant's two directions once per period,
Fortnox 3 minutes after webCRM, tenants spread evenly, each slot sent once."""

from __future__ import annotations

import itertools
from collections import Counter

from wfsync.cluster.schedule import due, phase

PERIOD, OFFSET, TICK = 360.0, 180.0, 10.0


def _tick_through(
    tenants: list[str], start: float, seconds: float
) -> list[tuple[str, str, int, float]]:
    """Tick every 10 s like the scheduler; a slot is claimed once (SET NX in Redis)."""
    claimed: dict[tuple[str, str, int], float] = {}
    now = start
    while now < start + seconds:
        for slot in due(tenants, now, period=PERIOD, offset=OFFSET, catch_up=60.0):
            claimed.setdefault((slot.tenant, slot.direction, slot.index), now)
        now += TICK
    return [(t, d, i, at) for (t, d, i), at in claimed.items()]


def test_each_direction_once_per_period_fortnox_three_minutes_later() -> None:
    tenants = ["acme", "beta", "gamma"]
    sent = _tick_through(tenants, 1_000_000.0, 3600.0)
    for tenant in tenants:
        webcrm = sorted(at for t, d, _, at in sent if t == tenant and d == "webcrm")
        fortnox = sorted(at for t, d, _, at in sent if t == tenant and d == "fortnox")
        gaps = [b - a for a, b in itertools.pairwise(webcrm[1:])]  # the first is a catch-up
        assert gaps and all(gap == PERIOD for gap in gaps)
        assert len(webcrm) in (10, 11) and len(fortnox) in (10, 11)
        pairs = [f - w for w in webcrm for f in fortnox if 0 < f - w < PERIOD]
        assert pairs and all(abs(p - OFFSET) <= TICK for p in pairs)


def test_load_is_even_over_the_period() -> None:
    tenants = [f"tenant-{i}" for i in range(3000)]
    minutes = Counter(int(phase(t, PERIOD) // 60) for t in tenants)
    assert len(minutes) == 6
    # A hash spreads them like dice: each minute within 20% of the mean (500).
    assert all(400 <= n <= 600 for n in minutes.values()), minutes


def test_phase_is_stable_and_a_late_scheduler_sends_no_burst() -> None:
    assert phase("acme", PERIOD) == phase("acme", PERIOD)
    tenants = [f"t{i}" for i in range(600)]
    now = 2_000_000.0
    sent = due(tenants, now, period=PERIOD, offset=OFFSET, catch_up=60.0)
    # Only the slots that began in the last minute: about 1/6 of each direction.
    assert 100 < len(sent) < 300
