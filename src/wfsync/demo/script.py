"""The demo's story: what people do in webCRM and Fortnox between two sync cycles.

Each :class:`Step` is one scene: a salesperson or a bookkeeper edits records in
their own system (through the simulators' ``ui`` helpers, exactly as a person
would — not through our clients), then the runner lets the clock reach the
next sync cycle. The scenes are chosen so that every promise in
shared/MISSION.md shows up once on screen: a customer created on either side,
the Type filter, articles flowing one way, a field-level merge, a true
conflict recorded with its rule, a rejected record that waits in the error
inbox and heals once fixed, a delivery that becomes a Fortnox order whose
invoice number and booked flag come back, the booked-invoice lock reported in
the error inbox, a Fortnox-born invoice becoming a webCRM delivery, and a quiet
cycle that writes nothing.

Steps find what they edit at run time (the customer a previous step created,
the first active article) rather than naming sample records, so the story
also runs on a ``--seed-file``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from wfsync.demo.world import DemoWorld

__all__ = ["CUSTOMER_STORY", "DELIVERY_STORY", "QUIET", "STORY", "Step"]

Act = Callable[[DemoWorld], list[str]]

SALES = "webCRM"
BOOKKEEPING = "Fortnox"
COMPANY = "Kund – Företag"


@dataclass(frozen=True)
class Step:
    """One scene: edits on one or both sides, then ``cycles`` sync cycles."""

    key: str
    title: str
    #: What to watch for in the cycle that follows.
    expect: str
    act: Act
    cycles: int = 1


def _fortnox_number(world: DemoWorld, webcrm_id: int) -> str:
    link = world.store.get_link("customer", webcrm_id=str(webcrm_id))
    if link is None or not link.fortnox_id:
        raise RuntimeError(f"webCRM organisation {webcrm_id} was not synced to Fortnox")
    return link.fortnox_id


def new_webcrm_customers(world: DemoWorld) -> list[str]:
    ui = world.webcrm.ui
    world.memo["bergstrom"] = ui.create_organisation(
        OrganisationName="Bergström Bygg AB",
        OrganisationType=COMPANY,
        OrganisationAddress="Storgatan 12",
        OrganisationPostCode="111 22",
        OrganisationCity="Stockholm",
        OrganisationCountry="Sverige",
        OrganisationTelephone="08-123 45 67",
        OrganisationWww="www.bergstrombygg.se",
        OrganisationVatNumber="SE556677889901",
        OrganisationExtraCustom2="556677-8899",
        OrganisationCustom6="30",
        OrganisationCustom7="SEK",
    )
    ui.create_organisation(
        OrganisationName="Hallands Solenergi AB",
        OrganisationType="Prospekt",
        OrganisationCity="Halmstad",
    )
    return [
        f"{SALES}: new organisation 'Bergström Bygg AB', Type '{COMPANY}'",
        f"{SALES}: new organisation 'Hallands Solenergi AB', Type 'Prospekt' (a lead)",
    ]


def fortnox_bookkeeping(world: DemoWorld) -> list[str]:
    ui = world.fortnox.ui
    world.memo["kalmar"] = ui.create_customer(
        Name="Kalmar Glas & Design AB",
        OrganisationNumber="556432-1098",
        Address1="Box 88",
        ZipCode="391 21",
        City="Kalmar",
        CountryCode="SE",
        VisitingAddress="Larmgatan 7",
        VisitingZipCode="392 32",
        VisitingCity="Kalmar",
        Phone1="0480-44 55 66",
        TermsOfPayment="30",
    )
    lines = [f"{BOOKKEEPING}: new customer 'Kalmar Glas & Design AB'"]
    ui.create_article(ArticleNumber="401", Description="Takskruv 4,2x25 (250 st)", Unit="förp")
    ui.set_price("A", "401", Decimal("149"))
    lines.append(f"{BOOKKEEPING}: new article 401 'Takskruv 4,2x25 (250 st)', list price 149 kr")
    active = sorted(n for n, a in world.fortnox.store.articles.items() if a.get("Active", True))
    existing = next((n for n in active if n != "401"), None)
    if existing is not None:
        lines.append(_raise_prices(world, existing))
    return lines


def _raise_prices(world: DemoWorld, number: str) -> str:
    """A new model of an existing article: new name, cost and list price 10 % up."""
    article = world.fortnox.store.articles[number]
    name = f"{article['Description']} (ny modell)"
    cost = _ten_percent_up(Decimal(str(article.get("PurchasePrice") or 0)))
    base = world.fortnox.store.prices.get(("A", number, Decimal(0)))
    price = _ten_percent_up(Decimal(str(base["Price"] if base else 100)))
    world.fortnox.ui.update_article(number, Description=name, PurchasePrice=cost)
    world.fortnox.ui.set_price("A", number, price)
    world.memo["renamed_article"] = number
    return (
        f"{BOOKKEEPING}: article {number} becomes '{name}', "
        f"cost price {cost} kr, list price {price} kr (+10 %)"
    )


def _ten_percent_up(amount: Decimal) -> Decimal:
    return (amount * Decimal("1.1")).quantize(Decimal(1))


def edits_on_both_sides(world: DemoWorld) -> list[str]:
    org_id = int(world.memo["bergstrom"])
    number = _fortnox_number(world, org_id)
    world.webcrm.ui.update_organisation(
        org_id, OrganisationTelephone="08-123 45 99", OrganisationWww="www.bergstrom-bygg.se"
    )
    world.fortnox.ui.update_customer(number, Phone1="08-123 45 00", Address1="Box 4711")
    return [
        f"{SALES}: Bergström Bygg AB — phone 08-123 45 99, website www.bergstrom-bygg.se",
        f"{BOOKKEEPING}: customer {number} — phone 08-123 45 00, invoice address Box 4711",
    ]


def rejected_customer(world: DemoWorld) -> list[str]:
    world.memo["gotland"] = world.webcrm.ui.create_organisation(
        OrganisationName="Gotlands Turism AB",
        OrganisationType=COMPANY,
        OrganisationCity="Visby",
        OrganisationTelephone="0498-20 17 00",
        OrganisationCustom6="45",
        OrganisationCustom7="SEK",
    )
    return [
        f"{SALES}: new organisation 'Gotlands Turism AB' with terms of payment '45' "
        "(no such code in Fortnox)"
    ]


def fix_rejected_customer(world: DemoWorld) -> list[str]:
    world.webcrm.ui.update_organisation(int(world.memo["gotland"]), OrganisationCustom6="30")
    return [f"{SALES}: Gotlands Turism AB — terms of payment corrected to '30'"]


def quiet(world: DemoWorld) -> list[str]:
    return []


def rename_in_fortnox(world: DemoWorld) -> list[str]:
    number = str(world.memo["kalmar"])
    world.fortnox.ui.update_customer(number, Name="Kalmar Glas & Design i Kalmar AB")
    return [f"{BOOKKEEPING}: customer {number} renamed 'Kalmar Glas & Design i Kalmar AB'"]


CUSTOMER_STORY: tuple[Step, ...] = (
    Step(
        "webcrm-customer",
        "A salesperson adds organisations in webCRM",
        "the customer is created in Fortnox and its new customer number is written back "
        "to webCRM; the lead is not a customer Type and stays out of Fortnox",
        new_webcrm_customers,
    ),
    Step(
        "fortnox-bookkeeping",
        "The bookkeeper works in Fortnox",
        "the customer appears in webCRM; articles flow one way only, Fortnox → webCRM's "
        "product catalogue, with name, cost price and list price",
        fortnox_bookkeeping,
    ),
    Step(
        "both-sides",
        "Both sides edit the same customer before the next sync",
        "different fields are merged (website from webCRM, invoice address from Fortnox); "
        "the phone number changed on both sides is a conflict: recorded, settled by the "
        "rule, never silently dropped",
        edits_on_both_sides,
    ),
    Step(
        "rejected",
        "A customer Fortnox will not accept",
        "Fortnox rejects the record; it lands in the error inbox with Fortnox's own message, "
        "and the rest of the cycle carries on",
        rejected_customer,
    ),
    Step(
        "healed",
        "The salesperson fixes the record",
        "the error-inbox entry is retried, succeeds and is resolved: no one re-ran anything",
        fix_rejected_customer,
    ),
    Step(
        "fortnox-rename",
        "A rename in Fortnox",
        "the new name reaches webCRM; our own writes coming back are recognised, not echoed",
        rename_in_fortnox,
    ),
)


# -- deliveries: webCRM delivery ⇄ Fortnox order and its invoice --------------------------


def _catalogue_line(world: DemoWorld, article_number: str, quantity: int) -> dict[str, object]:
    """A quotation line picked from webCRM's catalogue, as a salesperson adds one."""
    items = world.webcrm.ui.catalogue()
    item = next(
        (i for i in items if i["QuotationLineLinkedDataItemData1"] == article_number), items[0]
    )
    name = str(item["QuotationLineLinkedDataItemData2"])
    return {
        "LinkedDataId": item["QuotationLineLinkedDataItemId"],
        "Data1": item["QuotationLineLinkedDataItemData1"],
        "Data2": name,
        "Data3": item["QuotationLineLinkedDataItemData3"],
        "Memo": name,
        "Quantity": quantity,
        "Price": item["QuotationLineLinkedDataItemPrice"],
        "ListPrice": item["QuotationLineLinkedDataItemPrice"],
        "CostPrice": item["QuotationLineLinkedDataItemCostPrice"],
        "VatPercentage": 25,
    }


