"""Pydantic models of the Fortnox records the sync reads.

Shapes follow reference §4–§9. Three rules make them survive the real API:

* **Tolerant types.** Fortnox sends the same field as a number in one place and
  a string in another (``"OrderedQuantity": "1"``, list ``PurchasePrice: "0"``,
  ``Credit: "false"``). Numbers parse from numbers or numeric strings into
  :class:`~decimal.Decimal`; ``""`` and ``null`` become ``None``; booleans accept
  ``"true"``/``"false"``.
* **Open schemas.** ``extra="allow"``: fields Fortnox adds tomorrow (or that we
  do not model) are kept in ``model_extra`` under their Fortnox names instead of
  failing validation. Never echo a whole record back in a write, though:
  Fortnox rejects unknown field names (2001399); writes use allow-listed dicts.
* **Snake-case names, exact aliases.** ``customer.vat_number`` is
  ``VATNumber`` on the wire; ``populate_by_name`` lets tests build models either
  way, ``model_dump(by_alias=True)`` gives Fortnox names back.

Document references (``InvoiceReference``, ``OrderReference``, …) use ``"0"`` for
"none" on the wire; here that is ``None``, so ``if order.invoice_reference:``
reads naturally.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = [
    "ArticleListItem",
    "CompanyInformation",
    "CurrencyRecord",
    "CustomerListItem",
    "DocumentRow",
    "FortnoxArticle",
    "FortnoxCustomer",
    "FortnoxInvoice",
    "FortnoxModel",
    "FortnoxOrder",
    "InvoiceListItem",
    "InvoiceRow",
    "MetaInformation",
    "OrderListItem",
    "OrderRow",
    "PriceList",
    "PriceRecord",
    "TermsOfPayment",
]


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    text = str(value).strip()
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None or value == "":
        return False
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _reference(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if text in ("", "0") else text


def _key(value: Any) -> Any:
    return str(value) if isinstance(value, int | Decimal) and not isinstance(value, bool) else value


def _optional_date(value: Any) -> Any:
    return None if value == "" else value


Number = Annotated[Decimal | None, BeforeValidator(_decimal)]
Flag = Annotated[bool, BeforeValidator(_flag)]
Reference = Annotated[str | None, BeforeValidator(_reference)]
Key = Annotated[str, BeforeValidator(_key)]
OptionalKey = Annotated[str | None, BeforeValidator(_key)]
OptionalDate = Annotated[date | None, BeforeValidator(_optional_date)]


class FortnoxModel(BaseModel):
    """Base: aliases are Fortnox names, unknown fields kept, names or aliases accepted."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    url: str | None = Field(default=None, alias="@url")


class MetaInformation(FortnoxModel):
    total_resources: int = Field(default=0, alias="@TotalResources")
    total_pages: int = Field(default=0, alias="@TotalPages")
    current_page: int = Field(default=1, alias="@CurrentPage")


# --- customers (§4) --------------------------------------------------------------------------


class CustomerListItem(FortnoxModel):
    """A customer as ``GET /3/customers`` lists it: a subset (§4.2); ``get`` for the rest."""

    customer_number: Key = Field(alias="CustomerNumber")
    name: str | None = Field(default=None, alias="Name")
    address1: str | None = Field(default=None, alias="Address1")
    address2: str | None = Field(default=None, alias="Address2")
    zip_code: str | None = Field(default=None, alias="ZipCode")
    city: str | None = Field(default=None, alias="City")
    email: str | None = Field(default=None, alias="Email")
    organisation_number: str | None = Field(default=None, alias="OrganisationNumber")
    phone: str | None = Field(default=None, alias="Phone")
    #: Not sent by Fortnox in lists; set from ``filter=active|inactive`` when used.
    active: Flag | None = Field(default=None, alias="Active")


class FortnoxCustomer(FortnoxModel):
    customer_number: Key = Field(alias="CustomerNumber")
    name: str | None = Field(default=None, alias="Name")
    active: Flag = Field(default=True, alias="Active")
    type: str | None = Field(default=None, alias="Type")
    organisation_number: str | None = Field(default=None, alias="OrganisationNumber")
    vat_number: str | None = Field(default=None, alias="VATNumber")
    vat_type: str | None = Field(default=None, alias="VATType")
    address1: str | None = Field(default=None, alias="Address1")
    address2: str | None = Field(default=None, alias="Address2")
    zip_code: str | None = Field(default=None, alias="ZipCode")
    city: str | None = Field(default=None, alias="City")
    country_code: str | None = Field(default=None, alias="CountryCode")
    country: str | None = Field(default=None, alias="Country")
    phone1: str | None = Field(default=None, alias="Phone1")
    phone2: str | None = Field(default=None, alias="Phone2")
    fax: str | None = Field(default=None, alias="Fax")
    www: str | None = Field(default=None, alias="WWW")
    email: str | None = Field(default=None, alias="Email")
    visiting_address: str | None = Field(default=None, alias="VisitingAddress")
    visiting_zip_code: str | None = Field(default=None, alias="VisitingZipCode")
    visiting_city: str | None = Field(default=None, alias="VisitingCity")
    visiting_country_code: str | None = Field(default=None, alias="VisitingCountryCode")
    visiting_country: str | None = Field(default=None, alias="VisitingCountry")
    currency: str | None = Field(default=None, alias="Currency")
    price_list: str | None = Field(default=None, alias="PriceList")
    terms_of_payment: str | None = Field(default=None, alias="TermsOfPayment")
    our_reference: str | None = Field(default=None, alias="OurReference")
    your_reference: str | None = Field(default=None, alias="YourReference")
    comments: str | None = Field(default=None, alias="Comments")


