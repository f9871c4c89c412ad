"""Runs the demo story: import, then scene after scene on the spec's cadence.

The runner owns the choreography, not the presentation: it applies a step's
edits, moves the :class:`~wfsync.demo.world.DemoClock` to the next webCRM slot
(:00, :06, …) and then the next Fortnox slot (:03, :09, …) exactly as
``wfsync run`` would schedule them, runs that direction through the real
:class:`~wfsync.sync.engine.SyncEngine`, and describes what the cycle did in a
:class:`CycleOutcome` built from the state store (new links, snapshots that
moved, conflicts, error-inbox entries opened and resolved). An
:class:`Observer` — the Rich narrator, or a test — is told about each event.

At the end :func:`check_convergence` reads both simulators directly (not
through our clients) and lists every linked record whose name differs, so
"the two systems agree" is checked, not asserted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import httpx

from wfsync.demo.script import STORY, Step
from wfsync.demo.world import DemoWorld
from wfsync.runtime.schedule import plan_from_settings
from wfsync.state import Conflict, Failure, Link
from wfsync.sync.engine import Progress, SyncEngine
from wfsync.sync.report import RunReport

__all__ = [
    "CycleOutcome",
    "DemoRunner",
    "DemoSummary",
    "FieldChange",
    "LinkChange",
    "Observer",
    "check_convergence",
]

_KINDS = ("customer", "article", "delivery")


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class LinkChange:
    """A linked record that appeared or whose synced values moved in one cycle."""

    kind: str
    name: str
    webcrm_id: str | None
    fortnox_id: str | None
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class CycleOutcome:
    """What one run of one direction (or the import) did, in the admin's terms."""

    direction: str  # import | webcrm | fortnox
    at: datetime
    counts: dict[str, int]
    linked: tuple[LinkChange, ...]
    updated: tuple[LinkChange, ...]
    conflicts: tuple[Conflict, ...]
    failed: tuple[Failure, ...]
    resolved: tuple[Failure, ...]
    writes: int
    calls: int
    warnings: tuple[str, ...] = ()

    @property
    def eventful(self) -> bool:
        """Whether anything was written, linked, disputed or failed."""
        return bool(
            self.writes
            or self.linked
            or self.updated
            or self.conflicts
            or self.failed
            or self.resolved
            or self.warnings
        )


@dataclass
class DemoSummary:
    steps: list[str] = field(default_factory=list)
    cycles: int = 0
    links: dict[str, int] = field(default_factory=dict)
    conflicts: int = 0
    open_failures: int = 0
    resolved_failures: int = 0
    writes: int = 0
    calls: int = 0
    story_minutes: float = 0.0
    mismatches: list[str] = field(default_factory=list)

    @property
    def converged(self) -> bool:
        return not self.mismatches

    def as_dict(self) -> dict[str, Any]:
        return {
            "steps": self.steps,
            "cycles": self.cycles,
            "links": self.links,
            "conflicts": self.conflicts,
            "open_failures": self.open_failures,
            "resolved_failures": self.resolved_failures,
            "writes": self.writes,
            "api_calls": self.calls,
            "story_minutes": self.story_minutes,
            "converged": self.converged,
            "mismatches": self.mismatches,
        }


class Observer(Protocol):
    """Told about every event of the story, in order."""

    def opening(self, world: DemoWorld) -> None: ...

    def import_progress(self) -> AbstractContextManager[Progress]: ...

    def cycle(self, outcome: CycleOutcome) -> None: ...

    def step(self, index: int, total: int, step: Step, edits: list[str]) -> None: ...

    def finished(self, summary: DemoSummary) -> None: ...


def _failure_key(failure: Failure) -> tuple[str, str, str]:
    return (failure.kind, failure.source, failure.source_id)


class _Before:
    """The state store just before a run, to tell what the run changed."""

    def __init__(self, world: DemoWorld, engine: SyncEngine) -> None:
        self.links = {(k, link.id): link for k in _KINDS for link in world.store.links(k)}
        self.conflict_ids = {c.id for c in world.store.conflicts(include_acknowledged=True)}
        self.open_failures = {_failure_key(f): f for f in world.store.failures(status="open")}
        self.writes = engine.fortnox.http.write_calls + engine.webcrm.http.write_calls
        self.calls = engine.fortnox.http.total_calls + engine.webcrm.http.total_calls
        #: When the run started (its slot): pacing may move the clock during the run.
        self.at = world.clock.now()


