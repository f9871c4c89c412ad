"""``/3/prices`` (reference §6.3): the only way to set an article's list price.

An article's ``SalesPrice`` is read-only; it mirrors the pre-selected price
list at ``FromQuantity`` 0. Prices are keyed by (price list, article,
from-quantity) and written with an upsert: GET, then POST on 404 or PUT when
the price differs. An unchanged price costs one GET and no write.
"""

from __future__ import annotations

from decimal import Decimal

from wfsync.fortnox.models import PriceRecord
from wfsync.fortnox.resources._base import Resource, parse, segment
from wfsync.http.errors import NotFoundError

__all__ = ["Prices"]


class Prices(Resource):
    def _path(self, article_number: str, price_list: str, from_quantity: int | Decimal) -> str:
        return f"prices/{segment(price_list)}/{segment(article_number)}/{segment(from_quantity)}"

    async def get_record(
        self, article_number: str, *, price_list: str = "A", from_quantity: int | Decimal = 0
    ) -> PriceRecord | None:
        """The full price record, or ``None`` when the article has no such price."""
        try:
            payload = await self._call("GET", self._path(article_number, price_list, from_quantity))
        except NotFoundError:
            return None
        return parse(PriceRecord, self._unwrap(payload, "Price"))

    async def get(
        self, article_number: str, *, price_list: str = "A", from_quantity: int | Decimal = 0
    ) -> Decimal | None:
        """The price, or ``None`` (404: no price in that list at that quantity)."""
        record = await self.get_record(
            article_number, price_list=price_list, from_quantity=from_quantity
        )
        return record.price if record is not None else None

    async def set(
        self,
        article_number: str,
        price: Decimal,
        *,
        price_list: str = "A",
        from_quantity: int | Decimal = 0,
    ) -> None:
        """Create or update the price; no write when it already has this value."""
        current = await self.get_record(
            article_number, price_list=price_list, from_quantity=from_quantity
        )
        if current is None:
            body = {
                "Price": {
                    "ArticleNumber": article_number,
                    "PriceList": price_list,
                    "FromQuantity": Decimal(from_quantity),
                    "Price": price,
                }
            }
            await self._call("POST", "prices", body=body, idempotent=False)
        elif current.price is None or current.price != price:
            await self._call(
                "PUT",
                self._path(article_number, price_list, from_quantity),
                body={"Price": {"Price": price}},
            )
