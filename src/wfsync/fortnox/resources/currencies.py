"""``/3/currencies`` (reference §9.2): codes a customer's ``Currency`` may take."""

from __future__ import annotations

from wfsync.fortnox.models import CurrencyRecord
from wfsync.fortnox.resources._base import RegisterResource

__all__ = ["Currencies"]


class Currencies(RegisterResource[CurrencyRecord]):
    path = "currencies"
    root = "Currency"
    collection = "Currencies"
    item_model = CurrencyRecord
