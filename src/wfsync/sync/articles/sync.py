"""Articles: Fortnox → webCRM product catalogue, one way only.

The catalogue (``QuotationLines/LinkedData``) has no change timestamp and is
owned by Fortnox: an item that differs from what we last wrote (edited or
deleted by a person in webCRM) is put back by ``catalogue_check`` every Fortnox
cycle, at the cost of one unpaged catalogue read.
Nothing is ever created in Fortnox from webCRM.

Every synced article field is in Fortnox's article *list* (500 a page): number,
``Description``, ``PurchasePrice``, ``Unit``, ``VAT`` and ``SalesPrice`` — the
base price of the pre-selected price list (reference §5.2). Only ``Active`` is
missing; ``filter=inactive`` names the inactive ones. So articles are read from
the list alone, never one GET each: the import and the feed list them, and every
Fortnox cycle a *scan* pages through the whole list (⌈a/500⌉ calls), which sees
price-only edits (they do not bump ``lastmodified``, §6.3), any drift, and
deleted articles. A configured ``price_list`` other than ``A`` is not what
``SalesPrice`` shows: then the list gives every field but the price, and the
hourly *sweep* reads each linked article's base price from the price list (one
call each, the documented cost).

An article made inactive (or deleted) in Fortnox is removed from the catalogue,
so nobody puts it on a new quotation line; lines that already use it keep their
copied data. Reactivating it brings it back.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from wfsync.domain import Article
from wfsync.fortnox.mapping import article_from_fortnox
from wfsync.fortnox.models import ArticleListItem
from wfsync.http.errors import NotFoundError
from wfsync.state import Failure, Link
from wfsync.sync.apply import Applier
from wfsync.sync.context import SyncContext
from wfsync.sync.links import hash_of, store_snapshots
from wfsync.sync.plan import Create, Op, Plan, Remove, Update
from wfsync.webcrm.mapping import (
    article_catalogue_fields,
    article_from_catalogue,
    catalogue_item_matches,
)
from wfsync.webcrm.params import new_catalogue_item

if TYPE_CHECKING:
    from wfsync.sync.cursors import Cursors
    from wfsync.webcrm.models import CatalogueItem

__all__ = ["KIND", "ArticleSync"]

log = logging.getLogger("wfsync.sync.articles")
KIND = "article"


class ArticleSync:
    kind = KIND
    #: One way: articles come from Fortnox. The catalogue has no feed of its own
    #: (checked every Fortnox cycle); prices of another list than the pre-selected
    #: one need the hourly sweep.
    feeds: ClassVar[Mapping[str, tuple[str, ...]]] = {"fortnox": ("articles",)}
    sweeps: ClassVar[frozenset[str]] = frozenset({"fortnox"})

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self.slots = ctx.settings.webcrm.catalogue
        self.price_list = ctx.settings.fortnox.price_list
        #: ``SalesPrice`` (in lists and records) is the pre-selected list's base price.
        self.price_in_list = self.price_list == "A"
        self._catalogue: dict[str, CatalogueItem] | None = None
        #: Items created during this run (article number → id); the catalogue list
        #: is read once per run, not again after every create.
        self._created: dict[str, int] = {}
        #: Articles written or withdrawn in this run: the catalogue read at the start
        #: of the run is stale for them, so the catalogue check leaves them alone.
        self._touched: set[str] = set()
        self.applier = Applier(ctx)

    async def catalogue(self) -> dict[str, CatalogueItem]:
        """Catalogue items by article number (one unpaged call per run)."""
        if self._catalogue is None:
            items: dict[str, CatalogueItem] = {}
            for item in await self.ctx.webcrm.catalogue.list():
                article = article_from_catalogue(item, self.slots)
                if article is not None:
                    items.setdefault(article.article_number, item)
            self._catalogue = items
        return self._catalogue

    async def read(self, number: str) -> Article | None:
        """The Fortnox article with its list price; None when it no longer exists.

        For a targeted sync (an event, the inbox): one GET, whose ``SalesPrice`` is
        the list price unless another price list is configured."""
        fortnox = self.ctx.fortnox
        try:
            record = await fortnox.articles.get(number)
        except NotFoundError:
            return None
        if self.price_in_list:
            return article_from_fortnox(record, record.sales_price)
        price = await fortnox.prices.get(number, price_list=self.price_list)
        return article_from_fortnox(record, price)

    async def sync_record(self, source: str, record_id: str) -> None:
        """One Fortnox article (webCRM's catalogue is not a source: it is put back)."""
        if source != "fortnox":
            raise ValueError(f"articles are synced from Fortnox only, not from {source}")
        await self.handle(record_id)

    async def retry(self, failure: Failure) -> None:
        await self.sync_record(failure.source, failure.source_id)

    def listed(self, item: ArticleListItem, *, active: bool = True) -> Article | None:
        """The canonical article from a list item; None when the list lacks its price
        (another price list than the pre-selected one is configured)."""
        if not self.price_in_list:
            return None
        article = article_from_fortnox(item, item.sales_price)
        return article if active else article.model_copy(update={"active": False})

    async def _inactive(self, since: datetime | None = None) -> set[str]:
        listing = self.ctx.fortnox.articles.list(lastmodified=since, filter="inactive")
        return {item.article_number async for item in listing}

    async def listing(self, since: datetime | None = None) -> list[tuple[str, Article | None]]:
        """Articles (changed since ``since``; None: all) as (number, article) from the
        list alone: ⌈n/500⌉ calls, plus one inactive listing when anything came."""
        items = [item async for item in self.ctx.fortnox.articles.list(lastmodified=since)]
        if not items:
            return []
        inactive = await self._inactive(since)
        return [
            (item.article_number, self.listed(item, active=item.article_number not in inactive))
            for item in items
        ]

    async def handle(self, number: str, article: Article | None = None) -> None:
        """Bring one Fortnox article's state into the catalogue."""
        ctx = self.ctx
        async with ctx.guard(KIND, "fortnox", number, "sync"):
            article = article or await self.read(number)
            ctx.identify(KIND, "fortnox", number, article.name if article else None)
            link = ctx.store.get_link(KIND, fortnox_id=number)
            if article is None or not article.active:
                await self._withdraw(number, link, "deleted" if article is None else "inactive")
                return
            if (
                link is not None
                and link.state == "active"
                and link.fortnox_hash == hash_of(article)
            ):
                ctx.report.count(KIND, "unchanged")
                return
            await self._publish(article, link)

    async def _publish(self, article: Article, link: Link | None) -> None:
        """Put the article in the catalogue: create its item, update it, or (already as
        it should be) only record it."""
        self._touched.add(article.article_number)
        number = article.article_number
        item = (await self.catalogue()).get(number)
        created = self._created.get(number)
        ops: tuple[Op, ...] = ()
        if item is None and created is None:
            ops = (Create("webcrm"),)
        elif item is None or not catalogue_item_matches(item, article, self.slots):
            ops = (Update("webcrm", ()),)
        item_id = item.id if item is not None else created
        link = link or Link(id=None, kind=KIND, webcrm_id=None, fortnox_id=number)
        plan = Plan(KIND, f"{article.name} (article {number})", ops)
        await self.applier.apply(plan, link, _CatalogueWriter(self, article, item_id))

    async def _withdraw(self, number: str, link: Link | None, why: str) -> None:
        """Take the article's item out of the catalogue and pause its link."""
        self._touched.add(number)
        item = (await self.catalogue()).get(number)
        item_id = item.id if item is not None else self._created.get(number)
        if item_id is None and (link is None or link.state == "paused"):
            self.ctx.report.count(KIND, "ignored")
            return
        link = link or Link(id=None, kind=KIND, webcrm_id=str(item_id), fortnox_id=number)
        reason = f"{why} in Fortnox"
        plan = Plan(KIND, f"article {number}", (Remove("webcrm", reason),))
        await self.applier.apply(plan, link, _CatalogueWriter(self, None, item_id, reason))

    def forget(self, number: str) -> None:
        """The item is gone from the catalogue (this run's view of it too)."""
        if self._catalogue is not None:
            self._catalogue.pop(number, None)
        self._created.pop(number, None)

    def remember_created(self, number: str, item_id: int) -> None:
        self._created[number] = item_id

    async def feed(self, source: str, cursors: Cursors) -> None:
        """The changed articles, then the catalogue's check and the article list's scan."""
        await self.changed(cursors["articles"].since())
        await self.catalogue_check()
        await self.scan()

    async def changed(self, since: datetime | None) -> None:
        """Articles changed in Fortnox since ``since`` (None: all of them)."""
        for number, article in await self.listing(since):
            await self.handle(number, article)

    async def catalogue_check(self) -> None:
        """Every Fortnox cycle: put back catalogue items a person edited or deleted in
        webCRM. The catalogue has no change feed, so its one unpaged list (shared with
        the rest of the run) is compared with what we last wrote; only items that
        differ cost more calls (a fresh read of the Fortnox article and one write)."""
        links = self.ctx.store.links(KIND, state="active")
        if not links:
            return  # nothing of ours in the catalogue: no read
        catalogue = await self.catalogue()
        for link in links:
            number = link.fortnox_id
            if not number or link.webcrm_snapshot is None or number in self._touched:
                continue
            item = catalogue.get(number)
            written = Article.model_validate(link.webcrm_snapshot)
            if item is not None and catalogue_item_matches(item, written, self.slots):
                continue
            log.info("catalogue item for article %s changed in webCRM: putting it back", number)
            async with self.ctx.guard(KIND, "fortnox", number, "sync"):
                article = await self.read(number)
                if article is None or not article.active:
                    await self._withdraw(number, link, "deleted" if article is None else "inactive")
                else:
                    await self._publish(article, link)

    async def scan(self) -> None:
        """Every Fortnox cycle: one pass over the article list (⌈a/500⌉ calls). A linked
        article whose listed state differs from what we synced — a price-only edit
        included — is synced from the list item; a linked article missing from the
        list was deleted (one GET confirms it). Without the price in the list (another
        price list configured) only deletions are seen here; prices wait for the sweep."""
        ctx = self.ctx
        links = {
            link.fortnox_id: link
            for link in ctx.store.links(KIND, state="active")
            if link.fortnox_id and link.fortnox_snapshot
        }
        if not links:
            return
        changed: list[tuple[str, Article | None]] = []
        async for item in ctx.fortnox.articles.list():
            link = links.pop(item.article_number, None)
            if link is None:
                continue
            article = self.listed(item)
            if article is not None and link.fortnox_hash != hash_of(article):
                changed.append((item.article_number, article))
        changed.extend((number, None) for number in links)  # gone from the list
        for number, article in changed:
            await self.handle(number, article)

    async def sweep(self, source: str = "fortnox") -> None:
        """Hourly: with another price list than the pre-selected one, read the base
        price of every linked article from that list (one call each) — the list's
        ``SalesPrice`` cannot show it. With the pre-selected list the scan already
        saw every price this cycle, and this costs nothing."""
        if self.price_in_list:
            return
        ctx = self.ctx
        for link in ctx.store.links(KIND, state="active"):
            number = link.fortnox_id or ""
            if not link.fortnox_snapshot:
                continue
            async with ctx.guard(KIND, "fortnox", number, "price"):
                price = await ctx.fortnox.prices.get(number, price_list=self.price_list)
                known = link.fortnox_snapshot.get("list_price")
                if (None if known is None else Decimal(str(known))) != price:
                    await self.handle(number)


class _CatalogueWriter:
    """Carries one article's plan out in webCRM's catalogue and records the link:
    active with the item and the article as written, or — withdrawn — paused."""

    def __init__(
        self,
        articles: ArticleSync,
        article: Article | None,
        item_id: int | None,
        withdrawn: str = "",
    ) -> None:
        self.articles = articles
        self.article = article
        self.item_id = item_id
        #: Why the article leaves the catalogue ("inactive in Fortnox"); "" to publish.
        self.withdrawn = withdrawn

    async def predict(self, plan: Plan) -> list[str]:
        return []  # the catalogue takes any item

    async def write(self, op: Update | Create | Remove) -> bool:
        articles = self.articles
        ctx = articles.ctx
        catalogue = ctx.webcrm.catalogue
        if isinstance(op, Remove):
            if self.item_id is not None:
                with contextlib.suppress(NotFoundError):  # already gone: that is the goal
                    await catalogue.delete(self.item_id)
                ctx.report.count(KIND, "removed_webcrm")
            return True
        assert self.article is not None
        fields = article_catalogue_fields(self.article, articles.slots)
        if isinstance(op, Create):
            self.item_id = await catalogue.create(new_catalogue_item(fields))
            articles.remember_created(self.article.article_number, self.item_id)
            ctx.report.count(KIND, "created_webcrm")
        else:
            assert self.item_id is not None
            await catalogue.update(self.item_id, fields)
            ctx.report.count(KIND, "updated_webcrm")
        return True

    def record(self, link: Link) -> None:
        ctx = self.articles.ctx
        if self.article is None:  # withdrawn
            self.articles.forget(link.fortnox_id or "")
            if link.id is not None:
                link.state = "paused"
                link.note = f"{self.withdrawn}: removed from the webCRM catalogue"
                link.webcrm_id = None
                ctx.store.save_link(link)
            return
        link.webcrm_id, link.state, link.note = str(self.item_id), "active", None
        now = ctx.clock.now()
        store_snapshots(ctx.store, link, webcrm=self.article, fortnox=self.article, now=now)
