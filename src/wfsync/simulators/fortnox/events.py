"""The WebSocket event stream at ``/topics-v1`` (reference §13).

Protocol: ``add-tenants-v1`` (client secret + access tokens) → ``add-topics-v1``
(topics, each with an optional offset to replay from) → ``subscribe-v1``; then
events ``{"topic", "offset", "type", "tenantId", "entityId", "timestamp"}``
flow. Offsets are opaque random strings (no arithmetic possible), replay starts
*at* the given offset (so that event comes again — delivery is at-least-once),
an unknown offset replays from the earliest event, and no offset means new
events only. ``duplicate_next(n)`` delivers the next ``n`` events twice to prove
a consumer is idempotent. A tenant whose token has expired receives nothing until
it is added again with a fresh token (the stricter reading).

Like the real ``ws.fortnox.se``, one hub can serve several tenants: another
simulator joins it (:meth:`FortnoxSimulator.publish_events_to`), a connection
adds each tenant's token, and it receives each tenant's events only while it
holds a valid token of *that* tenant.

Faults (the connection is the unreliable part of a real stream):
``drop_connections()`` closes every open connection from the server side (code
1011), and ``refuse_connections = True`` turns new ones away before the
handshake until it is set back — a consumer must reconnect and resume from its
stored offsets without losing an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from wfsync.clock import Clock
from wfsync.simulators.fortnox.auth import Authority
from wfsync.simulators.fortnox.values import STOCKHOLM

__all__ = ["TOPICS", "Event", "EventHub"]

TOPICS = (
    "customers",
    "articles",
    "orders",
    "invoices",
    "offers",
    "currencies",
    "termsofdeliveries",
    "waysofdeliveries",
    "termsofpayments",
    "supplier-invoices",
)
#: Store topics whose event names differ from the change they report.
_TOPIC_FOR = {"wayofdeliveries": "waysofdeliveries"}
_ENTITY_FOR = {
    "currencies": "currency",
    "wayofdeliveries": "wayofdelivery",
    "termsofdeliveries": "termsofdelivery",
}
_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Event:
    topic: str
    offset: str
    type: str
    tenant_id: int
    entity_id: str
    timestamp: str

    def message(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "offset": self.offset,
            "type": self.type,
            "tenantId": self.tenant_id,
            "entityId": self.entity_id,
            "timestamp": self.timestamp,
        }


@dataclass
class _Subscriber:
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[Event]
    topics: set[str]


@dataclass
class EventHub:
    """Per-topic event log plus the live WebSocket subscribers."""

    clock: Clock
    authority: Authority
    tenant_id: str
    log: dict[str, list[Event]] = field(default_factory=dict)
    _subscribers: list[_Subscriber] = field(default_factory=list)
    _duplicates: int = 0
    _sessions: list[_Session] = field(default_factory=list)
    #: While true, new connections are closed before the handshake (code 1013).
    refuse_connections: bool = False
    #: Connections accepted so far (tests count reconnects with it).
    connections: int = 0
    #: Tenants served by this hub (tenant id → its authority): itself, and any joined.
    members: dict[int, Authority] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.members.setdefault(int(self.tenant_id), self.authority)

    def admit(self, tenant_id: str, authority: Authority) -> Callable[[str, str, str], None]:
        """Serve another tenant on this hub; returns its store's event listener."""
        self.members[int(tenant_id)] = authority
        return lambda topic, kind, entity_id: self.publish(topic, kind, entity_id, tenant_id)

    def drop_connections(self) -> int:
        """Close every open connection from the server side; returns how many."""
        sessions = list(self._sessions)
        for session in sessions:
            session.drop()
        return len(sessions)

    def duplicate_next(self, count: int = 1) -> None:
        """Deliver each of the next ``count`` events twice (at-least-once delivery)."""
        self._duplicates += count

    def publish(
        self, store_topic: str, event_type: str, entity_id: str, tenant_id: str | None = None
    ) -> None:
        """Store listener: record a change as an event and push it to subscribers."""
        topic = _TOPIC_FOR.get(store_topic, store_topic)
        if topic not in TOPICS:
            return
        entity = _ENTITY_FOR.get(store_topic)
        if entity is not None:
            event_type = entity + event_type[event_type.index("-") :]
        stamp = self.clock.now().astimezone(STOCKHOLM)
        event = Event(
            topic,
            "".join(secrets.choice(_ALPHABET) for _ in range(10)),
            event_type,
            int(tenant_id or self.tenant_id),
            entity_id,
            stamp.isoformat(timespec="milliseconds"),
        )
        self.log.setdefault(topic, []).append(event)
        copies = 2 if self._duplicates > 0 else 1
        self._duplicates = max(0, self._duplicates - 1)
        for subscriber in list(self._subscribers):
            if topic in subscriber.topics:
                for _ in range(copies):
                    subscriber.loop.call_soon_threadsafe(subscriber.queue.put_nowait, event)

    def replay(self, topic: str, offset: str) -> list[Event]:
        events = self.log.get(topic, [])
        for index, event in enumerate(events):
            if event.offset == offset:
                return events[index:]
        return list(events)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        if scope["path"].rstrip("/") != "/topics-v1":
            await websocket.close(code=1008)
            return
        if self.refuse_connections:
            await websocket.close(code=1013)
            return
        await websocket.accept()
        self.connections += 1
        session = _Session(self, websocket)
        self._sessions.append(session)
        try:
            await session.run()
        except (WebSocketDisconnect, _Dropped):
            pass
        finally:
            session.stop()
            with contextlib.suppress(ValueError):
                self._sessions.remove(session)


