"""Seeded chaos: random human edits on both simulators, injected faults and killed
runs, then quiet cycles — and a judgement of the end state on both sides.

Used by ``tests/scenario/sync/test_chaos.py`` (small, in CI) and ``benchmarks/chaos.py``
(thousands of edits). Everything random comes from one ``random.Random(seed)``;
a failure prints the seed, and ``CHAOS_SEED=<seed>`` replays it.

What a "kill" is here: the run's task dies at a request boundary with a
``BaseException`` nothing in wfsync catches — before the request is sent, or
after the server carried it out but before the answer is read (the process
died with the write done). The state store keeps whatever was committed, as
after ``kill -9``.
"""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

import httpx

from tests.scenario.sync.conftest import World
from wfsync.domain import CUSTOMER_FIELDS
from wfsync.domain.normalise import same
from wfsync.sync.customers import CustomerSync
from wfsync.sync.deliveries import DeliverySync
from wfsync.sync.engine import SyncEngine
from wfsync.sync.intents import SETTLE
from wfsync.sync.lines import same_lines
from wfsync.sync.merge import Side
from wfsync.sync.plan import pending_values

__all__ = ["Chaos", "Killed"]

COMPANY, PRIVATE, PROSPECT = "Kund – Företag", "Kund – Privat", "Prospekt"
ARTICLES = {"A1": "Hammare", "A2": "Spik 100-pack", "A3": "Skruvdragare", "A4": "Såg"}
CITIES = ["Stockholm", "Göteborg", "Malmö", "Umeå", "Luleå", "Visby"]
#: Canonical field → (webCRM property or custom slot name, Fortnox property).
EDITABLE = {
    "phone": ("OrganisationTelephone", "Phone1"),
    "website": ("OrganisationWww", "WWW"),
    "visiting_city": ("OrganisationCity", "VisitingCity"),
    "invoice_city": (None, "City"),  # webCRM side: its custom slot
}


#: Inbox entries the rules themselves call for (the record waits for a person).
WAITS_BY_DESIGN = ("link of its organisation is paused", "its customer's link is paused")


class Killed(BaseException):
    """The process running the sync died (``kill -9``) at this request."""


class KillingTransport(httpx.AsyncBaseTransport):
    """Passes requests through until told to kill the run at the n-th one."""

    def __init__(self, inner: httpx.AsyncBaseTransport, chaos: Chaos) -> None:
        self.inner = inner
        self.chaos = chaos

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        chaos = self.chaos
        if "/oauth-v1/" in request.url.path:
            # A kill between Fortnox rotating the refresh token and us saving the new
            # one locks the integration out until a person re-consents — the one loss
            # no design can avoid (docs/fortnox.md); chaos judges everything else.
            return await self.inner.handle_async_request(request)
        if chaos.kill_at is not None:
            chaos.kill_at -= 1
            if chaos.kill_at <= 0:
                chaos.kill_at = None
                chaos.kills += 1
                if chaos.rng.random() < 0.5:
                    # The server does the work; the answer dies with the process.
                    with contextlib.suppress(httpx.HTTPError):
                        await self.inner.handle_async_request(request)
                raise Killed
        return await self.inner.handle_async_request(request)


@dataclass
class Edit:
    side: str
    kind: str
    ident: str
    field: str
    value: Any
    at: int  #: index of the edit, for ordering
    #: Typed back to the value the sync last recorded for this side before any
    #: cycle saw the edits in between, or to the value an unconfirmed write of ours
    #: carried there: no sync can tell it from no edit (or from that write) at all.
    put_back: bool = False