def _delivery_link_number(world: DemoWorld, kind: str) -> str:
    link = world.store.get_link("delivery", webcrm_id=str(world.memo["delivery"]))
    if link is None or not link.fortnox_id:
        raise RuntimeError("the demo's webCRM delivery was not synced to Fortnox")
    if kind == "order":
        return link.fortnox_id
    return str(link.extra.get("invoice_number") or world.memo["invoice"])


def deal_won(world: DemoWorld) -> list[str]:
    ui = world.webcrm.ui
    org_id = int(world.memo["bergstrom"])
    delivery_id = ui.create_delivery(
        org_id,
        DeliveryDescription="Tillbyggnad kontor, etapp 1",
        DeliveryStatus="OnGoing",
        DeliveryOrderDate=world.clock.now().date(),
        DeliveryCurrencyName="SEK",
    )
    world.memo["delivery"] = delivery_id
    ui.add_quotation_line(delivery_id, **_catalogue_line(world, "201", 12))
    ui.add_quotation_line(delivery_id, **_catalogue_line(world, "103", 5))
    return [
        f"{SALES}: delivery 'Tillbyggnad kontor, etapp 1' for Bergström Bygg AB, "
        "12 × Konsulttimme and 5 × Träskruv from the product catalogue"
    ]


def order_invoiced(world: DemoWorld) -> list[str]:
    order = _delivery_link_number(world, "order")
    invoice = world.fortnox.ui.create_invoice_from_order(order)
    world.memo["invoice"] = invoice
    return [f"{BOOKKEEPING}: order {order} → 'Skapa faktura': invoice {invoice}"]


