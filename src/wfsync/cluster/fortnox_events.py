"""Fortnox events for every tenant on one WebSocket per integration.

Fortnox asks an integration for *one* event connection, its ``add-tenants-v1``
carrying every tenant's access token. ``wfsync fortnox-events`` (one process
for the cluster) groups the enabled tenants by integration — the Fortnox app
(``client_id``) and its ``websocket_url`` — and runs one
:class:`~wfsync.runtime.events_fortnox.FortnoxEventStream` per group: against
the real Fortnox, with one app for every tenant, that is one connection.

* Each event becomes a task for the right tenant (``dispatch(tenant, entity,
  id)``: ``wfsync.record`` — that tenant's targeted sync of the record, under
  its lease, on a worker). The offset is stored (in the cluster's state) only
  after the task is sent, so a crash replays, never loses. A burst for one
  record (a duplicate, our own write coming back, two quick saves) is one task
  that runs ``debounce`` seconds after the first event, so it reads the record
  after all of them (``claim``: Redis ``SET NX PX``, released if the send fails).
* Access tokens come from each tenant's own state through
  :class:`~wfsync.fortnox.auth.FortnoxAuth`, which renews under the same
  cross-process lock the workers use, so this process and a worker never spend
  one refresh token twice. A tenant's token is read again only when it is
  near its expiry (or every ``reread_seconds``), so a check over hundreds of
  tenants costs no database work; a tenant without a usable token is left out
  (one warning) and asked again later.
* Tenants that are added, enabled, disabled or removed join or leave the
  stream at the next check; a tenant with ``[events] enabled = false`` is not
  served. The polls stay the safety net for everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

import httpx

from wfsync.clock import Clock, SystemClock
from wfsync.cluster.tenants import TenantError, Tenants
from wfsync.config import Settings
from wfsync.fortnox.auth import FortnoxAuth
from wfsync.fortnox.event_socket import Connector, websocket_connector
from wfsync.http.errors import WfsyncError
from wfsync.runtime.events_fortnox import FortnoxEventStream
from wfsync.runtime.events_health import SourceHealth
from wfsync.state import SqlTokenStore, StateStore

__all__ = ["ClusterFortnoxEvents", "Integration"]

log = logging.getLogger("wfsync.cluster.events")

#: Seconds a burst of events for one record is sent as one task.
DEBOUNCE_SECONDS: Final = 2.0
#: A cached token is read again this long before it expires (workers renew 5 min before).
EXPIRY_MARGIN: Final = timedelta(minutes=4)

#: ``(tenant, entity, record id, countdown)`` → send that tenant's targeted sync as a
#: task to run ``countdown`` seconds from now.
Dispatch = Callable[[str, str, str, float], None]
#: ``(key, seconds)`` → True for the first caller in ``seconds`` (Redis ``SET NX PX``).
Claim = Callable[[str, float], bool]
#: ``key`` → forget a claim (its task could not be sent).
Release = Callable[[str], None]


@dataclass(frozen=True)
class Integration:
    """One Fortnox app's event endpoint: every tenant of it shares one connection."""

    websocket_url: str
    client_id: str
    client_secret: str

    @property
    def key(self) -> str:
        digest = hashlib.sha256(f"{self.websocket_url}\n{self.client_id}".encode()).hexdigest()
        return digest[:12]


@dataclass
class _Token:
    value: str | None
    expires_at: datetime | None
    read_at: datetime


@dataclass
class _Group:
    integration: Integration
    tenants: dict[str, Settings] = field(default_factory=dict)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    stream: FortnoxEventStream | None = None
    task: asyncio.Task[None] | None = None