def _name(link: Link) -> str:
    if link.kind == "delivery":
        return f"{link.fortnox_type or 'document'} {link.fortnox_id}"
    for snapshot in (link.fortnox_snapshot, link.webcrm_snapshot):
        if snapshot:
            for key in ("name", "description"):
                if snapshot.get(key):
                    return str(snapshot[key])
    return f"{link.kind} {link.fortnox_id or link.webcrm_id}"


def _field_changes(before: Link, after: Link) -> tuple[FieldChange, ...]:
    old = {**(before.webcrm_snapshot or {}), **(before.fortnox_snapshot or {})}
    new = {**(after.webcrm_snapshot or {}), **(after.fortnox_snapshot or {})}
    changes = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            changes.append(FieldChange(key, old.get(key), new.get(key)))
    return tuple(changes)


def _describe(link: Link, fields: tuple[FieldChange, ...] = ()) -> LinkChange:
    return LinkChange(link.kind, _name(link), link.webcrm_id, link.fortnox_id, fields)


def _outcome(
    direction: str,
    world: DemoWorld,
    engine: SyncEngine,
    before: _Before,
    report: RunReport,
) -> CycleOutcome:
    linked: list[LinkChange] = []
    updated: list[LinkChange] = []
    for kind in _KINDS:
        for link in world.store.links(kind):
            old = before.links.get((kind, link.id))
            if old is None:
                linked.append(_describe(link))
            elif (old.webcrm_hash, old.fortnox_hash) != (link.webcrm_hash, link.fortnox_hash):
                changes = _field_changes(old, link)
                if changes:
                    updated.append(_describe(link, changes))
    conflicts = tuple(
        c
        for c in world.store.conflicts(include_acknowledged=True)
        if c.id not in before.conflict_ids
    )
    # Keyed by record, not by entry id: an entry replaced by a fresh one for the same
    # record is the same problem still waiting, not a new failure plus a resolution.
    still_open = {_failure_key(f): f for f in world.store.failures(status="open")}
    failed = tuple(f for k, f in still_open.items() if k not in before.open_failures)
    resolved = tuple(f for k, f in before.open_failures.items() if k not in still_open)
    after = _Before(world, engine)
    return CycleOutcome(
        direction=direction,
        at=before.at,
        counts=report.as_dict(),
        linked=tuple(linked),
        updated=tuple(updated),
        conflicts=conflicts,
        failed=failed,
        resolved=resolved,
        writes=after.writes - before.writes,
        calls=after.calls - before.calls,
        warnings=tuple(report.warnings),
    )


async def check_convergence(world: DemoWorld) -> list[str]:
    """Every active link whose two records disagree on their name, in words."""
    mismatches = []
    for link in world.store.links("customer", state="active"):
        org = world.webcrm.ui.organisation(int(link.webcrm_id or 0))
        customer = world.fortnox.ui.customer(link.fortnox_id or "")
        if org["OrganisationName"] != customer["Name"]:
            mismatches.append(
                f"customer {link.fortnox_id}: webCRM {org['OrganisationName']!r} "
                f"≠ Fortnox {customer['Name']!r}"
            )
    catalogue = {
        str(item["QuotationLineLinkedDataItemId"]): item for item in world.webcrm.ui.catalogue()
    }
    for link in world.store.links("article", state="active"):
        article = world.fortnox.store.articles.get(link.fortnox_id or "")
        item = catalogue.get(link.webcrm_id or "")
        if article is None or item is None:
            mismatches.append(f"article {link.fortnox_id}: missing on one side")
        elif item["QuotationLineLinkedDataItemData2"] != article["Description"]:
            mismatches.append(
                f"article {link.fortnox_id}: webCRM "
                f"{item['QuotationLineLinkedDataItemData2']!r} ≠ Fortnox {article['Description']!r}"
            )
    mismatches.extend(_delivery_mismatches(world))
    return mismatches


def _delivery_mismatches(world: DemoWorld) -> list[str]:
    """Fortnox's numbers on every linked delivery match the documents in Fortnox."""
    slots = world.settings.webcrm.custom_fields
    found = []
    for link in world.store.links("delivery", state="active"):
        delivery = world.webcrm.ui.delivery(int(link.webcrm_id or 0))
        if link.fortnox_type == "order":
            order = world.fortnox.ui.order(link.fortnox_id or "")
            expected = {
                slots.order_number: link.fortnox_id or "",
                slots.invoice_number: str(order.get("InvoiceReference") or ""),
            }
        else:
            expected = {slots.invoice_number: link.fortnox_id or ""}
        for slot, value in expected.items():
            if str(delivery.get(slot) or "") != value:
                found.append(
                    f"delivery {link.webcrm_id}: webCRM {slot} {delivery.get(slot)!r} "
                    f"≠ Fortnox {link.fortnox_type} {value!r}"
                )
    return found