def _retrieve(task: asyncio.Future[Any]) -> None:
    """Mark a receive that ended with the connection as seen (no asyncio warning)."""
    if not task.cancelled():
        task.exception()


class _Dropped(Exception):
    """The simulator dropped this connection on purpose."""


class _Session:
    """One connection: its tenants (tokens), topics and sender task."""

    def __init__(self, hub: EventHub, websocket: WebSocket) -> None:
        self.hub = hub
        self.websocket = websocket
        #: (tenant id, access token) pairs added by this connection.
        self.tokens: list[tuple[int, str]] = []
        self.offsets: dict[str, str | None] = {}
        self.subscriber: _Subscriber | None = None
        self.sender: asyncio.Task[None] | None = None
        self.loop = asyncio.get_running_loop()
        self.dropped = asyncio.Event()

    def drop(self) -> None:
        self.loop.call_soon_threadsafe(self.dropped.set)

    async def run(self) -> None:
        while True:
            receiver = asyncio.ensure_future(self.websocket.receive_json())
            receiver.add_done_callback(_retrieve)
            dropper = asyncio.ensure_future(self.dropped.wait())
            try:
                await asyncio.wait({receiver, dropper}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                dropper.cancel()
                if not receiver.done() and not self.dropped.is_set():
                    receiver.cancel()
            if self.dropped.is_set():
                receiver.cancel()
                with contextlib.suppress(BaseException):
                    await receiver
                if self.sender is not None:
                    self.sender.cancel()
                await self.websocket.close(code=1011)
                raise _Dropped
            dropper.cancel()
            message = receiver.result()
            command = message.get("command") if isinstance(message, dict) else None
            if command == "add-tenants-v1":
                await self._add_tenants(message)
            elif command == "add-topics-v1":
                await self._add_topics(message)
            elif command == "remove-tenants-v1":
                removed = set(message.get("accessTokens") or [])
                self.tokens = [pair for pair in self.tokens if pair[1] not in removed]
                await self.websocket.send_json({"response": "remove-tenants-v1", "result": "ok"})
            elif command == "subscribe-v1":
                await self.websocket.send_json({"response": "subscribe-v1", "result": "ok"})
                self._subscribe()
            else:
                await self.websocket.send_json({"response": command, "result": "error"})

    async def _add_tenants(self, message: dict[str, Any]) -> None:
        secret = message.get("clientSecret")
        tenant_ids: dict[str, int] = {}
        invalid: list[str] = []
        for token in message.get("accessTokens") or []:
            tenant = self._tenant_of(token, secret)
            if tenant is not None:
                tenant_ids[token] = tenant
                self.tokens.append((tenant, token))
            else:
                invalid.append(token)
        await self.websocket.send_json(
            {
                "response": "add-tenants-v1",
                "result": "ok",
                "tenantIds": tenant_ids,
                "invalidTokens": invalid,
            }
        )

    def _tenant_of(self, token: object, secret: object) -> int | None:
        """The tenant a valid token (issued to the client whose secret came with it) is of."""
        if not isinstance(token, str):
            return None
        for tenant, authority in self.hub.members.items():
            grant = authority.authenticate(f"Bearer {token}")
            if grant is not None and authority.secret_matches(grant.client_id, secret):
                return tenant
        return None

    def _serves(self, tenant: int) -> bool:
        """This connection holds a token of ``tenant`` that is still valid."""
        authority = self.hub.members.get(tenant)
        return authority is not None and any(
            t == tenant and authority.authenticate(f"Bearer {token}") for t, token in self.tokens
        )

    async def _add_topics(self, message: dict[str, Any]) -> None:
        invalid = []
        for item in message.get("topics") or []:
            topic = item.get("topic") if isinstance(item, dict) else None
            if topic in TOPICS:
                self.offsets[topic] = item.get("offset")
            else:
                invalid.append(topic)
        await self.websocket.send_json(
            {"response": "add-topics-v1", "result": "ok", "invalidTopics": invalid}
        )

    def _subscribe(self) -> None:
        if self.subscriber is not None:
            return
        queue: asyncio.Queue[Event] = asyncio.Queue()
        for topic, offset in self.offsets.items():
            if offset is not None:
                for event in self.hub.replay(topic, offset):
                    queue.put_nowait(event)
        self.subscriber = _Subscriber(asyncio.get_running_loop(), queue, set(self.offsets))
        self.hub._subscribers.append(self.subscriber)
        self.sender = asyncio.create_task(self._send_events(queue))

    async def _send_events(self, queue: asyncio.Queue[Event]) -> None:
        while True:
            event = await queue.get()
            if self._serves(event.tenant_id):
                await self.websocket.send_json(event.message())

    def stop(self) -> None:
        if self.subscriber is not None:
            with contextlib.suppress(ValueError):
                self.hub._subscribers.remove(self.subscriber)
        if self.sender is not None:
            self.sender.cancel()
