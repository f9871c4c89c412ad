"""Unlinked customers: match on the other side first, create only when nothing matches.

Creates are crash-safe and never sent twice (:mod:`wfsync.sync.intents`): every
create is preceded by a lookup on the other side (by customer number where one
is known, else by organisation number, VAT number and name), which adopts what
an interrupted run or a create whose answer was lost made.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wfsync.domain import CUSTOMER_FIELDS, Customer
from wfsync.domain.normalise import clean
from wfsync.fortnox.mapping import customer_fields, customer_from_fortnox
from wfsync.fortnox.validation import FortnoxRegisters, customer_problems, load_registers
from wfsync.http.errors import NotFoundError, ValidationError
from wfsync.state import Link
from wfsync.sync.apply import Applier, carry_out
from wfsync.sync.context import RecordFailed, SyncContext
from wfsync.sync.intents import create_with_intent
from wfsync.sync.links import store_snapshots
from wfsync.sync.matching import Candidate, CandidateIndex, Match
from wfsync.sync.plan import Adopt, Create, Plan
from wfsync.webcrm.mapping import customer_from_webcrm, organisation_fields
from wfsync.webcrm.params import new_organisation, organisation_type

if TYPE_CHECKING:
    from wfsync.fortnox.models import FortnoxCustomer
    from wfsync.webcrm.models import Organisation

__all__ = ["CustomerCreator", "NewLink"]

log = logging.getLogger("wfsync.sync.customers")
KIND = "customer"


@dataclass(frozen=True)
class NewLink:
    """A link this module made that its owner must now merge in full, so what the
    other side filled in (a Fortnox number) or holds crosses at once."""

    link: Link
    org: Organisation | None
    record: FortnoxCustomer | None


class CustomerCreator:
    """Gives an unlinked customer its link. It needs the run's context only; the merge
    that follows a new link is its caller's (:class:`NewLink`)."""

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self.applier = Applier(ctx)
        self._fortnox_index: CandidateIndex | None = None
        self._webcrm_index: CandidateIndex | None = None
        self._registers: FortnoxRegisters | None = None

    # --- indexes of the other side (loaded once per run, on first need) ------------
    async def fortnox_index(self) -> CandidateIndex:
        if self._fortnox_index is None:
            index = CandidateIndex(label="Fortnox customer")
            async for item in self.ctx.fortnox.customers.list():
                index.add(
                    Candidate(
                        id=item.customer_number,
                        name=item.name,
                        customer_number=item.customer_number,
                        organisation_number=item.organisation_number,
                    )
                )
            self._fortnox_index = index
        return self._fortnox_index

    async def webcrm_index(self) -> CandidateIndex:
        if self._webcrm_index is None:
            self.index_webcrm([org async for org in self.ctx.webcrm.organisations.list()])
        assert self._webcrm_index is not None
        return self._webcrm_index

    def index_webcrm(self, orgs: Iterable[Organisation]) -> None:
        """Match against these organisations (the importer has read them all already)."""
        index = CandidateIndex(label="webCRM organisation")
        for org in orgs:
            index.add(self.webcrm_candidate(org))
        self._webcrm_index = index

    async def match_in_webcrm(self, number: str, customer: Customer) -> Match:
        """Which webCRM organisation a Fortnox customer is, if any; one already linked
        to another customer is not a free match."""
        wanted = Candidate(
            "", customer.name, number, customer.organisation_number, customer.vat_number
        )
        return self._check_linked((await self.webcrm_index()).match(wanted), "webcrm")

    # --- the mapping a create needs -------------------------------------------------
    def from_webcrm(self, org: Organisation) -> Customer:
        settings = self.ctx.settings
        return customer_from_webcrm(org, settings.webcrm.custom_fields, settings.sync)

    def synced_type(self, org: Organisation) -> bool:
        """The organisation's Type is one of the synced customer Types."""
        return (org.type or "") in self.ctx.settings.sync.customer_types

    def webcrm_candidate(self, org: Organisation) -> Candidate:
        customer = self.from_webcrm(org)
        return Candidate(
            id=str(org.id),
            name=customer.name,
            customer_number=customer.customer_number,
            organisation_number=customer.organisation_number,
            vat_number=customer.vat_number,
        )

    # --- webCRM organisation → Fortnox customer ------------------------------------
    async def to_fortnox(self, org: Organisation, customer: Customer) -> NewLink | None:
        ctx = self.ctx
        key = str(org.id)
        ident = f"{customer.name or '(no name)'} (webCRM {key})"
        owner = ctx.settings.sync.customer_number_owner
        if owner == "webcrm" and not clean(customer.customer_number):
            raise RecordFailed(
                f"{ident} has no customer number: customer numbers are owned by webCRM, type "
                f"one in the field {ctx.settings.webcrm.custom_fields.customer_number}",
                retry="on_change",
            )
        if not clean(customer.name):
            raise RecordFailed(f"webCRM organisation {key} has no name", retry="on_change")
        match = await self._match_in_fortnox(customer)
        if match.outcome == "ambiguous":
            raise RecordFailed(
                f"{ident}: not created in Fortnox, {match.reason}",
                retry="on_change",
                waits_on=tuple(f"fortnox:{other}" for other in match.involved),
            )
        op: Create | Adopt = Create("fortnox")
        if match.outcome == "link" and match.candidate:
            op = Adopt(key, match.candidate.id, match.reason)
        return await self._make(Plan(KIND, ident, (op,)), _Making(key, ident, customer, org=org))

    async def _make(self, plan: Plan, making: _Making) -> NewLink | None:
        """The applier carries the plan out (or lists it); the new link, when it is to
        be merged in full."""
        making.creator = self
        link = await self.applier.make(plan, making)
        if link is None or not making.merge:
            return None
        return NewLink(link, making.org, making.record)

    async def create_in_fortnox(self, making: _Making) -> Link:
        ctx, store, customer, key = self.ctx, self.ctx.store, making.customer, making.key
        owner = ctx.settings.sync.customer_number_owner
        names = [n for n in CUSTOMER_FIELDS if n != "customer_number" or owner == "webcrm"]
        payload = customer_fields(customer, names, create=True)
        try:
            created, intent = await create_with_intent(
                ctx,
                entity=KIND,
                target="fortnox",
                source_id=key,
                payload=payload,
                ident=making.ident,
                send=lambda: ctx.fortnox.customers.create(payload),
            )
        except ValidationError as exc:
            if exc.code == 2000637 and owner == "webcrm":
                raise RecordFailed(
                    f"{making.ident}: customer number {customer.customer_number} is already used "
                    f"(or was used by a deleted customer) in Fortnox — give the organisation "
                    f"another number. Fortnox said: {exc.message}",
                    code=exc.code,
                    retry="on_change",
                    waits_on=(f"fortnox:{customer.customer_number}",),
                ) from exc
            raise
        number = created.customer_number
        # Snapshots of what each side held at the create: webCRM as read, Fortnox as
        # created but without what Fortnox filled in itself (the number, currency,
        # terms of payment), so the merge that follows sends those back to webCRM. Were
        # the run to die before that merge, a person's edit in webCRM meanwhile is
        # still seen as the change it is (no snapshots would make it a conflict).
        filled = {
            name: None
            for name, value in customer.values().items()
            if (value is None or isinstance(value, str)) and not clean(value)
        }
        as_created = customer_from_fortnox(created).model_copy(update=filled)
        with store.transaction():
            link = store.save_link(Link(id=None, kind=KIND, webcrm_id=key, fortnox_id=number))
            store_snapshots(store, link, webcrm=customer, fortnox=as_created, now=ctx.clock.now())
            store.finish_intent(intent.id)
            store.resolve_failures(KIND, "webcrm", key)
        ctx.report.count(KIND, "created_fortnox")
        index = await self.fortnox_index()
        index.add(Candidate(number, created.name, number, created.organisation_number))
        log.info("created Fortnox customer %s for %s", number, making.ident)
        making.record, making.merge = created, True  # the number goes back to webCRM
        return link

    async def fortnox_problems(
        self, customer: Customer, fields: Iterable[str] | None = None
    ) -> list[str]:
        """What Fortnox would refuse in ``customer`` (dry runs; registers read once)."""
        if self._registers is None:
            self._registers = await load_registers(self.ctx.fortnox)
        return customer_problems(customer, self._registers, fields)

    async def _match_in_fortnox(self, customer: Customer) -> Match:
        wanted = Candidate(
            id="",
            name=customer.name,
            customer_number=customer.customer_number,
            organisation_number=customer.organisation_number,
            vat_number=customer.vat_number,
        )
        if clean(customer.customer_number):
            # A cheap exact check by key beats scanning when the number is known.
            try:
                found = await self.ctx.fortnox.customers.get(customer.customer_number or "")
            except NotFoundError:
                found = None
            if found is not None:
                index = CandidateIndex(
                    [
                        Candidate(
                            found.customer_number,
                            found.name,
                            found.customer_number,
                            found.organisation_number,
                            found.vat_number,
                        )
                    ],
                    label="Fortnox customer",
                )
                return self._check_linked(index.match(wanted), "fortnox")
        return self._check_linked((await self.fortnox_index()).match(wanted), "fortnox")

    def _check_linked(self, match: Match, side: str) -> Match:
        """A match that is already linked to someone else is not a free record."""
        if match.outcome != "link" or match.candidate is None:
            return match
        if side == "fortnox":
            other = self.ctx.store.get_link(KIND, fortnox_id=match.candidate.id)
            where = f"webCRM organisation {other.webcrm_id}" if other else ""
        else:
            other = self.ctx.store.get_link(KIND, webcrm_id=match.candidate.id)
            where = f"Fortnox customer {other.fortnox_id}" if other else ""
        if other is None:
            return match
        label = "Fortnox customer" if side == "fortnox" else "webCRM organisation"
        return Match(
            "ambiguous",
            match.candidate,
            f"it matches {label} {match.candidate.id} ({match.reason}), which is already "
            f"linked to {where}; merge the duplicates or correct the keys",
            (match.candidate.id,),
        )

    # --- Fortnox customer → webCRM organisation --------------------------------------
    async def to_webcrm(self, record: FortnoxCustomer, customer: Customer) -> NewLink | None:
        number = record.customer_number
        ident = f"{customer.name or '(no name)'} (Fortnox {number})"
        if not clean(customer.name):
            raise RecordFailed(
                f"Fortnox customer {number} was read without a name; not created in webCRM "
                "until a read has one",
            )
        match = await self.match_in_webcrm(number, customer)
        if match.outcome == "ambiguous":
            raise RecordFailed(
                f"{ident}: not created in webCRM, {match.reason}",
                retry="on_change",
                waits_on=tuple(f"webcrm:{other}" for other in match.involved),
            )
        op: Create | Adopt = Create("webcrm")
        if match.outcome == "link" and match.candidate:
            op = Adopt(match.candidate.id, number, match.reason)
        making = _Making(number, ident, customer, record=record)
        return await self._make(Plan(KIND, ident, (op,)), making)

    async def create_in_webcrm(self, making: _Making) -> Link:
        ctx, store, number = self.ctx, self.ctx.store, making.key
        dto = self.organisation_dto(making.customer)
        slot = ctx.settings.webcrm.custom_fields.customer_number
        org_id, intent = await create_with_intent(
            ctx,
            entity=KIND,
            target="webcrm",
            source_id=number,
            payload=dto,
            ident=making.ident,
            send=lambda: ctx.webcrm.organisations.create(dto, lookup=(slot, number)),
        )
        org = await ctx.webcrm.organisations.get(org_id)
        with store.transaction():
            link = store.save_link(
                Link(id=None, kind=KIND, webcrm_id=str(org_id), fortnox_id=number)
            )
            store_snapshots(
                store,
                link,
                webcrm=self.from_webcrm(org),
                fortnox=making.customer,
                now=ctx.clock.now(),
            )
            store.finish_intent(intent.id)
            store.resolve_failures(KIND, "fortnox", number)
        (await self.webcrm_index()).add(self.webcrm_candidate(org))
        ctx.report.count(KIND, "created_webcrm")
        log.info("created webCRM organisation %s for %s", org_id, making.ident)
        return link

    def organisation_dto(self, customer: Customer) -> dict[str, object]:
        sync, custom = self.ctx.settings.sync, self.ctx.settings.webcrm.custom_fields
        return new_organisation(
            organisation_fields(customer, CUSTOMER_FIELDS, custom, sync, current_type=None)
        )

    # --- linking an existing pair -------------------------------------------------
    async def adopt(self, op: Adopt, making: _Making) -> Link:
        """Link a matching pair; a prospect a Fortnox customer matched becomes a
        customer in webCRM first (it is one now)."""
        ctx = self.ctx
        if making.org is None:
            org = await ctx.webcrm.organisations.get(int(op.webcrm_id))
            if not self.synced_type(org):
                record = making.record
                kind = customer_from_fortnox(record).kind if record else None
                new_type = (
                    ctx.settings.sync.fortnox_private_type
                    if kind == "private"
                    else ctx.settings.sync.fortnox_company_type
                )
                org = await ctx.webcrm.organisations.update(org.id, organisation_type(new_type))
            making.org = org
        with ctx.store.transaction():
            link = ctx.store.save_link(
                Link(id=None, kind=KIND, webcrm_id=op.webcrm_id, fortnox_id=op.fortnox_id)
            )
            ctx.finish_intents(KIND, "fortnox", op.webcrm_id)
            ctx.finish_intents(KIND, "webcrm", op.fortnox_id)
        ctx.report.count(KIND, "linked")
        log.info("linked %s to Fortnox %s (%s)", making.ident, op.fortnox_id, op.reason)
        making.merge = True
        return link


@dataclass
class _Making:
    """One unlinked record on its way to a link: the applier's :class:`Maker`."""

    #: The record's id on the side it was read from.
    key: str
    ident: str
    customer: Customer
    org: Organisation | None = None
    record: FortnoxCustomer | None = None
    #: The new link is merged in full once it exists (a create in webCRM is not:
    #: the organisation was made from the customer as it is).
    merge: bool = False
    creator: CustomerCreator = field(init=False)

    async def predict(self, plan: Plan) -> list[str]:
        """A dry run must not promise a create that Fortnox would refuse."""
        if any(isinstance(op, Create) and op.side == "fortnox" for op in plan.ops):
            problems = await self.creator.fortnox_problems(self.customer)
            if problems:
                return [f"Fortnox would refuse it: {'; '.join(problems)}"]
        return []

    async def make(self, op: Create | Adopt) -> Link:
        return await carry_out(self.creator, op, self)
