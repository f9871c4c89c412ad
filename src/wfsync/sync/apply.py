"""The one step that differs in a dry run: carrying a :class:`~wfsync.sync.plan.Plan` out.

:class:`Applier` takes a plan and the entity's :class:`Writer` (who knows how
an operation becomes vendor calls) and, in order:

1. a dry run: asks the writer what the vendor would refuse (:meth:`Writer.predict`),
   lists the plan's rows in the run's report, and stops — nothing is written;
2. ``Remember``: the link is brought up to date; ``Pause``: the link is paused
   with its reason, its inbox entries settle, and nothing else happens; the
   conflicts are recorded (before any write: a run that dies after overwriting
   the loser must not lose the conflict); the values about to be written are
   remembered on the link (a write whose answer is lost then reads back as ours);
3. every write (update, create, remove), in order (:meth:`Writer.write`); a
   writer may *defer* one (a batched webCRM write), and then it records the plan
   itself later (:meth:`Applier.record`);
4. the record, in one state transaction: ``Resume`` (only now, once the merge
   is written), the writer's snapshots (:meth:`Writer.record`), the remembered
   values cleared, and the record's inbox entries resolved;
5. a ``Fail`` last: the record is in the inbox with its reason.

A write that fails raises out of the applier: nothing is recorded, so the next
cycle merges again from the snapshots as they were.

A record with no link has a plan of one ``Create`` or ``Adopt``;
:meth:`Applier.make` carries it out with the entity's :class:`Maker` and
returns the new link (a dry run lists it instead, once per pair).
"""

from __future__ import annotations

import logging
from typing import Protocol, TypeVar

from wfsync.state import Link
from wfsync.sync.context import RecordFailed, SyncContext
from wfsync.sync.links import pause, record_conflicts
from wfsync.sync.plan import (
    PENDING,
    Adopt,
    Create,
    Fail,
    Pause,
    Plan,
    Remember,
    Remove,
    Resume,
    Update,
    with_pending,
)

__all__ = ["Applier", "Creator", "Maker", "Writer", "carry_out"]

log = logging.getLogger("wfsync.sync.apply")


class Writer(Protocol):
    """An entity's part in carrying one plan out."""

    async def predict(self, plan: Plan) -> list[str]:
        """Dry run: why the vendor would refuse the plan's writes (empty: it would not)."""
        ...

    async def write(self, op: Update | Create | Remove) -> bool:
        """Carry one write out; False when it was deferred (a batch sends it later)."""
        ...

    def record(self, link: Link) -> None:
        """Store what each side now holds (called inside the applier's transaction)."""
        ...


class Maker(Protocol):
    """An entity's part in giving an unlinked record its link: a create on the
    other side (crash-safe, :func:`wfsync.sync.intents.create_with_intent`) or the
    adoption of the record there that matches it."""

    async def predict(self, plan: Plan) -> list[str]:
        """Dry run: why the vendor would refuse the create (empty: it would not)."""
        ...

    async def make(self, op: Create | Adopt) -> Link:
        """Carry the create or adoption out; the new link, saved with its snapshots."""
        ...


M = TypeVar("M", contravariant=True)


class Creator(Protocol[M]):
    """An entity's creates and adoptions, each given the record on its way (``M``)."""

    async def adopt(self, op: Adopt, making: M) -> Link: ...

    async def create_in_fortnox(self, making: M) -> Link: ...

    async def create_in_webcrm(self, making: M) -> Link: ...


async def carry_out(creator: Creator[M], op: Create | Adopt, making: M) -> Link:
    """A :class:`Maker`'s ``make``: the create on the op's side, or the adoption."""
    if isinstance(op, Adopt):
        return await creator.adopt(op, making)
    if op.side == "fortnox":
        return await creator.create_in_fortnox(making)
    return await creator.create_in_webcrm(making)


