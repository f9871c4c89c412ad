"""webCRM hooks (reference §9.3): register them, receive callbacks, read back.

webCRM documents how to register hooks but not what a callback looks like
(method, payload, retries, signing). So a callback is only a doorbell:

* **Registration** (:func:`ensure_hooks`): Create, Update and Delete hooks for
  organisations, deliveries, quotation lines and products, each calling
  ``<webhook_url>/wfsync/webcrm-hooks/<token>/<entity>/<event>``. The path
  token is random (32 bytes), kept in the state store, and is the only thing
  that makes a request ours: hooks carry no secret. Our hooks are recognised
  by that path prefix among the token's own hooks, so registering again on
  restart changes nothing, a changed ``webhook_url`` replaces them, and
  :func:`remove_hooks` (``wfsync disconnect webcrm-hooks``) removes ours only.
* **Receiving** (:class:`HookReceiver`): any request, any method, to a hook URL
  with the right token means "this entity changed"; the body is never read as
  data. Anything else is a 404.
* **Reading back** (:class:`WebcrmChangeReader`): callbacks only mark an entity
  dirty; a worker waits ``debounce`` seconds and then reads that entity's
  change feed once — a burst of callbacks costs one feed read — and syncs each
  changed record on its own. The reader keeps its own cursor
  (``events``/``webcrm.<feed>``); the polls' cursors are never moved, so an
  event can never make a poll skip work.

Products: webCRM's ``/Products`` are an organisation's installed base, not the
catalogue quotation lines use (reference §8.5), and articles flow only from
Fortnox. Their hooks are registered and their callbacks counted, nothing more.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from starlette.types import Receive, Scope, Send

from wfsync.clock import Clock
from wfsync.runtime.events_health import CURSOR_SOURCE, SourceHealth
from wfsync.state import StateStore
from wfsync.webcrm import WebcrmClient
from wfsync.webcrm.query import Script
from wfsync.webcrm.resources.hooks import EventType

__all__ = [
    "HOOK_ENTITIES",
    "HOOK_PATH",
    "HookReceiver",
    "WebcrmChangeReader",
    "ensure_hooks",
    "hook_token",
    "remove_hooks",
]

log = logging.getLogger("wfsync.events.webcrm")

HOOK_PATH = "/wfsync/webcrm-hooks"
#: URL segment → webCRM hook entity.
HOOK_ENTITIES = {
    "organisations": "Organisation",
    "deliveries": "Delivery",
    "quotationlines": "QuotationLine",
    "products": "Product",
}
EVENT_TYPES: tuple[EventType, ...] = ("Create", "Update", "Delete")
TOKEN_CURSOR = (CURSOR_SOURCE, "webcrm.hook_token")
#: Same overlap as the poll: a write stamped before our cursor but committed after.
OVERLAP = timedelta(minutes=2)
#: A quotation-line callback re-reads the lines of deliveries synced this recently.
RECENT_LINES = timedelta(hours=1)

RecordHandler = Callable[[str, str, str], Awaitable[None]]


def hook_token(store: StateStore) -> str:
    """The secret path token of our hook URLs (made once, then kept)."""
    token = store.get_cursor(*TOKEN_CURSOR)
    if not token:
        token = secrets.token_urlsafe(32)
        store.set_cursor(*TOKEN_CURSOR, token)
    return token


def hook_url(base_url: str, token: str, entity: str, event_type: str) -> str:
    return f"{base_url.rstrip('/')}{HOOK_PATH}/{token}/{entity}/{event_type.lower()}"


def _ours(target_url: str) -> bool:
    return f"{HOOK_PATH}/" in target_url


async def ensure_hooks(webcrm: WebcrmClient, base_url: str, token: str) -> int:
    """Register our hooks where missing; replace ours that point elsewhere.

    Returns how many hooks were created (0 on a restart with nothing changed).
    """
    created = 0
    for segment, entity in HOOK_ENTITIES.items():
        wanted = {hook_url(base_url, token, segment, kind): kind for kind in EVENT_TYPES}
        for hook in await webcrm.hooks.list(entity):
            if not _ours(hook.target_url):
                continue  # someone else's hook on the same token: not ours to touch
            if hook.target_url in wanted and hook.enabled:
                wanted.pop(hook.target_url)
            else:
                await webcrm.hooks.delete(entity, hook.id)
        for url, kind in wanted.items():
            await webcrm.hooks.create(entity, url, kind)
            created += 1
    return created


async def remove_hooks(webcrm: WebcrmClient) -> int:
    """Delete every hook of ours (recognised by the path); returns how many."""
    removed = 0
    for entity in HOOK_ENTITIES.values():
        for hook in await webcrm.hooks.list(entity):
            if _ours(hook.target_url):
                await webcrm.hooks.delete(entity, hook.id)
                removed += 1
    return removed


class HookReceiver:
    """The ASGI app webCRM calls: a valid hook URL marks its entity changed."""

    def __init__(self, token: str, changed: Callable[[str, str], None]) -> None:
        self._token = token
        self._changed = changed
        self.received = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        await drain_body(receive)  # never parsed: the payload is undocumented and unsigned
        parts = scope["path"].removeprefix(HOOK_PATH + "/").split("/")
        valid = (
            scope["path"].startswith(HOOK_PATH + "/")
            and len(parts) == 3
            and hmac.compare_digest(parts[0].encode(), self._token.encode())
            and parts[1] in HOOK_ENTITIES
            and parts[2] in ("create", "update", "delete")
        )
        if valid:
            self.received += 1
            self._changed(parts[1], parts[2])
        body = b"ok" if valid else b"not found"
        await send(
            {
                "type": "http.response.start",
                "status": 200 if valid else 404,
                "headers": [
                    (b"content-type", b"text/plain"),
                    (b"content-length", b"%d" % len(body)),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


async def lifespan(receive: Receive, send: Send) -> None:
    """Answer the server's startup and shutdown messages (nothing to set up)."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def drain_body(receive: Receive) -> None:
    """Read a request's body to its end without keeping it (hook payloads are
    undocumented and unsigned: never data)."""
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False) and message["type"] == "http.request"


