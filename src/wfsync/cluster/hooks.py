"""webCRM hook callbacks for every tenant, routed by their path token.

Each tenant's webCRM calls ``<webhook_url>/wfsync/webcrm-hooks/<token>/…``
with the token kept in that tenant's state (as for ``wfsync run``,
:mod:`wfsync.runtime.events_webcrm`); the cluster also records it in the
``tenants`` table. ``wfsync webhooks`` serves :class:`HookRouter`: a valid URL
names its tenant, and the tenant's webCRM cycle is sent as a task after a short
debounce — a burst of callbacks costs one cycle, claimed once in Redis. Unknown
tokens are a 404, and a callback never waits for the sync (webCRM gets its
answer at once). The cycle reads the webCRM feed like a poll; its lease keeps it
from overlapping the scheduled one.

``wfsync tenants hooks NAME`` registers (or repairs) a tenant's hooks at the
cluster's ``[events] webhook_url``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final

from starlette.types import Receive, Scope, Send

from wfsync.cluster.tenants import Tenants
from wfsync.runtime.events_webcrm import (
    HOOK_ENTITIES,
    HOOK_PATH,
    drain_body,
    ensure_hooks,
    hook_token,
    lifespan,
)
from wfsync.state import StateStore
from wfsync.state.models import TenantRow
from wfsync.webcrm import WebcrmClient

__all__ = ["DEBOUNCE_SECONDS", "HookRouter", "register_hooks"]

DEBOUNCE_SECONDS: Final = 2.0
#: How long a token → tenant answer is reused before asking PostgreSQL again.
CACHE_SECONDS: Final = 30.0


async def register_hooks(tenants: Tenants, name: str, base_url: str) -> int:
    """Create the tenant's missing hooks (``ensure_hooks``) and record its token."""
    settings = tenants.settings_for(name)
    store = StateStore.open(settings.state.url)
    try:
        token = hook_token(store)
    finally:
        store.close()
    async with WebcrmClient(settings.webcrm) as webcrm:
        created = await ensure_hooks(webcrm, base_url, token)
    with tenants.store._write() as session:
        row = session.get(TenantRow, name)
        if row is not None:
            row.hook_token = token
    return created


class HookRouter:
    """The ASGI app every tenant's webCRM calls; ``send_cycle(tenant, countdown)``
    sends the tenant's webCRM cycle (a Celery task) — it is called at most once
    per tenant per debounce window (``claim`` is Redis ``SET NX EX``)."""

    def __init__(
        self,
        tenants: Tenants,
        send_cycle: Callable[[str, float], Any],
        claim: Callable[[str, float], bool],
        *,
        debounce: float = DEBOUNCE_SECONDS,
    ) -> None:
        self.tenants = tenants
        self.send_cycle = send_cycle
        self.claim = claim
        self.debounce = debounce
        self._cache: dict[str, tuple[str | None, float]] = {}
        self.received: dict[str, int] = {}

    def tenant_of(self, token: str) -> str | None:
        known = self._cache.get(token)
        if known is not None and time.monotonic() - known[1] < CACHE_SECONDS:
            return known[0]
        found = self.tenants.by_hook_token(token)
        if len(self._cache) > 10_000:  # random tokens must not grow it without bound
            self._cache.clear()
        self._cache[token] = (found, time.monotonic())
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        await drain_body(receive)
        parts = scope["path"].removeprefix(HOOK_PATH + "/").split("/")
        tenant = None
        if (
            scope["path"].startswith(HOOK_PATH + "/")
            and len(parts) == 3
            and parts[1] in HOOK_ENTITIES
            and parts[2] in ("create", "update", "delete")
        ):
            tenant = self.tenant_of(parts[0])
        if tenant is not None:
            self.received[tenant] = self.received.get(tenant, 0) + 1
            if parts[1] != "products" and self.claim(tenant, self.debounce):
                self.send_cycle(tenant, self.debounce)
        body = b"ok" if tenant is not None else b"not found"
        await send(
            {
                "type": "http.response.start",
                "status": 200 if tenant is not None else 404,
                "headers": [
                    (b"content-type", b"text/plain"),
                    (b"content-length", b"%d" % len(body)),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
