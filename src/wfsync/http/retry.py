"""Capped exponential back-off with full jitter."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = ["RetryPolicy"]


@dataclass
class RetryPolicy:
    """How often and how long to retry a retriable failure.

    ``attempts`` counts the first try. Delays grow ``base * 2**n`` up to ``cap``
    and are jittered over ``[delay/2, delay]`` so that parallel workers do not
    retry in lockstep. ``rng`` is injectable for deterministic tests.
    """

    attempts: int = 5
    base: float = 1.0
    cap: float = 30.0
    #: Longest single wait, whatever a ``Retry-After`` header asks for.
    max_wait: float = 60.0
    #: Most seconds one run may spend waiting on this vendor in all; past that the
    #: run ends (cleanly, cursors kept) and the next slot continues.
    run_wait_budget: float = 240.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, retry_number: int, floor: float = 0.0) -> float:
        """Seconds to wait before retry number ``retry_number`` (1-based)."""
        raw: float = min(self.cap, self.base * 2.0 ** (retry_number - 1))
        jittered = raw / 2 + self.rng.random() * raw / 2
        return max(floor, jittered)
