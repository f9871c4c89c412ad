"""Header field tables of orders and invoices (reference §7.3, §8.3).

Kept apart from the behaviour in :mod:`documents` because the tables are long
and purely declarative: type, recorded default, read-only flag.
"""

from __future__ import annotations

from decimal import Decimal

from wfsync.simulators.fortnox.schema import Field, Kind

__all__ = ["INVOICE_FIELDS", "ORDER_FIELDS"]

_EMPTY = Field(Kind.TEXT, "", blank="")
_NULL = Field(Kind.TEXT, None, blank=None)
_ZERO = Decimal(0)


def _ro(default: object) -> Field:
    return Field(Kind.TEXT, default, read_only=True)


def _ro_number(default: Decimal | None = _ZERO) -> Field:
    return Field(Kind.NUMBER, default, read_only=True)


def _email(subject: str) -> Field:
    text = Field(Kind.TEXT, None, blank="")
    return Field(
        Kind.OBJECT,
        {
            "EmailAddressFrom": None,
            "EmailAddressTo": "",
            "EmailAddressCC": None,
            "EmailAddressBCC": None,
            "EmailSubject": subject,
            "EmailBody": " ",
        },
        members={
            name: text
            for name in (
                "EmailAddressFrom",
                "EmailAddressTo",
                "EmailAddressCC",
                "EmailAddressBCC",
                "EmailSubject",
                "EmailBody",
            )
        },
    )


_COMMON: dict[str, Field] = {
    "@url": _ro(None),
    "@urlTaxReductionList": _ro(None),
    "DocumentNumber": _EMPTY,
    "CustomerNumber": _EMPTY,
    "CustomerName": _EMPTY,
    "Address1": _EMPTY,
    "Address2": _EMPTY,
    "ZipCode": _EMPTY,
    "City": _EMPTY,
    "Country": _EMPTY,
    "Phone1": _EMPTY,
    "Phone2": _EMPTY,
    "OrganisationNumber": _ro(""),
    "DeliveryName": _EMPTY,
    "DeliveryAddress1": _EMPTY,
    "DeliveryAddress2": _EMPTY,
    "DeliveryZipCode": _EMPTY,
    "DeliveryCity": _EMPTY,
    "DeliveryCountry": _EMPTY,
    "DeliveryDate": Field(Kind.DATE, None),
    "YourReference": _EMPTY,
    "OurReference": _EMPTY,
    "YourOrderNumber": _EMPTY,
    "ExternalInvoiceReference1": _EMPTY,
    "ExternalInvoiceReference2": _EMPTY,
    "Comments": _EMPTY,
    "Remarks": _EMPTY,
    "Currency": _EMPTY,
    "CurrencyRate": Field(Kind.NUMBER, Decimal(1)),
    "CurrencyUnit": Field(Kind.NUMBER, Decimal(1)),
    "PriceList": _EMPTY,
    "TermsOfPayment": _EMPTY,
    "TermsOfDelivery": _EMPTY,
    "WayOfDelivery": _EMPTY,
    "Language": Field(Kind.CHOICE, "SV", choices=("SV", "EN")),
    "VATIncluded": Field(Kind.BOOLEAN, False),
    "NotCompleted": Field(Kind.BOOLEAN, False),
    "Project": _EMPTY,
    "CostCenter": _EMPTY,
    "Freight": Field(Kind.NUMBER, _ZERO),
    "AdministrationFee": Field(Kind.NUMBER, _ZERO),
    "FreightVAT": _ro_number(),
    "AdministrationFeeVAT": _ro_number(),
    "Net": _ro_number(),
    "Gross": _ro_number(),
    "Total": _ro_number(),
    "TotalVAT": _ro_number(),
    "TotalToPay": _ro_number(),
    "RoundOff": _ro_number(),
    "ContributionPercent": _ro_number(),
    "ContributionValue": _ro_number(),
    "Cancelled": Field(Kind.BOOLEAN, False, read_only=True),
    "Sent": Field(Kind.BOOLEAN, False, read_only=True),
    "OfferReference": _ro("0"),
    "DeliveryState": Field(
        Kind.CHOICE, "delivery", choices=("registration", "reservation", "delivery")
    ),
    "WarehouseReady": Field(Kind.BOOLEAN, True, read_only=True),
    "OutboundDate": Field(Kind.DATE, None),
    "HouseWork": Field(Kind.BOOLEAN, False, read_only=True),
    "TaxReductionType": Field(Kind.CHOICE, "none", choices=("none", "rot", "rut", "green")),
    "TaxReduction": _ro_number(None),
    "BasisTaxReduction": _ro_number(),
    "TimeBasisReference": Field(Kind.INTEGER, None),
    "StockPointCode": _NULL,
    "StockPointId": _NULL,
    "Labels": Field(Kind.LABELS, []),
}