class ClusterFortnoxEvents:
    """Runs one event stream per integration until ``stop``; never raises."""

    def __init__(
        self,
        tenants: Tenants,
        dispatch: Dispatch,
        claim: Claim,
        release: Release,
        *,
        clock: Clock | None = None,
        connector: Connector | None = None,
        debounce: float = DEBOUNCE_SECONDS,
        check_seconds: float = 30.0,
        reread_seconds: float = 600.0,
    ) -> None:
        self.tenants = tenants
        self.dispatch = dispatch
        self.claim = claim
        self.release = release
        self.clock = clock or SystemClock()
        self.connector = connector or websocket_connector()
        self.debounce = debounce
        self.check_seconds = check_seconds
        self.reread_seconds = reread_seconds
        self.groups: dict[str, _Group] = {}
        self._tokens: dict[str, _Token] = {}
        #: Events sent as tasks, by tenant (status, tests).
        self.sent: dict[str, int] = {}

    # --- which tenants, grouped by integration -------------------------------------------
    def integrations(self) -> dict[str, tuple[Integration, dict[str, Settings]]]:
        """The enabled tenants that want events, by integration key."""
        found: dict[str, tuple[Integration, dict[str, Settings]]] = {}
        for tenant in self.tenants.list(enabled_only=True):
            try:
                settings = self.tenants.settings_for(tenant.name)
            except (TenantError, WfsyncError, ValueError) as exc:
                log.warning("fortnox events: tenant %s left out: %s", tenant.name, exc)
                continue
            if not settings.events.enabled:
                continue
            fortnox = settings.fortnox
            integration = Integration(
                fortnox.websocket_url, fortnox.client_id, fortnox.client_secret.get_secret_value()
            )
            found.setdefault(integration.key, (integration, {}))[1][tenant.name] = settings
        return found

    def regroup(self) -> None:
        """Start a stream for each new integration; stop those left without tenants."""
        current = self.integrations()
        for key, (integration, members) in current.items():
            group = self.groups.get(key)
            if group is not None and group.task is not None and group.task.done():
                # A stream only ends when stopped; one that died anyway is started again.
                if not group.task.cancelled() and group.task.exception() is not None:
                    log.warning(
                        "fortnox events: stream to %s ended (%s); starting it again",
                        integration.websocket_url,
                        group.task.exception(),
                    )
                group = None
            if group is None:
                group = self.groups[key] = _Group(integration)
                group.tenants = members
                group.stream = self._stream(key, group)
                group.task = asyncio.create_task(group.stream.run(group.stop), name=f"fx-{key}")
                log.info(
                    "fortnox events: one connection to %s for %d tenant(s)",
                    integration.websocket_url,
                    len(members),
                )
            group.tenants = members
        for key in [k for k in self.groups if k not in current]:
            self.groups.pop(key).stop.set()

    def _stream(self, key: str, group: _Group) -> FortnoxEventStream:
        store = self.tenants.store
        return FortnoxEventStream(
            url=group.integration.websocket_url,
            client_secret=group.integration.client_secret,
            access_tokens=lambda: self._group_tokens(group),
            store=store,
            handle=self._handle,
            health=SourceHealth(f"fortnox.{key}", store, self.clock),
            clock=self.clock,
            connector=self.connector,
            token_check_seconds=self.check_seconds,
            cursor_prefix=f"fortnox.{key}",
        )

    # --- tokens -------------------------------------------------------------------------------
    async def _group_tokens(self, group: _Group) -> dict[str, str]:
        tokens: dict[str, str] = {}
        for name, settings in list(group.tenants.items()):
            token = await self.token(name, settings)
            if token:
                tokens[name] = token
        return tokens

    async def token(self, name: str, settings: Settings) -> str | None:
        """The tenant's current access token (cached until near its expiry). A read that
        fails keeps the last token while it is valid (asked again in a minute)."""
        now = self.clock.now()
        cached = self._tokens.get(name)
        if cached is not None and now - cached.read_at < timedelta(seconds=self.reread_seconds):
            fresh = cached.expires_at is None or now < cached.expires_at - EXPIRY_MARGIN
            if fresh and (cached.value is not None or now - cached.read_at < timedelta(minutes=1)):
                return cached.value
        read = await self._read_token(name, settings)
        if read is None:
            expires = cached.expires_at if cached is not None else None
            if cached is not None and cached.value and expires is not None and now < expires:
                # Still valid: keep it, and ask again in about a minute.
                again = now - timedelta(seconds=self.reread_seconds) + timedelta(minutes=1)
                self._tokens[name] = _Token(cached.value, expires, again)
                return cached.value
            self._tokens[name] = _Token(None, None, now)
            return None
        value, expires = read
        self._tokens[name] = _Token(value, expires, now)
        return value

    async def _read_token(
        self, name: str, settings: Settings
    ) -> tuple[str, datetime | None] | None:
        """The token from the tenant's state (renewed if due); None when there is none
        now — not connected, the token endpoint failing, the tenant just removed."""
        store: StateStore | None = None
        try:
            store = StateStore.open(self.tenants.state_url(name), clock=self.clock, pool_size=1)
            async with httpx.AsyncClient(timeout=30.0) as http:
                tokens = SqlTokenStore(store)
                auth = FortnoxAuth(settings.fortnox, tokens, http=http, clock=self.clock)
                value = (await auth.authorization()).removeprefix("Bearer ")
                current = auth.current
            return value, current.access_expires_at if current is not None else None
        except Exception as exc:  # one tenant's trouble never ends the others' stream
            log.warning("fortnox events: no access token for %s (%s); asked again later", name, exc)
            return None
        finally:
            if store is not None:
                store.close()

    # --- events -------------------------------------------------------------------------------
    async def _handle(self, tenant: str, entity: str, record_id: str) -> None:
        """Send the tenant's targeted sync of the record, to run ``debounce`` seconds from
        now; events for the same record meanwhile are covered by that task, which
        reads the record after them (the trailing edge of a burst)."""
        key = f"fortnox-event:{tenant}:{entity}:{record_id}"
        if not await asyncio.to_thread(self.claim, key, self.debounce):
            return
        try:
            await asyncio.to_thread(self.dispatch, tenant, entity, record_id, self.debounce)
        except BaseException:
            await asyncio.to_thread(self.release, key)  # the replay must send it again
            raise
        self.sent[tenant] = self.sent.get(tenant, 0) + 1
        log.info(
            "fortnox events: %s %s of %s → its sync in %g s",
            entity,
            record_id,
            tenant,
            self.debounce,
        )

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    self.regroup()
                except Exception as exc:  # PostgreSQL away: the streams go on as they are
                    log.warning("fortnox events: cannot read the tenants (%s)", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.check_seconds)
        finally:
            groups = list(self.groups.values())
            for group in groups:
                group.stop.set()
            await asyncio.gather(*(g.task for g in groups if g.task), return_exceptions=True)
            self.groups.clear()
