"""Articles, prices, orders and invoices through the client, against the simulator."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from pydantic import SecretStr

from wfsync.clock import FakeClock
from wfsync.config import FortnoxSettings
from wfsync.fortnox import API_BLANK, FortnoxClient, MemoryTokenStore
from wfsync.fortnox.mapping import article_from_fortnox
from wfsync.http.errors import LockedError, NotFoundError, ServerError, ValidationError
from wfsync.http.retry import RetryPolicy
from wfsync.simulators.fortnox import FortnoxSimulator

CLIENT_ID, SECRET = "wfsync-test", "s3cret"


@pytest.fixture
def sim(clock: FakeClock) -> FortnoxSimulator:
    simulator = FortnoxSimulator(clock=clock)
    simulator.register_client(CLIENT_ID, SECRET)
    return simulator


@pytest.fixture
async def fortnox(sim: FortnoxSimulator, clock: FakeClock) -> AsyncIterator[FortnoxClient]:
    settings = FortnoxSettings(
        client_id=CLIENT_ID,
        client_secret=SecretStr(SECRET),
        refresh_token=SecretStr(sim.issue_refresh_token(CLIENT_ID)),
    )
    async with FortnoxClient(
        settings,
        MemoryTokenStore(),
        clock=clock,
        transport=httpx.ASGITransport(app=sim.app),
        retry=RetryPolicy(rng=random.Random(5)),
    ) as client:
        yield client


@pytest.fixture
def customer(sim: FortnoxSimulator) -> str:
    return sim.ui.create_customer(Name="Nordin Järn AB")


@pytest.fixture
def article(sim: FortnoxSimulator) -> str:
    number = sim.ui.create_article(Description="Hammare", PurchasePrice=55, Unit="st")
    sim.ui.set_price("A", number, Decimal("199"))
    return number


def writes(sim: FortnoxSimulator) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in sim.writes()]


# --- articles and prices ---------------------------------------------------------------------


async def test_article_crud_and_list_quirks(fortnox: FortnoxClient, sim: FortnoxSimulator) -> None:
    created = await fortnox.articles.create({"Description": "Skruv 4x40", "PurchasePrice": 0.35})
    assert created.purchase_price == Decimal("0.35") and created.sales_price is None
    updated = await fortnox.articles.update(created.article_number, {"Note": "Förpackning 100"})
    assert updated.note == "Förpackning 100" and updated.description == "Skruv 4x40"
    [item] = await fortnox.articles.list()
    assert item.article_number == created.article_number
    assert item.purchase_price == Decimal("0.35")  # a string on the wire (§5.2)
    assert article_from_fortnox(item, None).name == "Skruv 4x40"
    with pytest.raises(NotFoundError) as caught:
        await fortnox.articles.get("NOPE")
    assert caught.value.code == 2000428


async def test_price_upsert(fortnox: FortnoxClient, sim: FortnoxSimulator) -> None:
    number = sim.ui.create_article(Description="Tång")
    assert await fortnox.prices.get(number) is None  # 404 → None
    await fortnox.prices.set(number, Decimal("149.50"))
    assert await fortnox.prices.get(number) == Decimal("149.50")
    assert (await fortnox.articles.get(number)).sales_price == Decimal("149.50")
    await fortnox.prices.set(number, Decimal("149.50"))  # unchanged: no write
    await fortnox.prices.set(number, Decimal("159"))
    assert await fortnox.prices.get(number) == Decimal("159")
    assert writes(sim) == [("POST", "/3/prices"), ("PUT", f"/3/prices/A/{number}/0")]
    assert sim.writes()[0].body == {
        "Price": {"ArticleNumber": number, "PriceList": "A", "FromQuantity": 0, "Price": 149.5}
    }


async def test_price_in_another_list_and_quantity(
    fortnox: FortnoxClient, sim: FortnoxSimulator, article: str
) -> None:
    sim.load_seed({"pricelists": [{"Code": "B", "Description": "Återförsäljare"}]})
    await fortnox.prices.set(article, Decimal("150"), price_list="B", from_quantity=10)
    assert await fortnox.prices.get(article, price_list="B", from_quantity=10) == Decimal("150")
    assert await fortnox.prices.get(article) == Decimal("199")
    assert {p.code for p in await fortnox.price_lists.list()} >= {"A", "B"}


# --- orders ----------------------------------------------------------------------------------


async def test_order_lifecycle(
    fortnox: FortnoxClient, sim: FortnoxSimulator, customer: str, article: str
) -> None:
    order = await fortnox.orders.create(
        {
            "CustomerNumber": customer,
            "Remarks": "Leverans port 3",
            "OrderRows": [{"ArticleNumber": article, "OrderedQuantity": 2, "DeliveredQuantity": 2}],
        }
    )
    assert order.invoice_reference is None and not order.locked
    [row] = order.rows
    assert (row.description, row.ordered_quantity, row.price) == (
        "Hammare",
        Decimal(2),
        Decimal(199),
    )
    updated = await fortnox.orders.update(order.document_number, {"Remarks": API_BLANK})
    assert not updated.remarks
    [listed] = await fortnox.orders.list(filter="invoicenotcreated")
    assert listed.document_number == order.document_number

    invoice = await fortnox.orders.create_invoice(order.document_number)
    assert invoice.order_reference == order.document_number
    assert invoice.rows[0].delivered_quantity == Decimal(2)
    reread = await fortnox.orders.get(order.document_number)
    assert reread.invoice_reference == invoice.document_number and reread.locked

    with pytest.raises(LockedError) as locked:
        await fortnox.orders.update(order.document_number, {"Remarks": "sent"})
    assert locked.value.status == 400 and locked.value.message
    with pytest.raises(LockedError):
        await fortnox.orders.create_invoice(order.document_number)


async def test_cancel_order(fortnox: FortnoxClient, sim: FortnoxSimulator, customer: str) -> None:
    number = sim.ui.create_order(customer)
    cancelled = await fortnox.orders.cancel(number)
    assert cancelled.cancelled and cancelled.locked
    with pytest.raises(LockedError):
        await fortnox.orders.cancel(number)
    with pytest.raises(NotFoundError) as caught:
        await fortnox.orders.get("999")
    assert caught.value.code == 2000439


async def test_create_invoice_is_not_retried_after_a_server_error(
    fortnox: FortnoxClient, sim: FortnoxSimulator, customer: str, article: str
) -> None:
    number = sim.ui.create_order(customer, [{"ArticleNumber": article, "OrderedQuantity": 1}])
    sim.faults.add(f"/3/orders/{number}/createinvoice", status=500)
    with pytest.raises(ServerError):
        await fortnox.orders.create_invoice(number)
    assert writes(sim) == [("PUT", f"/3/orders/{number}/createinvoice")]


# --- invoices --------------------------------------------------------------------------------


async def test_invoice_lifecycle(
    fortnox: FortnoxClient, sim: FortnoxSimulator, customer: str, article: str
) -> None:
    invoice = await fortnox.invoices.create(
        {
            "CustomerNumber": customer,
            "InvoiceRows": [{"ArticleNumber": article, "DeliveredQuantity": 3, "Price": 10}],
        }
    )
    assert invoice.credit is False and invoice.order_reference is None
    assert invoice.rows[0].delivered_quantity == Decimal(3) and not invoice.locked
    assert invoice.due_date is not None and invoice.invoice_date is not None
    [listed] = await fortnox.invoices.list()
    assert listed.document_number == invoice.document_number and listed.booked is False

    booked = await fortnox.invoices.bookkeep(invoice.document_number)
    assert booked.booked and booked.locked and booked.voucher_series == "B"
    with pytest.raises(LockedError) as locked:
        await fortnox.invoices.update(invoice.document_number, {"Remarks": "för sent"})
    assert "bokförd" in locked.value.message
    with pytest.raises(LockedError):
        await fortnox.invoices.cancel(invoice.document_number)

    credited = await fortnox.invoices.credit(invoice.document_number)
    assert credited.credit_invoice_reference is not None
    credit_note = await fortnox.invoices.get(credited.credit_invoice_reference)
    assert credit_note.credit is True
    assert credit_note.invoice_reference == invoice.document_number


async def test_cancel_invoice(fortnox: FortnoxClient, sim: FortnoxSimulator, customer: str) -> None:
    number = sim.ui.create_invoice(customer)
    assert (await fortnox.invoices.cancel(number)).cancelled
    with pytest.raises(LockedError):
        await fortnox.invoices.bookkeep(number)


async def test_rows_of_an_invoice_made_from_an_order_are_locked(
    fortnox: FortnoxClient, sim: FortnoxSimulator, customer: str, article: str
) -> None:
    order = sim.ui.create_order(customer, [{"ArticleNumber": article, "OrderedQuantity": 1}])
    number = sim.ui.create_invoice_from_order(order)
    invoice = await fortnox.invoices.get(number)
    assert invoice.rows_locked and not invoice.locked
    with pytest.raises(LockedError) as caught:
        await fortnox.invoices.update(
            number, {"InvoiceRows": [{"ArticleNumber": article, "DeliveredQuantity": 5}]}
        )
    assert "koppling till en order" in caught.value.message
    header_only = await fortnox.invoices.update(number, {"Remarks": "Tack för ordern"})
    assert header_only.remarks == "Tack för ordern"


async def test_document_validation_error(fortnox: FortnoxClient) -> None:
    with pytest.raises(ValidationError) as caught:
        await fortnox.orders.create({"CustomerNumber": "404"})
    assert not isinstance(caught.value, LockedError)
    assert caught.value.code is not None
