"""``/3/pricelists`` (reference §6.2): which price lists exist, which is pre-selected."""

from __future__ import annotations

from wfsync.fortnox.models import PriceList
from wfsync.fortnox.resources._base import RegisterResource

__all__ = ["PriceLists"]


class PriceLists(RegisterResource[PriceList]):
    path = "pricelists"
    root = "PriceList"
    collection = "PriceLists"
    item_model = PriceList
