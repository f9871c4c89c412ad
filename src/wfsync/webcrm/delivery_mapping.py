"""webCRM deliveries and quotation lines ⇄ canonical :class:`~wfsync.domain.Delivery`.

The only module that knows which webCRM property holds which delivery fact
(reference §6–7):

* order date → the built-in ``DeliveryOrderDate``, a date stored as midnight
  UTC (``2024-05-02T00:00:00Z``); read back in UTC so no time zone shifts it;
* order number, delivery date, invoice number, invoice date, booked and the
  document text → the configured :class:`~wfsync.config.CustomFields` slots
  (dates ``YYYY-MM-DD``, booked a checkbox ``"Yes"``/``"No"``);
* completed ⇔ ``DeliveryStatus`` ``"Completed"`` (the API value of "Avslutad");
* a line's article number and unit live in the catalogue slots
  (``QuotationLineData{n}``, :class:`~wfsync.config.CatalogueSlots`), its
  description in ``QuotationLineMemo``; discount and VAT are percentages;
* a delivery made from a Fortnox document carries ``DeliveryErpId``
  ``fortnox-order-12`` / ``fortnox-invoice-7``, the key that finds it again
  after a crash.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

from wfsync.config import CatalogueSlots, CustomFields
from wfsync.domain.models import Delivery, Line
from wfsync.webcrm.models import Delivery as WebcrmDelivery
from wfsync.webcrm.models import QuotationLine

__all__ = [
    "COMPLETED",
    "ERP_ID_FIELD",
    "delivery_fields",
    "delivery_from_webcrm",
    "erp_id",
    "fortnox_document_from_erp_id",
    "line_from_webcrm",
    "quotation_line_fields",
]

COMPLETED = "Completed"
ERP_ID_FIELD = "DeliveryErpId"
_ERP_ID = re.compile(r"^fortnox-(order|invoice)-(\S+)$")
#: Catalogue-slot text meaning "no value" (what the article sync writes into unused slots).
_PLACEHOLDER = "-"
_CUSTOM_TEXT_LIMIT = 50


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    return text or None


def _date(value: str | None) -> date | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _decimal(value: float | None) -> Decimal:
    return Decimal(0) if value is None else Decimal(repr(float(value))).normalize()


def _slot(line: QuotationLine, slot: int) -> str | None:
    text = _text(line.data(slot))
    return None if text == _PLACEHOLDER else text


def line_from_webcrm(line: QuotationLine, slots: CatalogueSlots) -> Line:
    vat = line.vat_percentage
    return Line(
        article_number=_slot(line, slots.article_number),
        description=_text(line.memo),
        quantity=_decimal(line.quantity),
        price=_decimal(line.price),
        discount=_decimal(line.discount),
        unit=_slot(line, slots.unit),
        # webCRM shows an unset VAT as 0.0 (reference §3.1): read it as "not set",
        # so the Fortnox row takes its article's VAT instead of a wrong 0 %.
        vat=None if vat is None or not vat else _decimal(vat),
    )


def delivery_from_webcrm(
    delivery: WebcrmDelivery,
    lines: Iterable[QuotationLine],
    custom: CustomFields,
    slots: CatalogueSlots,
) -> Delivery:
    """The canonical delivery; ``lines`` in webCRM's order (``SortOrder``)."""
    order_date = delivery.order_date
    booked = delivery.field(custom.invoice_booked).strip().casefold()
    return Delivery(
        order_date=order_date.astimezone(UTC).date() if order_date is not None else None,
        delivery_date=_date(delivery.field(custom.delivery_date)),
        text=_text(delivery.field(custom.document_text)),
        order_number=_text(delivery.field(custom.order_number)),
        invoice_number=_text(delivery.field(custom.invoice_number)),
        invoice_date=_date(delivery.field(custom.invoice_date)),
        booked=booked in ("yes", "true", "1", "ja"),
        completed=delivery.status == COMPLETED,
        lines=tuple(line_from_webcrm(line, slots) for line in lines),
    )


def _midnight_utc(value: date) -> str:
    return datetime(value.year, value.month, value.day, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _custom_text(slot: str, value: str | None) -> str:
    text = value or ""
    return text if slot.endswith(("Memo", "Comment", "Note")) else text[:_CUSTOM_TEXT_LIMIT]


def delivery_fields(target: Delivery, names: Iterable[str], custom: CustomFields) -> dict[str, Any]:
    """DeliveryDto properties that make webCRM hold ``target``'s values for ``names``."""
    dto: dict[str, Any] = {}
    for name in names:
        value = getattr(target, name)
        if name == "order_date":
            dto["DeliveryOrderDate"] = _midnight_utc(value) if value is not None else None
        elif name in ("delivery_date", "invoice_date"):
            dto[getattr(custom, name)] = value.isoformat() if value is not None else ""
        elif name == "booked":
            dto[custom.invoice_booked] = "Yes" if value else "No"
        elif name == "text":
            dto[custom.document_text] = _custom_text(custom.document_text, value)
        elif name in ("order_number", "invoice_number"):
            slot = getattr(custom, name)
            dto[slot] = _custom_text(slot, value)
        elif name == "completed":
            if value:
                dto["DeliveryStatus"] = COMPLETED
        elif name != "lines":
            raise ValueError(f"{name!r} is not a canonical delivery field")
    return dto


def _number(value: Decimal | None) -> float:
    return float(value) if value is not None else 0.0


def quotation_line_fields(
    line: Line,
    slots: CatalogueSlots,
    *,
    delivery_id: int,
    organisation_id: int,
    sort_order: int,
) -> dict[str, Any]:
    """The ``QuotationLineUpdateDto`` content (without id) for one canonical line."""
    return {
        "QuotationLineOpportunityId": int(delivery_id),
        "QuotationLineOrganisationId": int(organisation_id),
        f"QuotationLineData{slots.article_number}": line.article_number or "",
        f"QuotationLineData{slots.unit}": line.unit or "",
        "QuotationLineMemo": line.description or "",
        "QuotationLineQuantity": _number(line.quantity),
        "QuotationLinePrice": _number(line.price),
        "QuotationLineDiscount": _number(line.discount),
        "QuotationLineVatPercentage": _number(line.vat),
        "QuotationLineSortOrder": int(sort_order),
    }


def erp_id(kind: Literal["order", "invoice"], number: str) -> str:
    """``DeliveryErpId`` of a delivery linked to Fortnox document ``number``."""
    return f"fortnox-{kind}-{number}"


def fortnox_document_from_erp_id(value: str | None) -> tuple[str, str] | None:
    """``("order", "12")`` for ``fortnox-order-12``; None for anything else."""
    found = _ERP_ID.match((value or "").strip())
    return (found.group(1), found.group(2)) if found else None
