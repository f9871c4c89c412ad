"""`wfsync run` warns a week before the Fortnox refresh token dies."""

from __future__ import annotations

from datetime import timedelta

from wfsync.cli.run_cmd import token_expiry_warning
from wfsync.clock import FakeClock
from wfsync.fortnox.tokens import MemoryTokenStore, TokenSet
from wfsync.runtime.metrics import SyncMetrics


async def test_warning_a_week_ahead_and_the_metric_always(clock: FakeClock) -> None:
    metrics = SyncMetrics()
    expires = clock.now() + timedelta(days=10)
    store = MemoryTokenStore(TokenSet(refresh_token="r", refresh_expires_at=expires))
    assert await token_expiry_warning(store, clock, metrics) is None
    assert b"wfsync_token_expiry_timestamp_seconds{" in metrics.render()
    clock.advance(timedelta(days=4).total_seconds())
    warning = await token_expiry_warning(store, clock, metrics)
    assert warning is not None and "wfsync connect fortnox" in warning
    assert await token_expiry_warning(MemoryTokenStore(), clock, metrics) is None