@dataclass
class Chaos:
    world: World
    seed: int
    rng: random.Random = field(init=False)
    kill_at: int | None = None
    kills: int = 0
    faults: int = 0
    edits: list[Edit] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    booked: set[str] = field(default_factory=set)
    #: The list price a person last gave each article in Fortnox.
    prices: dict[str, int] = field(default_factory=dict)
    #: Runs that failed during the quiet cycles (must be 0: nothing is injected then).
    quiet_failures: int = 0
    _names: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    # --- set-up -------------------------------------------------------------------
    async def prepare(self, customers: int = 6) -> None:
        world = self.world
        world.configure(inactive_statuses=["Inaktiv"])
        for number, name in ARTICLES.items():
            world.fortnox.ui.create_article(
                ArticleNumber=number, Description=name, Unit="st", PurchasePrice=10
            )
            world.fortnox.ui.set_price("A", number, 100)
            self.prices[number] = 100
        for _ in range(customers):
            world.fortnox.ui.create_customer(Name=self._name("Import"))
        async with self.engine() as engine:
            await engine.import_all()

    def engine(self) -> Any:
        world = self.world
        return SyncEngine.open(
            world.settings,
            clock=world.clock,
            store=world.store,
            fortnox_transport=KillingTransport(httpx.ASGITransport(app=world.fortnox.app), self),
            webcrm_transport=KillingTransport(httpx.ASGITransport(app=world.webcrm.app), self),
        )

    def _name(self, prefix: str) -> str:
        self._names += 1
        return f"{prefix} {self._names} AB"

    # --- one round: edits, faults, a cycle that may die -------------------------------
    async def round(self, edits: int, *, faults: bool = True, kills: bool = True) -> None:
        for _ in range(edits):
            self._random_edit()
        if faults:
            self._arm_faults()
        if kills and self.rng.random() < 0.3:
            self.kill_at = self.rng.randint(1, 40)
        await self.cycle()
        self.kill_at = None
        self.world.fortnox.faults.clear()
        self.world.webcrm.faults.clear()

    async def cycle(self, minutes: float = 6) -> None:
        self.world.clock.advance(minutes * 60)
        try:
            async with self.engine() as engine:
                for direction in (engine.sync_webcrm, engine.sync_fortnox):
                    try:
                        await direction()
                    except Killed:
                        raise
                    except Exception as exc:  # a direction that could not complete
                        self.counts[f"run failed: {type(exc).__name__}"] += 1
        except Killed:
            self.counts["killed"] += 1

    async def settle(self, cycles: int = 3) -> None:
        """Quiet cycles, long enough apart for every unconfirmed create to settle."""
        self.world.clock.advance(SETTLE.total_seconds())
        await self.world.fortnox.app.land_due()
        await self.world.webcrm.land_due()
        before = sum(n for key, n in self.counts.items() if key.startswith("run failed"))
        for _ in range(cycles):
            await self.cycle()
        after = sum(n for key, n in self.counts.items() if key.startswith("run failed"))
        self.quiet_failures = after - before

    # --- the edits a person makes -------------------------------------------------------
    def _random_edit(self) -> None:
        actions = [
            (self._webcrm_new_org, 3),
            (self._fortnox_new_customer, 3),
            (self._webcrm_edit_org, 6),
            (self._fortnox_edit_customer, 6),
            (self._same_field_both_sides, 3),
            (self._webcrm_type_change, 2),
            (self._fortnox_inactive, 1),
            (self._fortnox_price_change, 2),
            (self._webcrm_new_delivery, 3),
            (self._webcrm_edit_lines, 3),
            (self._fortnox_new_order, 2),
            (self._fortnox_invoice_or_book, 2),
        ]
        action = self.rng.choices([a for a, _ in actions], [w for _, w in actions])[0]
        action()
        self.counts[action.__name__.lstrip("_")] += 1

    def _linked_customers(self) -> list[tuple[int, str]]:
        return [
            (int(link.webcrm_id), link.fortnox_id)
            for link in self.world.store.links("customer", state="active")
            if link.webcrm_id and link.fortnox_id
        ]

    def _record(self, side: str, ident: str, name: str, value: Any) -> None:
        link = self.world.store.get_link("customer", **{f"{side}_id": ident})
        snapshot = (
            (link.webcrm_snapshot if side == "webcrm" else link.fortnox_snapshot) if link else None
        )
        put_back = snapshot is not None and same(name, snapshot.get(name), value)
        # The value a write of ours whose answer was lost carried to this side: typed
        # by a person, it reads exactly as that write having landed (docs/sync.md).
        unconfirmed = pending_values(link.extra, cast(Side, side)).get(name, []) if link else []
        put_back = put_back or any(same(name, sent, value) for sent in unconfirmed)
        self.edits.append(Edit(side, "customer", ident, name, value, len(self.edits), put_back))

    def _webcrm_new_org(self) -> None:
        type_ = self.rng.choice([COMPANY, COMPANY, PRIVATE, PROSPECT])
        self.world.webcrm.ui.create_organisation(
            OrganisationName=self._name("Webbkund"),
            OrganisationType=type_,
            OrganisationCity=self.rng.choice(CITIES),
        )

    def _fortnox_new_customer(self) -> None:
        self.world.fortnox.ui.create_customer(
            Name=self._name("Fortnoxkund"), VisitingCity=self.rng.choice(CITIES)
        )

    def _value(self, name: str) -> str:
        if name == "phone":
            return f"08-{self.rng.randint(100, 999)} {self.rng.randint(10, 99)} 00"
        if name == "website":
            return f"www.exempel{self.rng.randint(1, 999)}.se"
        return self.rng.choice(CITIES)

    def _webcrm_set(self, org: int, name: str, value: str) -> None:
        prop = EDITABLE[name][0] or getattr(self.world.settings.webcrm.custom_fields, name)
        before = self.world.webcrm.ui.organisation(org).get(prop)
        self.world.webcrm.ui.update_organisation(org, **{prop: value})
        if not same(name, before, value):  # typing the value it had is not an edit
            self._record("webcrm", str(org), name, value)

    def _fortnox_set(self, number: str, name: str, value: str) -> None:
        prop = EDITABLE[name][1]
        before = self.world.fortnox.ui.customer(number).get(prop)
        self.world.fortnox.ui.update_customer(number, **{prop: value})
        if not same(name, before, value):
            self._record("fortnox", number, name, value)

    def _webcrm_edit_org(self) -> None:
        linked = self._linked_customers()
        if linked:
            org, _ = self.rng.choice(linked)
            name = self.rng.choice(list(EDITABLE))
            self._webcrm_set(org, name, self._value(name))

    def _fortnox_edit_customer(self) -> None:
        linked = self._linked_customers()
        if linked:
            _, number = self.rng.choice(linked)
            name = self.rng.choice(list(EDITABLE))
            self._fortnox_set(number, name, self._value(name))

    def _same_field_both_sides(self) -> None:
        linked = self._linked_customers()
        if linked:
            org, number = self.rng.choice(linked)
            name = self.rng.choice(list(EDITABLE))
            self._webcrm_set(org, name, self._value(name))
            self._fortnox_set(number, name, self._value(name))

    def _webcrm_type_change(self) -> None:
        orgs = self.world.webcrm.backend.organisations.rows()
        if orgs:
            org = self.rng.choice(orgs)
            self.world.webcrm.ui.update_organisation(
                int(org["OrganisationId"]), OrganisationType=self.rng.choice([COMPANY, PROSPECT])
            )

    def _fortnox_inactive(self) -> None:
        linked = self._linked_customers()
        if linked:
            _, number = self.rng.choice(linked)
            self.world.fortnox.ui.update_customer(number, Active=self.rng.random() < 0.5)

    def _fortnox_price_change(self) -> None:
        article = self.rng.choice(list(ARTICLES))
        self.prices[article] = self.rng.randint(50, 500)
        self.world.fortnox.ui.set_price("A", article, self.prices[article])

    def _webcrm_new_delivery(self) -> None:
        linked = self._linked_customers()
        if not linked:
            return
        org, _ = self.rng.choice(linked)
        delivery = self.world.webcrm.ui.create_delivery(
            org, DeliveryDescription="Order", DeliveryOrderDate="2026-11-20"
        )
        self._add_line(delivery)

    def _add_line(self, delivery: int) -> None:
        article = self.rng.choice(list(ARTICLES))
        self.world.webcrm.ui.add_quotation_line(
            delivery,
            QuotationLineData1=article,
            QuotationLineData3="st",
            QuotationLineMemo=ARTICLES[article],
            QuotationLineQuantity=self.rng.randint(1, 9),
            QuotationLinePrice=self.rng.randint(10, 300),
            QuotationLineDiscount=0,
            QuotationLineVatPercentage=25,
        )

    def _editable_deliveries(self) -> list[int]:
        ids = []
        for link in self.world.store.links("delivery", state="active"):
            if link.fortnox_type == "order" and link.webcrm_id:
                order = self.world.fortnox.ui.order(link.fortnox_id or "")
                if not order.get("InvoiceReference") and not order.get("Cancelled"):
                    ids.append(int(link.webcrm_id))
        return ids

    def _webcrm_edit_lines(self) -> None:
        deliveries = self._editable_deliveries()
        if not deliveries:
            return
        delivery = self.rng.choice(deliveries)
        lines = self.world.webcrm.ui.quotation_lines(delivery)
        if lines and self.rng.random() < 0.6:
            line = self.rng.choice(lines)
            self.world.webcrm.ui.update_quotation_line(
                int(line["QuotationLineId"]), QuotationLineQuantity=self.rng.randint(1, 9)
            )
        else:
            self._add_line(delivery)

    def _fortnox_new_order(self) -> None:
        linked = self._linked_customers()
        if not linked:
            return
        _, number = self.rng.choice(linked)
        if not self.world.fortnox.ui.customer(number).get("Active", True):
            return
        article = self.rng.choice(list(ARTICLES))
        self.world.fortnox.ui.create_order(
            number,
            rows=[
                {
                    "ArticleNumber": article,
                    "OrderedQuantity": self.rng.randint(1, 5),
                    "Price": self.rng.randint(10, 300),
                }
            ],
        )

    def _fortnox_invoice_or_book(self) -> None:
        store = self.world.fortnox.store
        orders = [
            n
            for n, o in store.orders.items()
            if not o.get("InvoiceReference") and not o.get("Cancelled")
        ]
        invoices = [n for n, i in store.invoices.items() if not i.get("Booked")]
        if orders and (not invoices or self.rng.random() < 0.6):
            self.world.fortnox.ui.create_invoice_from_order(self.rng.choice(orders))
        elif invoices:
            number = self.rng.choice(invoices)
            self.world.fortnox.ui.bookkeep_invoice(number)
            self.booked.add(number)

    # --- faults ---------------------------------------------------------------------
    def _arm_faults(self) -> None:
        for _ in range(self.rng.randint(0, 4)):
            self.faults += 1
            if self.rng.random() < 0.5:
                self._arm_fortnox()
            else:
                self._arm_webcrm()

    def _coin(self) -> bool:
        return self.rng.random() < 0.5

    def _arm_fortnox(self) -> None:
        path = self.rng.choice(["/3/customers", "/3/orders", "/3/invoices", "/3/articles", "/3/"])
        method = self.rng.choice(["GET", "POST", "PUT", None])
        kind = self.rng.choice(
            ["429", "503", "timeout", "lost", "late", "malformed", "disconnect", "401"]
        )
        faults = self.world.fortnox.faults
        if kind in ("429", "503", "401"):
            faults.add(path, method=method, status=int(kind), times=self.rng.randint(1, 3))
        elif kind == "timeout":
            faults.add(path, method=method, timeout=True)
        elif kind == "lost":
            faults.add(path, method=method, timeout=True, after_processing=True)
        elif kind == "late":  # a create that lands after we gave up on it
            path = self.rng.choice(["/3/customers", "/3/orders"])
            faults.add(path, method="POST", timeout=True, land_after=self.rng.randint(5, 540))
        elif kind == "disconnect":  # the connection drops, before or after the server acted
            faults.add(path, method=method, disconnect=True, after_processing=self._coin())
        else:
            faults.add(path, method=method, malformed="<html><h1>502 Bad Gateway</h1></html>")

    def _arm_webcrm(self) -> None:
        path = self.rng.choice(["/Organisations", "/Deliveries", "/QuotationLines", "/Queries"])
        method = self.rng.choice(["GET", "POST", "PUT", "PATCH", None])
        kind = self.rng.choice(["429", "503", "timeout", "lost", "late", "disconnect", "401"])
        faults = self.world.webcrm.faults
        if kind in ("429", "503", "401"):
            faults.add(path, method=method, status=int(kind), times=self.rng.randint(1, 3))
        elif kind == "timeout":
            faults.add(path, method=method, timeout=True)
        elif kind == "lost":
            faults.add(path, method=method, timeout=True, after_processing=True)
        elif kind == "disconnect":
            faults.add(path, method=method, disconnect=True, after_processing=self._coin())
        else:  # a create that lands after we gave up on it
            path = self.rng.choice(["/Organisations", "/Deliveries"])
            faults.add(path, method="POST", timeout=True, land_after=self.rng.randint(5, 540))

    # --- the judgement --------------------------------------------------------------
    async def problems(self) -> list[str]:
        """Everything that breaks a promise, in words (empty when all is well)."""
        found = self._duplicates() + self._forbidden_writes()
        if self.quiet_failures:
            found.append(f"{self.quiet_failures} runs failed in the quiet cycles")
        async with self.engine() as engine:
            found += await self._customer_differences(engine)
            found += await self._delivery_differences(engine)
        found += self._lost_edits() + self._catalogue_differences()
        found += [
            f"inbox: {f.kind} {f.source} {f.source_id}: {f.message}"
            for f in self.world.store.failures()
            if not any(reason in f.message for reason in WAITS_BY_DESIGN)
        ]
        return found

    def _duplicates(self) -> list[str]:
        world, found = self.world, []
        names = Counter(c["Name"] for c in world.fortnox.store.customers.values())
        orgs = Counter(o["OrganisationName"] for o in world.webcrm.backend.organisations.rows())
        for system, counter in (("Fortnox", names), ("webCRM", orgs)):
            found += [
                f"{system}: {n} records named {name!r}" for name, n in counter.items() if n > 1
            ]
        erp = Counter(
            d["DeliveryErpId"] for d in world.webcrm.backend.deliveries.rows() if d["DeliveryErpId"]
        )
        found += [f"webCRM: {n} deliveries with ERP id {k!r}" for k, n in erp.items() if n > 1]
        refs = Counter(
            o["ExternalInvoiceReference1"]
            for docs in (world.fortnox.store.orders, world.fortnox.store.invoices)
            for o in docs.values()
            if o.get("ExternalInvoiceReference1") and not o.get("Cancelled")
        )
        found += [f"Fortnox: {n} documents with marker {k!r}" for k, n in refs.items() if n > 1]
        return found

    def _forbidden_writes(self) -> list[str]:
        found = []
        for request in self.world.fortnox.requests:
            if request.method == "GET":
                continue
            if request.path.startswith(("/3/articles", "/3/prices")):
                found.append(f"wrote to Fortnox {request.method} {request.path}")
            parts = request.path.split("/")
            if request.path.startswith("/3/invoices/") and len(parts) > 3:
                number = parts[3]
                invoice = self.world.fortnox.store.invoices.get(number, {})
                if invoice.get("Booked") and request.status is not None and request.status < 300:
                    if request.path.endswith(("/bookkeep", "/credit")):
                        continue
                    found.append(f"changed booked invoice {number}: {request.method}")
        return found

    async def _customer_differences(self, engine: SyncEngine) -> list[str]:
        found = []
        customers = CustomerSync(engine.context())
        for link in self.world.store.links("customer", state="active"):
            org = await engine.webcrm.organisations.get(int(link.webcrm_id or 0))
            record = await engine.fortnox.customers.get(link.fortnox_id or "")
            left, right = (
                customers.from_webcrm(org).values(),
                customers.from_fortnox(record).values(),
            )
            for name in CUSTOMER_FIELDS:
                if not same(name, left[name], right[name]):
                    found.append(
                        f"customer {link.webcrm_id}/{link.fortnox_id} {name}: webCRM "
                        f"{left[name]!r} ≠ Fortnox {right[name]!r}"
                    )
        synced = {COMPANY, PRIVATE}
        linked = {link.webcrm_id for link in self.world.store.links("customer")}
        for org in self.world.webcrm.backend.organisations.rows():
            if org["OrganisationType"] in synced and str(org["OrganisationId"]) not in linked:
                found.append(f"webCRM organisation {org['OrganisationId']} never linked")
        linked_fortnox = {link.fortnox_id for link in self.world.store.links("customer")}
        for number, customer in self.world.fortnox.store.customers.items():
            if customer.get("Active", True) and number not in linked_fortnox:
                found.append(f"Fortnox customer {number} never linked")
        return found

    async def _delivery_differences(self, engine: SyncEngine) -> list[str]:
        found = []
        deliveries = DeliverySync(engine.context())
        for link in self.world.store.links("delivery", state="active"):
            kind = link.fortnox_type or "order"
            document, fortnox_view = await deliveries.read_fortnox(kind, link.fortnox_id or "")
            if getattr(document, "booked", False) or getattr(document, "cancelled", False):
                continue  # read-only in Fortnox: webCRM may rightly differ (inbox explains)
            delivery = await engine.webcrm.deliveries.get(int(link.webcrm_id or 0))
            lines = await engine.webcrm.quotation_lines.for_delivery(delivery.id)
            webcrm_view = deliveries.from_webcrm(delivery, lines)
            if not same_lines(webcrm_view.lines, fortnox_view.lines):
                found.append(f"delivery {link.webcrm_id}/{kind} {link.fortnox_id}: lines differ")
        paused = {
            link.fortnox_id for link in self.world.store.links("customer") if link.state != "active"
        }
        made_in_fortnox = {
            f"{kind}-{n}"
            for kind, docs in (
                ("order", self.world.fortnox.store.orders),
                ("invoice", self.world.fortnox.store.invoices),
            )
            for n, document in docs.items()
            if str(document.get("CustomerNumber")) not in paused  # waits by design
        }
        linked = {
            f"{link.fortnox_type}-{link.fortnox_id}" for link in self.world.store.links("delivery")
        }
        missing = made_in_fortnox - linked
        orders_invoiced = {
            f"invoice-{o['InvoiceReference']}"
            for o in self.world.fortnox.store.orders.values()
            if o.get("InvoiceReference")
        }
        for key in sorted(missing - orders_invoiced):
            found.append(f"Fortnox {key} never reached webCRM")
        return found

    def _catalogue_differences(self) -> list[str]:
        """Every article is in webCRM's catalogue once, with Fortnox's name and price."""
        found = []
        items = self.world.webcrm.ui.catalogue()
        for number, price in self.prices.items():
            mine = [i for i in items if i["QuotationLineLinkedDataItemData1"] == number]
            if len(mine) != 1:
                found.append(f"article {number}: {len(mine)} catalogue items")
            elif mine[0]["QuotationLineLinkedDataItemPrice"] != price:
                found.append(
                    f"article {number}: catalogue price "
                    f"{mine[0]['QuotationLineLinkedDataItemPrice']} ≠ Fortnox {price}"
                )
        return found

    def _lost_edits(self) -> list[str]:
        """Every field's final value is one side's last human edit, and a newer edit
        that lost is listed as a conflict."""
        found = []
        conflicts = {
            (c.webcrm_id, c.fortnox_id, c.field)
            for c in self.world.store.conflicts(include_acknowledged=True)
        }
        last: dict[tuple[str, str, str], Edit] = {}
        for edit in self.edits:
            last[edit.side, edit.ident, edit.field] = edit
        for link in self.world.store.links("customer", state="active"):
            w, f = link.webcrm_id or "", link.fortnox_id or ""
            for name in EDITABLE:
                mine = [
                    e for e in (last.get(("webcrm", w, name)), last.get(("fortnox", f, name))) if e
                ]
                prop = EDITABLE[name][1]
                final = self.world.fortnox.store.customers[f].get(prop)
                if any(e.put_back and same(name, final, e.value) for e in mine):
                    continue  # the recorded value again: no edit for the sync to see
                mine = [e for e in mine if not e.put_back]
                if not mine:
                    continue
                if not any(same(name, final, e.value) for e in mine):
                    found.append(
                        f"customer {w}/{f} {name}: final {final!r} is none of the last edits "
                        f"{[e.value for e in mine]!r}"
                    )
                    continue
                newest = max(mine, key=lambda e: e.at)
                if not same(name, final, newest.value) and (w, f, name) not in conflicts:
                    found.append(
                        f"customer {w}/{f} {name}: the newest edit {newest.value!r} "
                        f"({newest.side}) lost without a recorded conflict"
                    )
        return found

    async def quiet_writes(self) -> int:
        """Writes made by one more cycle with nothing changed (0 when stable)."""
        before = len(self.world.fortnox.writes()) + len(self.world.webcrm.writes)
        await self.cycle()
        after = len(self.world.fortnox.writes()) + len(self.world.webcrm.writes)
        return after - before