class Applier:
    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx

    async def _list(self, plan: Plan, pair: tuple[str, str], writer: Writer | Maker | None) -> None:
        """The dry run's whole part: what the vendor would refuse, else the plan's rows
        (once per pair: both directions of a dry run may reach it)."""
        ctx = self.ctx
        rows = plan.rows()
        if rows and pair in ctx.planned:
            return
        ctx.report.warnings.extend(plan.warnings)
        if writer is not None and plan.writes:
            problems = await writer.predict(plan)
            if problems:
                raise RecordFailed(f"{plan.ident}: {'; '.join(problems)}")
        if rows:
            ctx.planned.add(pair)
        for row in rows:
            ctx.report.plan(row)
        if any(isinstance(op, Pause) for op in plan.ops):
            ctx.report.count(plan.kind, "paused")

    async def make(self, plan: Plan, maker: Maker) -> Link | None:
        """Carry out the plan of a record that has no link yet: one ``Create`` or
        ``Adopt``. Returns the new link; None in a dry run, which lists the plan."""
        (op,) = plan.ops
        assert isinstance(op, Create | Adopt), f"{plan.ident}: not a plan for a new link"
        if self.ctx.dry_run:
            pair = f"{op.webcrm_id}⇄{op.fortnox_id}" if isinstance(op, Adopt) else plan.ident
            await self._list(plan, (plan.kind, pair), maker)
            return None
        return await maker.make(op)

    async def apply(self, plan: Plan, link: Link, writer: Writer | None = None) -> Link:
        """Carry ``plan`` out for ``link`` (in a dry run: list it); returns the link."""
        ctx = self.ctx
        if ctx.dry_run:
            pair = str(link.id or link.fortnox_id or link.webcrm_id)
            await self._list(plan, (plan.kind, pair), writer)
            return link
        ctx.report.warnings.extend(plan.warnings)
        for op in plan.ops:
            if isinstance(op, Pause):
                link = self._pause(plan, link, op.reason)
                self.settle(plan, link)
                return link
            if isinstance(op, Remember):
                link.extra = {**link.extra, **op.extra}
                link = ctx.store.save_link(link)
        if plan.conflicts and link.id is not None:
            # Before the writes: once the loser's value is overwritten, a run that dies
            # here would leave both sides equal and the conflict unseen for good.
            with ctx.store.transaction():
                record_conflicts(ctx.store, link, plan.conflicts)
        self._remember_pending(plan, link)
        deferred = False
        for op in plan.writes:
            assert writer is not None, f"{plan.ident}: a plan with writes needs a writer"
            deferred = not await writer.write(op) or deferred
        if not deferred and writer is not None:
            self.record(plan, link, writer)
        failed = next((op for op in plan.ops if isinstance(op, Fail)), None)
        if failed is not None:
            raise RecordFailed(f"{plan.ident}: {failed.reason}", retry=failed.retry)
        return link

    def _remember_pending(self, plan: Plan, link: Link) -> None:
        """Add the values about to be written to the link's pending ones (see
        ``plan.unwritten_bases``); they are dropped only when the merge is recorded."""
        writes = {
            op.side: dict(op.values) for op in plan.writes if isinstance(op, Update) and op.values
        }
        if writes and link.id is not None:
            link.extra = with_pending(link.extra, writes)
            # The side we copy from may not pass for "synced as it is" by its hash
            # until the merge is recorded: a person who puts it back to the
            # snapshot's value after our write landed made an edit the hash hides.
            if "fortnox" in writes:
                link.webcrm_hash = None
            if "webcrm" in writes:
                link.fortnox_hash = None
            self.ctx.store.save_link(link)

    def record(self, plan: Plan, link: Link, writer: Writer) -> None:
        """The plan's outcome in one transaction: link state, conflicts, snapshots, the
        record's inbox entries resolved. A paused link is resumed only here, once its
        merge is written: a resume whose merge failed would let the next cycle take the
        pair for synced."""
        ctx = self.ctx
        failing = any(isinstance(op, Fail) for op in plan.ops)
        with ctx.store.transaction():
            ctx.report.count(plan.kind, "conflicts", len(plan.conflicts))
            record_conflicts(ctx.store, link, plan.conflicts)
            if any(isinstance(op, Resume) for op in plan.ops):
                link.state, link.note = "active", None
            if PENDING in link.extra:
                link.extra = {k: v for k, v in link.extra.items() if k != PENDING}
            writer.record(link)
            if not failing:  # a failing plan's inbox entry stays open (attempts count up)
                self.settle(plan, link)
        if not plan.writes and not failing:
            ctx.report.count(plan.kind, "unchanged")

    def settle(self, plan: Plan, link: Link | None = None) -> None:
        """Resolve the record's open inbox entries: it needs nothing more (synced,
        paused with its reason shown, or no longer a record we sync)."""
        if self.ctx.dry_run:
            return
        keys = list(plan.inbox)
        if link is not None:
            keys += [("webcrm", link.webcrm_id or ""), ("fortnox", link.fortnox_id or "")]
        for source, record_id in keys:
            if record_id:
                self.ctx.store.resolve_failures(plan.kind, source, record_id)

    def _pause(self, plan: Plan, link: Link, reason: str) -> Link:
        ctx = self.ctx
        ctx.report.count(plan.kind, "paused")
        if link.state != "paused" or link.note != reason:
            log.info(
                "pausing %s link webCRM %s / Fortnox %s: %s",
                plan.kind,
                link.webcrm_id,
                link.fortnox_id,
                reason,
            )
        return pause(ctx.store, link, reason)