ORDER_FIELDS: dict[str, Field] = {
    **_COMMON,
    "OrderDate": Field(Kind.DATE, None),
    "CopyRemarks": Field(Kind.BOOLEAN, False),
    "InvoiceReference": _ro("0"),
    "OrderType": _ro("Order"),
    "PrintTemplate": Field(Kind.TEXT, "oc", blank=""),
    "EmailInformation": _email("Order {no} bifogas"),
    "OrderRows": Field(Kind.CUSTOM, None),
}

INVOICE_FIELDS: dict[str, Field] = {
    **_COMMON,
    "InvoiceDate": Field(Kind.DATE, None),
    "DueDate": Field(Kind.DATE, None),
    "InvoiceType": Field(
        Kind.CHOICE,
        "INVOICE",
        choices=("INVOICE", "AGREEMENTINVOICE", "INTRESTINVOICE", "SUMMARYINVOICE", "CASHINVOICE"),
    ),
    "OCR": _EMPTY,
    "Booked": Field(Kind.BOOLEAN, False, read_only=True),
    "Credit": _ro("false"),
    "CreditInvoiceReference": _ro("0"),
    "OrderReference": _ro("0"),
    "InvoiceReference": _ro("0"),
    "ContractReference": _ro("0"),
    "Balance": _ro_number(),
    "FinalPayDate": Field(Kind.DATE, None),
    "VoucherSeries": _ro(None),
    "VoucherNumber": Field(Kind.INTEGER, None, read_only=True),
    "VoucherYear": Field(Kind.INTEGER, None, read_only=True),
    "AccountingMethod": _ro("ACCRUAL"),
    "EUQuarterlyReport": Field(Kind.BOOLEAN, False),
    "InvoicePeriodStart": _ro(""),
    "InvoicePeriodEnd": _ro(""),
    "LastRemindDate": _ro(None),
    "Reminders": Field(Kind.INTEGER, 0, read_only=True),
    "NoxFinans": Field(Kind.BOOLEAN, False, read_only=True),
    "PaymentWay": _EMPTY,
    "PrintTemplate": Field(Kind.TEXT, "st", blank=""),
    "EDIInformation": Field(
        Kind.OBJECT,
        {
            "EDIGlobalLocationNumber": None,
            "EDIGlobalLocationNumberDelivery": None,
            "EDIInvoiceExtra1": "",
            "EDIInvoiceExtra2": "",
            "EDIOurElectronicReference": "",
            "EDIYourElectronicReference": "",
            "EDIStatus": "",
        },
        members={
            name: Field(Kind.TEXT, None, blank="")
            for name in (
                "EDIGlobalLocationNumber",
                "EDIGlobalLocationNumberDelivery",
                "EDIInvoiceExtra1",
                "EDIInvoiceExtra2",
                "EDIOurElectronicReference",
                "EDIYourElectronicReference",
            )
        },
    ),
    "EmailInformation": _email("Faktura {no} bifogas"),
    "InvoiceRows": Field(Kind.CUSTOM, None),
}
