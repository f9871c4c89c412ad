"""One way to create a record on the other side: with an intent, never twice.

Every create (customer or delivery, in either system) goes through
:func:`create_with_intent`. The rules it enforces are the whole of our
"no duplicates" promise for creates:

1. Before the vendor call an *intent* is committed (entity, target system,
   source id, payload). The caller commits the link and the end of the intent
   together once the create is confirmed.
2. A create that was **rejected** (a 4xx validation error) made nothing: its
   intent is closed and the error goes to the inbox.
3. A create whose **answer was lost** (timeout, 5xx, dropped connection) may
   still land — seconds or minutes later. Its intent stays open, and while it
   is younger than :data:`SETTLE` no new create is sent for that record, not in
   this run (the inbox retry a second later would race the first request) and
   not in the next cycles. Each of those cycles looks the record up first (the
   caller's matching: customer number, organisation number, VAT, name, or the
   document marker we stamp on deliveries) and adopts it if it has appeared.
4. Only when an intent is older than :data:`SETTLE` *and* the caller's lookup
   in this run found nothing is the create sent again: by then a request that
   was going to land has landed.

The caller does the lookup because only it knows the keys a record can carry;
this module owns the timing, the intent rows and the messages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from wfsync.http.errors import (
    MalformedResponseError,
    ServerError,
    TransportError,
    ValidationError,
)
from wfsync.state import Intent
from wfsync.sync.context import RecordFailed, SyncContext

__all__ = ["SETTLE", "create_with_intent", "open_intents_for"]

#: How long an unconfirmed create may still land before we send it again.
SETTLE = timedelta(minutes=10)

SYSTEMS = {"fortnox": "Fortnox", "webcrm": "webCRM"}

T = TypeVar("T")


def open_intents_for(ctx: SyncContext, entity: str, target: str, source_id: str) -> list[Intent]:
    """Creates of this record in ``target`` that were sent but never confirmed."""
    return [
        intent
        for intent in ctx.store.open_intents(entity)
        if intent.target == target and intent.source_id == source_id
    ]


async def create_with_intent(
    ctx: SyncContext,
    *,
    entity: str,
    target: str,
    source_id: str,
    payload: dict[str, Any],
    ident: str,
    send: Callable[[], Awaitable[T]],
) -> tuple[T, Intent]:
    """Send ``send()`` once, guarded by an intent; returns the answer and the intent.

    The caller must already have looked the record up in ``target`` (and found
    nothing) in this run, and must finish the returned intent in the same
    transaction that saves the link.
    """
    store, system = ctx.store, SYSTEMS[target]
    now = ctx.clock.now()
    pending = open_intents_for(ctx, entity, target, source_id)
    if pending:
        oldest = min(intent.created_at for intent in pending)
        if now - oldest < SETTLE:
            ctx.report.count(entity, "unconfirmed")
            raise RecordFailed(
                f"{ident}: an earlier create in {system} (sent {oldest:%Y-%m-%d %H:%M} UTC) was "
                f"never confirmed; it is looked up every cycle and not sent again before "
                f"{oldest + SETTLE:%H:%M} UTC, so a late answer cannot make a duplicate"
            )
        # Older than SETTLE and the caller's lookup in this run did not find it:
        # that request never landed. Close it and create afresh.
        for intent in pending:
            store.finish_intent(intent.id)
    intent = store.begin_intent(entity, target, source_id, payload)
    try:
        created = await send()
    except ValidationError:
        store.finish_intent(intent.id)  # rejected: nothing was created
        raise
    except (ServerError, TransportError, MalformedResponseError) as exc:
        ctx.report.count(entity, "unconfirmed")
        raise RecordFailed(
            f"{ident}: {system} did not confirm the create ({exc.message}); it is looked up "
            f"every cycle and only sent again if it has not appeared by "
            f"{now + SETTLE:%H:%M} UTC",
            code=exc.code,
        ) from exc
    return created, intent