# --- articles and prices (§5, §6) ------------------------------------------------------------


class ArticleListItem(FortnoxModel):
    """An article as listed (§5.2): stock figures and ``PurchasePrice`` arrive as strings."""

    article_number: Key = Field(alias="ArticleNumber")
    description: str | None = Field(default=None, alias="Description")
    unit: str | None = Field(default=None, alias="Unit")
    vat: Number = Field(default=None, alias="VAT")
    purchase_price: Number = Field(default=None, alias="PurchasePrice")
    #: Read-only mirror of the pre-selected price list at quantity 0; write via prices.
    sales_price: Number = Field(default=None, alias="SalesPrice")
    quantity_in_stock: Number = Field(default=None, alias="QuantityInStock")
    ean: str | None = Field(default=None, alias="EAN")
    webshop_article: Flag = Field(default=False, alias="WebshopArticle")
    #: Not sent by Fortnox in lists; set from ``filter=active|inactive`` when used.
    active: Flag | None = Field(default=None, alias="Active")


class FortnoxArticle(ArticleListItem):
    """A full article record (§5.3): the list item's fields, as numbers, and more."""

    active: Flag = Field(default=True, alias="Active")
    type: str | None = Field(default=None, alias="Type")
    note: str | None = Field(default=None, alias="Note")
    stock_goods: Flag = Field(default=False, alias="StockGoods")


class PriceRecord(FortnoxModel):
    article_number: Key = Field(alias="ArticleNumber")
    price_list: str = Field(alias="PriceList")
    from_quantity: Number = Field(default=None, alias="FromQuantity")
    price: Number = Field(default=None, alias="Price")
    percent: Number = Field(default=None, alias="Percent")
    date: str | None = Field(default=None, alias="Date")


class PriceList(FortnoxModel):
    code: str = Field(alias="Code")
    description: str | None = Field(default=None, alias="Description")
    comments: str | None = Field(default=None, alias="Comments")
    pre_selected: Flag = Field(default=False, alias="PreSelected")


# --- orders and invoices (§7, §8) ------------------------------------------------------------


class DocumentRow(FortnoxModel):
    """A row of an order or invoice. ``RowId`` changes on every write: never cache it."""

    row_id: int | None = Field(default=None, alias="RowId")
    article_number: OptionalKey = Field(default=None, alias="ArticleNumber")
    description: str | None = Field(default=None, alias="Description")
    ordered_quantity: Number = Field(default=None, alias="OrderedQuantity")
    delivered_quantity: Number = Field(default=None, alias="DeliveredQuantity")
    price: Number = Field(default=None, alias="Price")
    discount: Number = Field(default=None, alias="Discount")
    discount_type: str | None = Field(default=None, alias="DiscountType")
    unit: str | None = Field(default=None, alias="Unit")
    vat: Number = Field(default=None, alias="VAT")
    total: Number = Field(default=None, alias="Total")


class OrderRow(DocumentRow):
    """Order row: ``OrderedQuantity`` is the quantity; ``DeliveredQuantity`` is what is invoiced."""


class InvoiceRow(DocumentRow):
    """Invoice row: the invoiced quantity is ``DeliveredQuantity`` (there is no ordered one)."""


class _DocumentListItem(FortnoxModel):
    document_number: Key = Field(alias="DocumentNumber")
    customer_number: OptionalKey = Field(default=None, alias="CustomerNumber")
    customer_name: str | None = Field(default=None, alias="CustomerName")
    cancelled: Flag = Field(default=False, alias="Cancelled")
    sent: Flag = Field(default=False, alias="Sent")
    currency: str | None = Field(default=None, alias="Currency")
    total: Number = Field(default=None, alias="Total")
    external_invoice_reference1: str | None = Field(default=None, alias="ExternalInvoiceReference1")
    external_invoice_reference2: str | None = Field(default=None, alias="ExternalInvoiceReference2")