def invoice_booked(world: DemoWorld) -> list[str]:
    invoice = _delivery_link_number(world, "invoice")
    world.fortnox.ui.bookkeep_invoice(invoice)
    return [f"{BOOKKEEPING}: invoice {invoice} is booked (bokförd)"]


def late_webcrm_edit(world: DemoWorld) -> list[str]:
    ui = world.webcrm.ui
    delivery_id = int(world.memo["delivery"])
    first = ui.quotation_lines(delivery_id)[0]
    ui.update_quotation_line(int(first["QuotationLineId"]), QuotationLineQuantity=14)
    return [f"{SALES}: the booked delivery's first line changed from 12 to 14 hours"]


def fortnox_direct_invoice(world: DemoWorld) -> list[str]:
    number = str(world.memo.get("kalmar") or next(iter(world.fortnox.store.customers)))
    article = "401" if "401" in world.fortnox.store.articles else None
    row = {"ArticleNumber": article} if article else {"Description": "Glasarbete", "Price": 950}
    invoice = world.fortnox.ui.create_invoice(
        number,
        rows=[{**row, "DeliveredQuantity": 3}],
        InvoiceDate=world.clock.now().date().isoformat(),
    )
    world.memo["direct_invoice"] = invoice
    return [f"{BOOKKEEPING}: invoice {invoice} made directly in Fortnox for customer {number}"]


DELIVERY_STORY: tuple[Step, ...] = (
    Step(
        "deal-won",
        "A deal is won in webCRM",
        "the delivery becomes a Fortnox order with the same lines; the order number comes "
        "back to webCRM",
        deal_won,
    ),
    Step(
        "order-invoiced",
        "Fortnox invoices the order",
        "the invoice number and date reach the webCRM delivery (they belong to Fortnox)",
        order_invoiced,
    ),
    Step(
        "invoice-booked",
        "The invoice is booked",
        "webCRM's 'invoice booked' box is ticked; from now on Fortnox never changes",
        invoice_booked,
    ),
    Step(
        "late-edit",
        "Someone edits the delivery in webCRM after booking",
        "nothing reaches Fortnox (the order is invoiced, its invoice booked); the error "
        "inbox entry says what to do instead and stays open until the edit is undone",
        late_webcrm_edit,
    ),
    Step(
        "fortnox-invoice",
        "An invoice made directly in Fortnox",
        "it becomes a webCRM delivery described 'faktura', status completed",
        fortnox_direct_invoice,
    ),
)

QUIET = Step(
    "quiet",
    "Nobody touches anything",
    "a quiet cycle reads the change feeds and writes nothing at all",
    quiet,
)

#: The whole demo: customers and articles, then deliveries, then a quiet period.
STORY: tuple[Step, ...] = (*CUSTOMER_STORY, *DELIVERY_STORY, QUIET)
