"""`wfsync import`: the one-time start-up import, resumable and frugal with calls.

What it does (the spec's "import all active Fortnox customers at start-up"):

1. reads every webCRM organisation once (500 per page) to match against;
2. reads the active Fortnox customers (500 per page) and, for each one not
   linked yet, its full record (the list lacks most fields): links it to a
   matching organisation or queues it for creation; ambiguous matches go to the
   error inbox;
3. creates the queued organisations with webCRM's batch upsert (one call per
   chunk), then re-reads the organisation list once so the snapshots hold what
   webCRM really stored;
4. brings every active Fortnox article into the product catalogue (inactive ones
   are read and left out) — side by side with steps 2–3: customers are bound by
   Fortnox's budget (a GET each), articles by webCRM's (a catalogue create each),
   so the import takes the longer of the two, not their sum (a failure in one
   lets the other finish before it is reported);
5. sets every change feed's starting point: what changes after the import is
   handled by the next ``wfsync sync --once``; older documents are not brought
   over, and inactive Fortnox customers that were never linked are not created.

Interrupted? Run it again: linked records are skipped, open intents are
matched before anything is created again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from wfsync.domain import Customer
from wfsync.http.errors import ApiError
from wfsync.state import Link
from wfsync.sync.articles import ArticleSync
from wfsync.sync.context import SyncContext
from wfsync.sync.cursors import import_began, start_feeds
from wfsync.sync.customers import CustomerSync
from wfsync.sync.links import store_snapshots

if TYPE_CHECKING:
    from wfsync.fortnox.models import FortnoxCustomer

__all__ = ["Importer", "Progress"]

#: ``progress(stage, done, total)``: how far an import is, for a progress bar.
Progress = Callable[[str, int, int | None], None]

log = logging.getLogger("wfsync.sync.import")
KIND = "customer"


class Importer:
    def __init__(self, ctx: SyncContext, progress: Progress | None) -> None:
        self.ctx = ctx
        self.progress = progress or (lambda _stage, _done, _total: None)
        self.customers = CustomerSync(ctx)
        self.creator = self.customers.creator

    async def run(self) -> None:
        ctx, store = self.ctx, self.ctx.store
        started = ctx.clock.now()
        began = started if ctx.dry_run else import_began(store, started)
        newest = await self._index_webcrm()
        await _side_by_side(self._customers(), self._articles())
        if ctx.dry_run:
            return
        start_feeds(
            store,
            started=started,
            webcrm_newest=newest,
            customers_from=self._resumed_from(began, started),
        )

    def _resumed_from(self, began: datetime, started: datetime) -> datetime | None:
        """When an interrupted earlier run began, if it linked customers (this run
        skipped them: their changes since must be read by the feeds); else None."""
        if began >= started:
            return None
        linked = any(
            link.created_at is not None and began <= link.created_at < started
            for link in self.ctx.store.links(KIND)
        )
        if not linked:
            return None
        log.info("resuming the import begun %s: the customer feeds start there", began.isoformat())
        return began

    async def _articles(self) -> None:
        """Every Fortnox article from the article list alone (no GET per article;
        inactive ones are left out of webCRM), reporting progress as it goes."""
        articles = ArticleSync(self.ctx)
        listed = await articles.listing()
        self.progress("fortnox articles", 0, len(listed))
        for done, (number, article) in enumerate(listed, start=1):
            await articles.handle(number, article)
            self.progress("fortnox articles", done, len(listed))

    async def _index_webcrm(self) -> datetime | None:
        newest: datetime | None = None
        self.orgs: dict[str, Any] = {}
        async for org in self.ctx.webcrm.organisations.list():
            self.orgs[str(org.id)] = org
            if org.updated_at and (newest is None or org.updated_at > newest):
                newest = org.updated_at
        self.creator.index_webcrm(self.orgs.values())
        self.progress("webcrm organisations read", len(self.orgs), len(self.orgs))
        return newest

    async def _customers(self) -> None:
        ctx, store = self.ctx, self.ctx.store
        items = [item async for item in ctx.fortnox.customers.list(filter="active")]
        total = len(items)
        queued: list[tuple[FortnoxCustomer, Customer]] = []
        for done, item in enumerate(items, start=1):
            self.progress("fortnox customers", done, total)
            number = item.customer_number
            if store.get_link(KIND, fortnox_id=number) is not None:
                ctx.report.count(KIND, "already_linked")
                continue
            async with ctx.guard(KIND, "fortnox", number, "import"):
                record = await ctx.fortnox.customers.get(number)
                customer = self.customers.from_fortnox(record)
                match = await self.creator.match_in_webcrm(number, customer)
                if match.outcome == "create" and not ctx.dry_run:
                    queued.append((record, customer))  # batched below
                    continue
                await self.customers.handle_fortnox(number, record)
        if queued:
            await self._create_batch(queued)

    async def _create_batch(self, queued: list[tuple[FortnoxCustomer, Customer]]) -> None:
        """Create many organisations with webCRM's batch upsert.

        The PATCH answer's format is undocumented, so it decides nothing alone:
        every organisation is looked up by its customer number in one read-back
        pass, whatever the answer said. A server that refuses the batch call
        altogether gets the same organisations one by one.
        """
        ctx, store = self.ctx, self.ctx.store
        slot = ctx.settings.webcrm.custom_fields.customer_number
        intents = []
        dtos = []
        for record, customer in queued:
            dto = self.creator.organisation_dto(customer)
            dtos.append(dto)
            intents.append(store.begin_intent(KIND, "webcrm", record.customer_number, dto))
        size = ctx.settings.webcrm.page_size
        results: list[int | ApiError | None] = []
        singles: list[int] = []
        for start in range(0, len(dtos), size):
            self.progress("webcrm organisations created", start, len(dtos))
            chunk = dtos[start : start + size]
            try:
                results.extend(await ctx.webcrm.organisations.upsert_many(chunk))
            except ApiError as exc:
                if exc.fatal_for_run:
                    raise
                log.warning("batch create refused (%s); creating one by one", exc)
                results.extend([None] * len(chunk))
                singles.extend(range(start, start + len(chunk)))
        for index in singles:
            record, customer = queued[index]
            store.finish_intent(intents[index].id)
            await self.customers.handle_fortnox(record.customer_number, record)
        # Read back what webCRM stored: snapshots must be webCRM's own version.
        by_number: dict[str, Any] = {}
        async for stored in ctx.webcrm.organisations.list():
            key = (stored.field(slot) or "").strip()
            if key:
                by_number.setdefault(key, stored)
        done = set(singles)
        for index, ((record, customer), intent, result) in enumerate(
            zip(queued, intents, results, strict=True)
        ):
            if index in done:
                continue
            number = record.customer_number
            org = by_number.get(number)
            if org is None:
                store.finish_intent(intent.id)
                message = (
                    str(result)
                    if isinstance(result, ApiError)
                    else f"webCRM accepted the batch but no organisation has {slot} = {number}"
                )
                code = result.code if isinstance(result, ApiError) else None
                ctx.record_failure(
                    KIND, "fortnox", number, "create", message, code, {"retry": "always"}
                )
                continue
            with store.transaction():
                link = store.save_link(
                    Link(id=None, kind=KIND, webcrm_id=str(org.id), fortnox_id=number)
                )
                store_snapshots(
                    store,
                    link,
                    webcrm=self.customers.from_webcrm(org),
                    fortnox=customer,
                    now=ctx.clock.now(),
                )
                store.finish_intent(intent.id)
                store.resolve_failures(KIND, "fortnox", number)
            ctx.report.count(KIND, "created_webcrm")
        self.progress("webcrm organisations created", len(dtos), len(dtos))


async def _side_by_side(*steps: Awaitable[None]) -> None:
    """Run ``steps`` concurrently and let each finish: a failure in one does not
    cancel the other, which may be mid-way through a token refresh or a batch
    create (work the product never interrupts). The first failure is then raised
    as itself, not inside an ExceptionGroup: the CLI turns it into its one line."""
    results = await asyncio.gather(*steps, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