class _DocumentHeader(_DocumentListItem):
    our_reference: str | None = Field(default=None, alias="OurReference")
    your_reference: str | None = Field(default=None, alias="YourReference")
    your_order_number: str | None = Field(default=None, alias="YourOrderNumber")
    comments: str | None = Field(default=None, alias="Comments")
    remarks: str | None = Field(default=None, alias="Remarks")
    delivery_date: OptionalDate = Field(default=None, alias="DeliveryDate")
    terms_of_payment: str | None = Field(default=None, alias="TermsOfPayment")
    price_list: str | None = Field(default=None, alias="PriceList")
    vat_included: Flag = Field(default=False, alias="VATIncluded")
    net: Number = Field(default=None, alias="Net")
    total_vat: Number = Field(default=None, alias="TotalVAT")
    offer_reference: Reference = Field(default=None, alias="OfferReference")


class OrderListItem(_DocumentListItem):
    """An order as listed (§7.2): no ``InvoiceReference``; use ``filter=invoicecreated``."""

    order_date: OptionalDate = Field(default=None, alias="OrderDate")
    delivery_date: OptionalDate = Field(default=None, alias="DeliveryDate")
    order_type: str | None = Field(default=None, alias="OrderType")


class FortnoxOrder(_DocumentHeader):
    order_date: OptionalDate = Field(default=None, alias="OrderDate")
    #: Number of the invoice made from this order, ``None`` if none (wire ``"0"``).
    invoice_reference: Reference = Field(default=None, alias="InvoiceReference")
    copy_remarks: Flag = Field(default=False, alias="CopyRemarks")
    rows: list[OrderRow] = Field(default_factory=list, alias="OrderRows")

    @property
    def locked(self) -> bool:
        """Invoiced or cancelled orders reject every write (§7.5)."""
        return self.cancelled or self.invoice_reference is not None


class InvoiceListItem(_DocumentListItem):
    """An invoice as listed (§8.2): no ``OrderReference`` and no rows."""

    booked: Flag = Field(default=False, alias="Booked")
    invoice_date: OptionalDate = Field(default=None, alias="InvoiceDate")
    due_date: OptionalDate = Field(default=None, alias="DueDate")
    final_pay_date: OptionalDate = Field(default=None, alias="FinalPayDate")
    balance: Number = Field(default=None, alias="Balance")
    ocr: str | None = Field(default=None, alias="OCR")
    invoice_type: str | None = Field(default=None, alias="InvoiceType")
    terms_of_payment: str | None = Field(default=None, alias="TermsOfPayment")


class FortnoxInvoice(_DocumentHeader):
    invoice_date: OptionalDate = Field(default=None, alias="InvoiceDate")
    due_date: OptionalDate = Field(default=None, alias="DueDate")
    final_pay_date: OptionalDate = Field(default=None, alias="FinalPayDate")
    booked: Flag = Field(default=False, alias="Booked")
    credit: Flag = Field(default=False, alias="Credit")
    balance: Number = Field(default=None, alias="Balance")
    ocr: str | None = Field(default=None, alias="OCR")
    invoice_type: str | None = Field(default=None, alias="InvoiceType")
    #: Order this invoice was created from (``createinvoice``), else ``None``.
    order_reference: Reference = Field(default=None, alias="OrderReference")
    #: For a credit invoice: the invoice it credits.
    invoice_reference: Reference = Field(default=None, alias="InvoiceReference")
    credit_invoice_reference: Reference = Field(default=None, alias="CreditInvoiceReference")
    voucher_series: str | None = Field(default=None, alias="VoucherSeries")
    voucher_number: OptionalKey = Field(default=None, alias="VoucherNumber")
    voucher_year: OptionalKey = Field(default=None, alias="VoucherYear")
    rows: list[InvoiceRow] = Field(default_factory=list, alias="InvoiceRows")

    @property
    def locked(self) -> bool:
        """Booked or cancelled invoices reject updates (§8.4)."""
        return self.booked or self.cancelled

    @property
    def rows_locked(self) -> bool:
        """Rows of an invoice made from an order cannot be written (§8.4): send headers only."""
        return self.locked or self.order_reference is not None


# --- settings registers (§9) -----------------------------------------------------------------


class TermsOfPayment(FortnoxModel):
    code: Key = Field(alias="Code")
    description: str | None = Field(default=None, alias="Description")


class CurrencyRecord(FortnoxModel):
    code: str = Field(alias="Code")
    description: str | None = Field(default=None, alias="Description")
    buy_rate: Number = Field(default=None, alias="BuyRate")
    sell_rate: Number = Field(default=None, alias="SellRate")
    unit: Number = Field(default=None, alias="Unit")
    date: str | None = Field(default=None, alias="Date")


class CompanyInformation(FortnoxModel):
    company_name: str | None = Field(default=None, alias="CompanyName")
    #: The tenant id (same value as the JWT's ``tenantId`` claim).
    database_number: OptionalKey = Field(default=None, alias="DatabaseNumber")
    organization_number: str | None = Field(default=None, alias="OrganizationNumber")
    address: str | None = Field(default=None, alias="Address")
    zip_code: str | None = Field(default=None, alias="ZipCode")
    city: str | None = Field(default=None, alias="City")
    country_code: str | None = Field(default=None, alias="CountryCode")