class WebcrmChangeReader:
    """Debounced read-back: callbacks mark feeds dirty, one worker reads them."""

    def __init__(
        self,
        *,
        webcrm: WebcrmClient,
        store: StateStore,
        handle: RecordHandler,
        health: SourceHealth,
        clock: Clock,
        debounce: float = 1.0,
    ) -> None:
        self.webcrm = webcrm
        self.store = store
        self.handle = handle
        self.health = health
        self.clock = clock
        self.debounce = debounce
        self._dirty: dict[str, set[str]] = {}
        self._wake = asyncio.Event()
        #: (feed, record id) → UpdatedAt already synced by this reader.
        self._seen: dict[tuple[str, int], datetime | None] = {}
        #: Feed reads done (tests and benchmarks count them).
        self.reads = 0
        self.idle = asyncio.Event()
        self.idle.set()

    def changed(self, entity: str, event_type: str) -> None:
        """Called by the receiver for every valid callback."""
        self._dirty.setdefault(entity, set()).add(event_type)
        self.idle.clear()
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            waker = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({waker, stopper}, return_when=asyncio.FIRST_COMPLETED)
            waker.cancel()
            stopper.cancel()
            if stop.is_set():
                break
            if self.debounce > 0:
                await asyncio.sleep(self.debounce)  # let the burst finish
            await self.drain()

    async def drain(self) -> None:
        """Read every dirty feed once (and again if callbacks came meanwhile)."""
        while self._dirty:
            self._wake.clear()
            dirty, self._dirty = self._dirty, {}
            for entity, kinds in dirty.items():
                try:
                    await self.read(entity, kinds)
                except Exception as exc:
                    log.warning(
                        "webcrm hooks: reading %s failed (%s); polling catches it", entity, exc
                    )
                    self.health.event("failed")
        self._wake.clear()
        self.idle.set()

    async def read(self, entity: str, kinds: set[str]) -> None:
        self.reads += 1
        if entity == "organisations":
            await self._feed("organisations", "customer")
            if "delete" in kinds:
                await self._vanished_organisations()
        elif entity in ("deliveries", "quotationlines"):
            await self._feed("deliveries", "delivery")
            if entity == "quotationlines":
                await self._recent_lines()
        else:
            self.health.event("ignored")

    async def _feed(self, feed: str, entity: str) -> None:
        key = f"webcrm.{feed}"
        cursor = self.store.get_cursor(CURSOR_SOURCE, key) or self.store.get_cursor("webcrm", feed)
        since = datetime.fromisoformat(cursor) - OVERLAP if cursor else None
        resource = self.webcrm.organisations if feed == "organisations" else self.webcrm.deliveries
        records = [record async for record in resource.changed_since(since)]
        newest = datetime.fromisoformat(cursor) if cursor else None
        # Remember only what this read can return again (the overlap window).
        current = {(feed, record.id) for record in records}
        self._seen = {key: at for key, at in self._seen.items() if key[0] != feed or key in current}
        for record in records:
            if self._seen.get((feed, record.id)) == record.updated_at and record.updated_at:
                continue
            await self.handle("webcrm", entity, str(record.id))
            self._seen[(feed, record.id)] = record.updated_at
            self.health.event("synced", record.updated_at)
            if record.updated_at and (newest is None or record.updated_at > newest):
                newest = record.updated_at
        if newest is not None:
            self.store.set_cursor(CURSOR_SOURCE, key, newest.isoformat())

    async def _vanished_organisations(self) -> None:
        """A Delete callback: linked organisations no longer in webCRM get paused."""
        present = {
            int(row["OrganisationId"])
            async for row in self.webcrm.queries.rows(
                Script.select("Organisation", "OrganisationId")
            )
            if row.get("OrganisationId") is not None
        }
        for link in self.store.links("customer", state="active"):
            if link.webcrm_id and int(link.webcrm_id) not in present:
                await self.handle("webcrm", "customer", link.webcrm_id)

    async def _recent_lines(self) -> None:
        """A line edit need not move its delivery's UpdatedAt: re-check recent ones."""
        since = self.clock.now() - RECENT_LINES
        for link in self.store.links("delivery", state="active"):
            if link.webcrm_id and link.last_synced_at and link.last_synced_at >= since:
                await self.handle("webcrm", "delivery", link.webcrm_id)
