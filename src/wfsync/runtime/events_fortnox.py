"""Fortnox's WebSocket events (reference §13) turned into targeted syncs.

One connection for the integration, carrying every tenant it serves (one for
``wfsync run``, every tenant of the integration in the cluster). The handshake
is ``add-tenants-v1`` (client secret + each tenant's current access token) →
``add-topics-v1`` (customers, articles, orders, invoices, each with the offset
stored for it) → ``subscribe-v1``. Fortnox answers which tenant id each token
is; an event's ``tenantId`` names the tenant to hand it to. Then:

* every event is a hint "entity X may have changed": the record is synced on
  its own (``handle``), and only **after** that the event's offset is stored,
  so a crash or a dropped connection replays it rather than losing it;
* replay starts *at* the stored offset, so the first event after a reconnect
  is usually the one already processed: it is recognised and skipped, and any
  other duplicate costs a read and no write (snapshots);
* an unknown event type, a new version suffix or a type of another entity on
  a topic (``invoicepayment-…`` on ``invoices``) is logged and passed over;
* a tenant's access token is re-added whenever it changes (Fortnox's tokens
  live an hour; whether an expired one stops the stream is undocumented, so
  assume it does); a tenant that appears is added, one that goes is removed
  (``remove-tenants-v1``), and a refused token is one tenant's warning, not the
  connection's end — unless no tenant is left;
* a lost connection is retried with capped exponential back-off and jitter,
  resuming from the stored offsets, for as long as ``wfsync run`` runs;
* an event whose sync keeps failing is given up after a few tries (offset
  stored, warning logged): the poll will meet the record anyway.

Own writes come back as events too; they are synced like any other and the
snapshots make that write-free (tested by counting writes).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wfsync.clock import Clock
from wfsync.fortnox.event_socket import Connector, EventSocket, EventSocketClosed
from wfsync.http.retry import RetryPolicy
from wfsync.runtime.events_health import CURSOR_SOURCE, SourceHealth
from wfsync.state import StateStore

__all__ = ["TOPIC_ENTITIES", "FortnoxEvent", "FortnoxEventStream", "TenantHandler", "TenantTokens"]

log = logging.getLogger("wfsync.events.fortnox")

#: Topic → the sync entity its events are about (event types start with it).
TOPIC_ENTITIES = {
    "customers": "customer",
    "articles": "article",
    "orders": "order",
    "invoices": "invoice",
}
#: Tries of one event before it is left to the poll.
MAX_ATTEMPTS = 3
#: A token Fortnox refused is offered again after this long (a refusal may pass).
REOFFER_SECONDS = 300.0

#: ``(tenant, entity, record id)``: sync the record of that tenant.
TenantHandler = Callable[[str, str, str], Awaitable[None]]
#: The tenants to serve now, each with its current access token (tenant → token).
TenantTokens = Callable[[], Awaitable[dict[str, str]]]


@dataclass(frozen=True)
class FortnoxEvent:
    topic: str
    offset: str
    type: str
    entity_id: str
    timestamp: datetime | None
    tenant_id: int | None = None

    @classmethod
    def parse(cls, message: dict[str, Any]) -> FortnoxEvent | None:
        topic, offset, kind = message.get("topic"), message.get("offset"), message.get("type")
        entity_id = message.get("entityId")
        if not all(isinstance(v, str) and v for v in (topic, offset, kind)):
            return None
        if isinstance(entity_id, int):
            entity_id = str(entity_id)
        stamp: datetime | None = None
        if isinstance(message.get("timestamp"), str):
            try:
                stamp = datetime.fromisoformat(message["timestamp"])
            except ValueError:
                stamp = None
        if stamp is not None and stamp.tzinfo is None:
            stamp = None  # the reference promises an offset; never guess a zone
        tenant = message.get("tenantId")
        tenant_id = tenant if isinstance(tenant, int) and not isinstance(tenant, bool) else None
        return cls(str(topic), str(offset), str(kind), str(entity_id or ""), stamp, tenant_id)

    @property
    def entity(self) -> str | None:
        """The sync entity to re-read, or None when this event is not about one."""
        entity = TOPIC_ENTITIES.get(self.topic)
        if entity is None or not self.entity_id:
            return None
        if self.type.split("-", 1)[0] != entity:
            return None  # e.g. invoicepayment-bookkeep-v1: entityId is a payment
        return entity


class FortnoxEventStream:
    """Consume the stream until ``stop``; never raises (a dead stream is a warning)."""

    def __init__(
        self,
        *,
        url: str,
        client_secret: str,
        access_tokens: TenantTokens,
        store: StateStore,
        handle: TenantHandler,
        health: SourceHealth,
        clock: Clock,
        connector: Connector,
        retry: RetryPolicy | None = None,
        token_check_seconds: float = 30.0,
        handshake_timeout: float = 30.0,
        cursor_prefix: str = "fortnox",
    ) -> None:
        self.url = url
        self.client_secret = client_secret
        self.access_tokens = access_tokens
        self.store = store
        self.handle = handle
        self.health = health
        self.clock = clock
        self.connector = connector
        self.retry = retry or RetryPolicy(base=1.0, cap=60.0)
        self.token_check_seconds = token_check_seconds
        self.handshake_timeout = handshake_timeout
        self.cursor_prefix = cursor_prefix
        #: Tenant → the access token Fortnox accepted for it on this connection.
        self.tokens: dict[str, str] = {}
        #: Fortnox tenant id → our tenant.
        self._tenant_of: dict[int, str] = {}
        #: Tenant → the token last offered (accepted or not): offered once, not every check.
        self._offered: dict[str, str] = {}
        #: add-tenants-v1 requests sent while subscribed, oldest first, awaiting answers.
        self._awaiting: list[dict[str, str]] = []
        #: Tenants whose token Fortnox refused, with why (status, tests).
        self.refused: dict[str, str] = {}
        self._refused_at: dict[str, float] = {}
        self._checked = 0.0
        self._attempts: dict[tuple[str, str], int] = {}
        #: Set while subscribed (tests and benchmarks wait on it).
        self.subscribed = asyncio.Event()

    @property
    def tenant_token(self) -> str | None:
        """The access token Fortnox last accepted for the (first) tenant."""
        return next(iter(self.tokens.values()), None)

    # --- offsets -------------------------------------------------------------------
    def offset(self, topic: str) -> str | None:
        return self.store.get_cursor(CURSOR_SOURCE, f"{self.cursor_prefix}.{topic}")

    def _store_offset(self, topic: str, offset: str) -> None:
        self.store.set_cursor(CURSOR_SOURCE, f"{self.cursor_prefix}.{topic}", offset)

    # --- the loop --------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                async with self.connector(self.url) as socket:
                    await self._handshake(socket)
                    failures = 0
                    self.health.connected()
                    self.subscribed.set()
                    log.info("fortnox events: subscribed to %s", ", ".join(TOPIC_ENTITIES))
                    await self._consume(socket, stop)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                reason = str(exc) or type(exc).__name__
                log.warning("fortnox events: %s; polling carries changes meanwhile", reason)
                self.health.disconnected(reason)
            finally:
                self.subscribed.clear()
            if stop.is_set():
                break
            failures += 1
            await _sleep_or_stop(self.clock, self.retry.delay(failures), stop)
        self.health.stopped()

    async def _handshake(self, socket: EventSocket) -> None:
        tokens = await self.access_tokens()
        self.tokens, self._tenant_of, self._offered, self._awaiting = {}, {}, {}, []
        if not tokens:
            raise EventSocketClosed("no tenant has a Fortnox access token for the event stream")
        await socket.send(self._add(tokens))
        self._accept(tokens, await self._response(socket, "add-tenants-v1"))
        if not self.tokens:
            raise EventSocketClosed("Fortnox refused the access token for the event stream")
        topics = []
        for topic in TOPIC_ENTITIES:
            item: dict[str, str] = {"topic": topic}
            offset = self.offset(topic)
            if offset:
                item["offset"] = offset
            topics.append(item)
        await socket.send({"command": "add-topics-v1", "topics": topics})
        answered = await self._response(socket, "add-topics-v1")
        if answered.get("invalidTopics"):
            log.warning("fortnox events: topics refused: %s", answered["invalidTopics"])
        await socket.send({"command": "subscribe-v1"})
        await self._response(socket, "subscribe-v1")

    def _add(self, tokens: dict[str, str]) -> dict[str, Any]:
        self._offered.update(tokens)
        return {
            "command": "add-tenants-v1",
            "clientSecret": self.client_secret,
            "accessTokens": list(tokens.values()),
        }

    def _accept(self, offered: dict[str, str], answer: dict[str, Any]) -> None:
        """Record which of the offered tenants' tokens Fortnox took, and as which tenant id."""
        ids = answer.get("tenantIds") if answer.get("result") == "ok" else None
        ids = ids if isinstance(ids, dict) else {}
        refused = set(answer.get("invalidTokens") or [])
        for tenant, token in offered.items():
            tenant_id = ids.get(token)
            if token in refused or not isinstance(tenant_id, int):
                self.refused[tenant] = "Fortnox refused its access token for the event stream"
                self._refused_at[tenant] = time.monotonic()
                log.warning("fortnox events: Fortnox refused %s's access token", tenant)
                continue
            self.refused.pop(tenant, None)
            self._refused_at.pop(tenant, None)
            self.tokens[tenant] = token
            self._tenant_of = {i: t for i, t in self._tenant_of.items() if t != tenant}
            self._tenant_of[tenant_id] = tenant

    async def _response(self, socket: EventSocket, command: str) -> dict[str, Any]:
        message = await asyncio.wait_for(socket.receive(), self.handshake_timeout)
        if message.get("response") != command or message.get("result") != "ok":
            raise EventSocketClosed(f"Fortnox answered {command} with {message!r}")
        return message

    async def _consume(self, socket: EventSocket, stop: asyncio.Event) -> None:
        while not stop.is_set():
            message = await _receive_or_stop(socket, stop, self.token_check_seconds)
            if message is not None:
                if "response" in message:
                    self._answered(message)
                elif "tenantId" in message:
                    await self._process(message)
            await self._update_tenants(socket)

    def _answered(self, message: dict[str, Any]) -> None:
        if message.get("response") == "add-tenants-v1" and self._awaiting:
            self._accept(self._awaiting.pop(0), message)
        elif message.get("result") != "ok" or message.get("invalidTokens"):
            log.warning("fortnox events: %s", message)

    async def _update_tenants(self, socket: EventSocket) -> None:
        """Hand Fortnox refreshed tokens and new tenants; take gone tenants off (at most
        once per ``token_check_seconds``: in the cluster that asks every tenant)."""
        if time.monotonic() - self._checked < self.token_check_seconds:
            return
        self._checked = time.monotonic()
        for tenant, at in list(self._refused_at.items()):
            if self._checked - at >= REOFFER_SECONDS:
                del self._refused_at[tenant]
                self._offered.pop(tenant, None)  # offer the same token once more
        tokens = await self.access_tokens()
        gone = [tenant for tenant in self._offered if tenant not in tokens]
        if gone:
            stale = [self._offered.pop(t) for t in gone]
            await socket.send({"command": "remove-tenants-v1", "accessTokens": stale})
            for tenant in gone:
                self.tokens.pop(tenant, None)
                self.refused.pop(tenant, None)
            self._tenant_of = {i: t for i, t in self._tenant_of.items() if t not in gone}
            log.info("fortnox events: %s removed from the stream", ", ".join(gone))
        fresh = {t: token for t, token in tokens.items() if self._offered.get(t) != token}
        if fresh:
            await socket.send(self._add(fresh))
            self._awaiting.append(fresh)
            log.info("fortnox events: (re-)adding %s with a current access token", ", ".join(fresh))

    async def _process(self, message: dict[str, Any]) -> None:
        event = FortnoxEvent.parse(message)
        if event is None:
            log.info("fortnox events: ignoring a message that is no event: %s", message)
            self.health.event("ignored")
            return
        if event.topic not in TOPIC_ENTITIES:
            return
        if event.offset == self.offset(event.topic):
            self.health.event("duplicate")
            return
        entity = event.entity
        tenant = self._tenant_of.get(event.tenant_id) if event.tenant_id is not None else None
        if tenant is None and len(self.tokens) == 1:
            tenant = next(iter(self.tokens))  # one tenant: every event on it is its
        if entity is None or tenant is None:
            log.debug("fortnox events: %s on %s is not synced", event.type, event.topic)
            self._store_offset(event.topic, event.offset)
            self.health.event("ignored", event.timestamp)
            return
        key = (event.topic, event.offset)
        try:
            await self.handle(tenant, entity, event.entity_id)
        except Exception as exc:
            tries = self._attempts[key] = self._attempts.get(key, 0) + 1
            self.health.event("failed")
            if tries < MAX_ATTEMPTS:
                raise  # reconnect and replay from the stored offset
            log.warning(
                "fortnox events: giving up %s %s after %d tries (%s); the poll will sync it",
                event.type,
                event.entity_id,
                tries,
                exc,
            )
        self._attempts.pop(key, None)
        self._store_offset(event.topic, event.offset)
        self.health.event("synced", event.timestamp)


async def _receive_or_stop(
    socket: EventSocket, stop: asyncio.Event, timeout: float
) -> dict[str, Any] | None:
    """The next message; None when ``stop`` was set or ``timeout`` passed first."""
    receiver = asyncio.ensure_future(socket.receive())
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({receiver, stopper}, timeout=timeout, return_when="FIRST_COMPLETED")
    finally:
        stopper.cancel()
        if not receiver.done():
            receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await receiver
    if receiver.done() and not receiver.cancelled():
        return receiver.result()  # re-raises EventSocketClosed
    return None


async def _sleep_or_stop(clock: Clock, seconds: float, stop: asyncio.Event) -> None:
    sleeper = asyncio.ensure_future(clock.sleep(seconds))
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sleeper, stopper):
            task.cancel()
        await asyncio.gather(sleeper, stopper, return_exceptions=True)
