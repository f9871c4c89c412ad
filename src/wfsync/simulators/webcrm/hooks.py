"""Webhook subscriptions: ``/Organisations/Hooks``, ``/Persons/Hooks``, ``/Deliveries/Hooks``,
``/QuotationLines/Hooks`` (reference §9.3).

CRUD follows the hook DTO exactly (``Id`` int64 ``0`` on create, ``TargetUrl``,
``EventType`` Create|Update|Delete, ``IsEnabled``, ``Filter`` array; server
stamps). Lists return the calling token's own hooks, paged.

The real callback payload, method and retry policy are undocumented, so the
simulator only records what it *would* send (:attr:`HookRegistry.events`) and
posts it when a test asks (:meth:`HookRegistry.deliver`): a JSON body
``{"HookId", "EntityType", "EventType", "Id", "OccurredAt"}``. Hooks fire for API
and UI changes alike. The sync must treat a callback only as a hint.

With :attr:`HookRegistry.auto_deliver` set, callbacks are sent by themselves:
after each API request and, for changes made through ``sim.ui`` inside a running
event loop, right away in a background task. ``lose_callbacks = True`` (or
``lose_next(n)``) drops callbacks instead of sending them (recorded in
:attr:`HookRegistry.lost`), since nothing promises webCRM retries: a consumer
must not miss an edit because a callback never came. ``/Products/Hooks`` can be
registered; the simulator has no ``/Products`` records, so they never fire.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

import httpx
from starlette.responses import Response

from wfsync.clock import Clock
from wfsync.simulators.webcrm.errors import BadRequest, NotFound
from wfsync.simulators.webcrm.routing import Call, Router, empty, json_response, page_of, paginate
from wfsync.simulators.webcrm.values import format_datetime, truncate_to_millis

__all__ = ["HOOK_FILTERS", "HookEvent", "HookRegistry"]

EVENT_TYPES = ("Create", "Update", "Delete")
#: entity → (collection path, allowed Filter values)
HOOK_FILTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Organisation": ("/Organisations/Hooks", ("All", "Owner", "Owner2")),
    "Person": ("/Persons/Hooks", ("All", "OrganisationOwner", "OrganisationOwner2")),
    "Delivery": (
        "/Deliveries/Hooks",
        (
            "All",
            "Responsible",
            "Responsible2",
            "Responsible3",
            "OrganisationOwner",
            "OrganisationOwner2",
        ),
    ),
    "QuotationLine": ("/QuotationLines/Hooks", ("All", "OrganisationOwner", "OrganisationOwner2")),
    "Product": ("/Products/Hooks", ("All", "OrganisationOwner", "OrganisationOwner2")),
}


@dataclass(frozen=True)
class HookEvent:
    """A callback the simulator would send."""

    hook_id: int
    target_url: str
    entity: str
    event_type: str
    record_id: int
    occurred_at: datetime

    def payload(self) -> dict[str, Any]:
        return {
            "HookId": self.hook_id,
            "EntityType": self.entity,
            "EventType": self.event_type,
            "Id": self.record_id,
            "OccurredAt": format_datetime(self.occurred_at),
        }


@dataclass
class _Hook:
    entity: str
    owner: str
    fields: dict[str, Any]


class HookRegistry:
    """Registered hooks and the events they have produced."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._hooks: dict[int, _Hook] = {}
        self._next_id = 1
        self.events: list[HookEvent] = []
        self._delivered = 0
        #: When set, pending events are POSTed with this client after every API request.
        self.auto_deliver: httpx.AsyncClient | None = None
        #: Deliveries that failed (target unreachable or non-2xx); never retried.
        self.failures: list[tuple[HookEvent, str]] = []
        #: While true every callback is lost instead of sent (a fault switch).
        self.lose_callbacks = False
        self._lose = 0
        #: Callbacks lost on purpose (never sent).
        self.lost: list[HookEvent] = []
        self._tasks: set[asyncio.Task[None]] = set()
        #: The loop serving requests (set by the app), for changes made from other threads.
        self.loop: asyncio.AbstractEventLoop | None = None

    def lose_next(self, count: int = 1) -> None:
        """Lose the next ``count`` callbacks (they are recorded but never sent)."""
        self._lose += count

    def on_change(self, entity: str, event_type: str, record_id: int) -> None:
        """Collection listener: queue one event per enabled matching hook."""
        for hook_id, hook in self._hooks.items():
            fields = hook.fields
            if hook.entity == entity and fields["IsEnabled"] and fields["EventType"] == event_type:
                target = fields["TargetUrl"]
                now = self._clock.now()
                self.events.append(HookEvent(hook_id, target, entity, event_type, record_id, now))
        self._deliver_soon()

    def _deliver_soon(self) -> None:
        """A change made outside a request (``sim.ui``): send its callbacks right away."""
        if self.auto_deliver is None or len(self.events) <= self._delivered:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            # Another thread (a test driving a served simulator): hand it to the
            # server's loop; without one, it goes out after the next API request.
            if self.loop is not None and not self.loop.is_closed():
                self.loop.call_soon_threadsafe(self._spawn)
            return
        self._spawn()

    def _spawn(self) -> None:
        task = asyncio.get_running_loop().create_task(self.deliver_automatically())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def deliver(self, client: httpx.AsyncClient) -> int:
        """POST every event not yet delivered to its target; returns how many were sent.

        A target that fails is recorded in :attr:`failures` and not retried (the
        real retry policy is unknown; the sync must not depend on callbacks).
        """
        pending = self.events[self._delivered :]
        self._delivered = len(self.events)
        for event in pending:
            if self.lose_callbacks or self._lose > 0:
                self._lose = max(0, self._lose - 1)
                self.lost.append(event)
                continue
            try:
                response = await client.post(event.target_url, json=event.payload())
            except httpx.HTTPError as exc:
                self.failures.append((event, f"{type(exc).__name__}: {exc}"))
                continue
            if not response.is_success:
                self.failures.append((event, f"HTTP {response.status_code}"))
        return len(pending)

    async def deliver_automatically(self) -> None:
        """Called after each request: deliver pending events if :attr:`auto_deliver` is set."""
        if self.auto_deliver is not None and len(self.events) > self._delivered:
            await self.deliver(self.auto_deliver)

    def register(self, router: Router) -> None:
        for entity, (path, filters) in HOOK_FILTERS.items():
            self._register_entity(router, entity, path, filters)

    def _register_entity(
        self, router: Router, entity: str, path: str, filters: tuple[str, ...]
    ) -> None:
        async def listing(call: Call) -> Response:
            own = [
                self._render(hook_id, hook)
                for hook_id, hook in sorted(self._hooks.items())
                if hook.entity == entity and hook.owner == call.application_token
            ]
            return json_response(paginate(own, page_of(call)))

        async def read(call: Call) -> Response:
            hook_id, hook = self._own(call, entity)
            return json_response(self._render(hook_id, hook))

        async def create(call: Call) -> Response:
            body = await call.json_object()
            if _get(body, "Id") != 0:
                raise BadRequest("Id is required and must be 0 when creating a hook.")
            fields = _validated(body, filters)
            now = truncate_to_millis(self._clock.now())
            fields.update(CreatedAt=now, CreatedBy=call.actor, UpdatedAt=now, UpdatedBy=call.actor)
            hook_id = self._next_id
            self._next_id += 1
            self._hooks[hook_id] = _Hook(entity, call.application_token, fields)
            return json_response(hook_id)

        async def replace(call: Call) -> Response:
            hook_id, hook = self._own(call, entity)
            body = await call.json_object()
            if _get(body, "Id") != hook_id:
                raise BadRequest("Id in the body must equal the id in the path.")
            fields = _validated(body, filters)
            now = truncate_to_millis(self._clock.now())
            fields.update(
                CreatedAt=hook.fields["CreatedAt"],
                CreatedBy=hook.fields["CreatedBy"],
                UpdatedAt=now,
                UpdatedBy=call.actor,
            )
            hook.fields = fields
            return empty()

        async def delete(call: Call) -> Response:
            hook_id, _ = self._own(call, entity)
            del self._hooks[hook_id]
            return empty()

        router.get(path, listing)
        router.post(path, create)
        router.get(f"{path}/{{id:int}}", read)
        router.put(f"{path}/{{id:int}}", replace)
        router.delete(f"{path}/{{id:int}}", delete)

    def _own(self, call: Call, entity: str) -> tuple[int, _Hook]:
        hook_id = call.int_param("id")
        hook = self._hooks.get(hook_id)
        if hook is None or hook.entity != entity or hook.owner != call.application_token:
            raise NotFound(f"Hook with id {hook_id} was not found.")
        return hook_id, hook

    @staticmethod
    def _render(hook_id: int, hook: _Hook) -> dict[str, Any]:
        fields = hook.fields
        return {
            "Filter": list(fields["Filter"]),
            "CreatedAt": format_datetime(fields["CreatedAt"]),
            "CreatedBy": fields["CreatedBy"],
            "EventType": fields["EventType"],
            "Id": hook_id,
            "IsEnabled": fields["IsEnabled"],
            "TargetUrl": fields["TargetUrl"],
            "UpdatedAt": format_datetime(fields["UpdatedAt"]),
            "UpdatedBy": fields["UpdatedBy"],
        }


def _get(body: dict[str, Any], name: str) -> Any:
    return next((value for key, value in body.items() if key.casefold() == name.casefold()), None)


def _validated(body: dict[str, Any], filters: tuple[str, ...]) -> dict[str, Any]:
    target = _get(body, "TargetUrl")
    parsed = urlparse(target) if isinstance(target, str) else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise BadRequest("TargetUrl is required and must be an absolute http(s) URL.")
    enabled = _get(body, "IsEnabled")
    if not isinstance(enabled, bool):
        raise BadRequest("IsEnabled is required (true or false).")
    event_type = _get(body, "EventType")
    if event_type not in EVENT_TYPES:
        raise BadRequest(f"EventType must be one of {', '.join(EVENT_TYPES)}.")
    chosen = _get(body, "Filter")
    if not isinstance(chosen, list) or not chosen or any(f not in filters for f in chosen):
        raise BadRequest(f"Filter is required: a non-empty array of {', '.join(filters)}.")
    return {"TargetUrl": target, "IsEnabled": enabled, "EventType": event_type, "Filter": chosen}