class DemoRunner:
    """Import, then every step of ``story`` followed by its sync cycles."""

    def __init__(
        self,
        world: DemoWorld,
        observer: Observer,
        *,
        story: Sequence[Step] = STORY,
        pause: float = 0.0,
    ) -> None:
        self.world = world
        self.observer = observer
        self.story = story
        self.pause = pause
        sync = world.settings.sync
        self.plan = plan_from_settings(
            interval_minutes=sync.webcrm_interval_minutes,
            fortnox_offset_minutes=sync.fortnox_offset_minutes,
        )
        self.summary = DemoSummary()

    def transports(self) -> dict[str, httpx.AsyncBaseTransport]:
        return {
            "fortnox_transport": httpx.ASGITransport(app=self.world.fortnox.app),
            "webcrm_transport": httpx.ASGITransport(app=self.world.webcrm.app),
        }

    async def run(self) -> DemoSummary:
        world = self.world
        started = world.clock.now()
        self.observer.opening(world)
        async with self.open_engine() as engine:
            with self.observer.import_progress() as progress:
                before = _Before(world, engine)
                report = await engine.import_all(progress=progress)
            self._record(_outcome("import", world, engine, before, report))
            for index, step in enumerate(self.story, start=1):
                await self._breathe()
                edits = step.act(world)
                self.summary.steps.append(step.key)
                self.observer.step(index, len(self.story), step, edits)
                for _ in range(step.cycles):
                    await self.cycle(engine)
        self._finish(started)
        self.summary.mismatches = await check_convergence(world)
        self.observer.finished(self.summary)
        return self.summary

    async def cycle(self, engine: SyncEngine) -> None:
        """One period of the cadence: the webCRM slot, then the Fortnox slot after it."""
        await self._direction(engine, "webcrm", engine.sync_webcrm)
        await self._direction(engine, "fortnox", engine.sync_fortnox)
        self.summary.cycles += 1

    def open_engine(self) -> AbstractAsyncContextManager[SyncEngine]:
        """The real engine, talking to both simulators in-process (no sockets)."""
        world = self.world
        transports = self.transports()
        return SyncEngine.open(
            world.settings,
            clock=world.clock,
            store=world.store,
            fortnox_transport=transports["fortnox_transport"],
            webcrm_transport=transports["webcrm_transport"],
        )

    async def live_cycle(self, engine: SyncEngine) -> None:
        """One cycle in real time (``--keep-running``), reported only if something happened.

        The caller keeps ``engine`` open between cycles so its rate limiters remember
        the calls of the previous cycle.
        """
        directions = (("webcrm", engine.sync_webcrm), ("fortnox", engine.sync_fortnox))
        for direction, run in directions:
            before = _Before(self.world, engine)
            report = await run()
            outcome = _outcome(direction, self.world, engine, before, report)
            if outcome.eventful:
                self._record(outcome)

    async def _direction(
        self, engine: SyncEngine, direction: str, run: Callable[[], Awaitable[RunReport]]
    ) -> None:
        world = self.world
        world.clock.set(self.plan.next_slot(direction, world.clock.now()))
        before = _Before(world, engine)
        report = await run()
        self._record(_outcome(direction, world, engine, before, report))

    def _record(self, outcome: CycleOutcome) -> None:
        self.summary.writes += outcome.writes
        self.summary.calls += outcome.calls
        self.observer.cycle(outcome)

    def _finish(self, started: datetime) -> None:
        store, summary = self.world.store, self.summary
        summary.links = {kind: len(store.links(kind)) for kind in _KINDS}
        summary.conflicts = len(store.conflicts(include_acknowledged=True))
        still_open = {_failure_key(f) for f in store.failures(status="open")}
        resolved = {_failure_key(f) for f in store.failures(status="resolved")} - still_open
        summary.open_failures = len(still_open)
        summary.resolved_failures = len(resolved)
        summary.story_minutes = (self.world.clock.now() - started).total_seconds() / 60

    async def _breathe(self) -> None:
        if self.pause > 0:
            await asyncio.sleep(self.pause)
