"""What every Fortnox resource shares: envelopes, paging, keys in paths, JSON values.

Fortnox wraps a record in its singular type name (``{"Customer": {...}}``) and a
list in the plural plus ``MetaInformation`` (§1, §3.3). Lists page with
``page``/``limit``; we always ask for the maximum of 500 so a full scan of
1 100 customers is three calls, and read pages lazily so a consumer that stops
early costs nothing more.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from pydantic import BaseModel
from pydantic import ValidationError as ShapeError

from wfsync.fortnox.models import MetaInformation
from wfsync.fortnox.stockholm import to_lastmodified
from wfsync.http.core import HttpCore, RequestOptions
from wfsync.http.errors import MalformedResponseError

__all__ = [
    "PAGE_SIZE",
    "DocumentResource",
    "Listing",
    "RecordResource",
    "RegisterResource",
    "Resource",
    "jsonable",
    "segment",
]

#: Fortnox's maximum page size (§3.3); never send more.
PAGE_SIZE = 500

T = TypeVar("T")
ItemT = TypeVar("ItemT", bound=BaseModel)
RecordT = TypeVar("RecordT", bound=BaseModel)

_CREATE = RequestOptions(idempotent=False)
#: Query parameters that combine with a resource-specific search or filter (§3.4).
_GLOBAL_PARAMETERS = frozenset(
    {"sortby", "sortorder", "financialyear", "financialyeardate", "fromdate", "todate"}
)


def segment(key: str | int | Decimal) -> str:
    """A key as one URL path segment (``förp`` → ``f%C3%B6rp``, ``A/1`` stays one segment)."""
    if isinstance(key, Decimal) and key == key.to_integral_value():
        key = int(key)
    return quote(str(key), safe="")


def jsonable(value: Any) -> Any:
    """Body values as JSON: Decimals as numbers, dates as ``YYYY-MM-DD``."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return value


class Listing(AsyncIterator[T]):
    """A lazily paged list: ``async for item in listing`` or ``items = await listing``."""

    def __init__(self, source: AsyncIterator[T]) -> None:
        self._source = source

    def __aiter__(self) -> Listing[T]:
        return self

    async def __anext__(self) -> T:
        return await self._source.__anext__()

    async def _collect(self) -> list[T]:
        return [item async for item in self._source]

    def __await__(self) -> Generator[Any, None, list[T]]:
        return self._collect().__await__()


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], raw: Any) -> M:
    """Validate a vendor object; a wrong shape is the vendor's error, said in one line."""
    try:
        return model.model_validate(raw)
    except ShapeError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(the object)"
        number = (
            raw.get("CustomerNumber") or raw.get("DocumentNumber") or raw.get("ArticleNumber")
            if isinstance(raw, dict)
            else None
        )
        which = f" {number}" if number else ""
        raise MalformedResponseError(
            f"Fortnox sent a {model.__name__}{which} that does not match its documented "
            f"shape: {where}: {first['msg']} (got {first.get('input')!r})",
            system="fortnox",
        ) from None


class Resource:
    """Holds the shared request loop and the JSON helpers."""

    def __init__(self, http: HttpCore) -> None:
        self._http = http

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        idempotent: bool = True,
    ) -> dict[str, Any]:
        response = await self._http.request(
            method,
            path,
            params=params,
            json=jsonable(body) if body is not None else None,
            options=RequestOptions() if idempotent else _CREATE,
        )
        if not response.content:
            return {}
        try:
            payload = response.json()
        except ValueError:
            start = response.text[:60].strip().replace("\n", " ")
            raise MalformedResponseError(
                f"the answer is not JSON (it starts {start!r})",
                system="fortnox",
                status=response.status_code,
                method=method,
                url=str(response.request.url),
            ) from None
        if not isinstance(payload, dict):
            raise MalformedResponseError(
                f"expected a JSON object, got {type(payload).__name__}",
                system="fortnox",
                status=response.status_code,
                method=method,
                url=str(response.request.url),
            )
        return payload

    @staticmethod
    def _unwrap(payload: Mapping[str, Any], *roots: str) -> dict[str, Any]:
        for root in roots:
            inner = payload.get(root)
            if isinstance(inner, dict):
                return inner
        raise MalformedResponseError(
            f"response has no {' or '.join(roots)} object (keys: {sorted(payload)})",
            system="fortnox",
        )

    async def _pages(
        self, path: str, collection: str, params: Mapping[str, Any]
    ) -> AsyncIterator[dict[str, Any]]:
        page = 1
        while True:
            payload = await self._call(
                "GET", path, params={**params, "page": page, "limit": PAGE_SIZE}
            )
            items = payload.get(collection) or []
            for item in items:
                yield item
            meta = parse(MetaInformation, payload.get("MetaInformation") or {})
            # Empty lists report @TotalPages 0 (§3.3): stop on either signal.
            if not items or meta.current_page >= meta.total_pages:
                return
            page += 1


def _query(
    lastmodified: datetime | None, filter: str | None, search: Mapping[str, Any]
) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in search.items():
        if value is None:
            continue
        params[name.lower()] = str(value).lower() if isinstance(value, bool) else str(value)
    if filter is not None:
        params["filter"] = filter
    specific = sorted(name for name in params if name not in _GLOBAL_PARAMETERS)
    if len(specific) > 1:
        # One resource-specific search or filter per request (§3.4); more give 2000588.
        raise ValueError(f"Fortnox lists take one search or filter at a time, got {specific}")
    if lastmodified is not None:
        params["lastmodified"] = to_lastmodified(lastmodified)
    return params


class RecordResource(Resource, Generic[ItemT, RecordT]):
    """List/get/create/update for a resource keyed by a number in the path."""

    path: str
    root: str
    collection: str
    item_model: type[ItemT]
    record_model: type[RecordT]

    def list(
        self, *, lastmodified: datetime | None = None, filter: str | None = None, **search: Any
    ) -> Listing[ItemT]:
        """All records (list subset) changed since ``lastmodified`` (aware UTC), lazily.

        ``filter`` and one search parameter (``name="Acme"``, Fortnox's
        case-insensitive substring match) may be combined with ``lastmodified``.
        """
        params = _query(lastmodified, filter, search)
        return Listing(self._items(params, filter))

    async def _items(self, params: dict[str, str], filter: str | None) -> AsyncIterator[ItemT]:
        stamp_active = filter in ("active", "inactive") and "active" in self.item_model.model_fields
        async for raw in self._pages(self.path, self.collection, params):
            if stamp_active:
                raw = {**raw, "Active": filter == "active"}
            yield parse(self.item_model, raw)

    async def get(self, number: str) -> RecordT:
        payload = await self._call("GET", f"{self.path}/{segment(number)}")
        return parse(self.record_model, self._unwrap(payload, self.root))

    async def create(self, fields: Mapping[str, Any]) -> RecordT:
        """POST a new record. Never retried after a 5xx/timeout (it may exist now)."""
        payload = await self._call("POST", self.path, body={self.root: fields}, idempotent=False)
        return parse(self.record_model, self._unwrap(payload, self.root))

    async def update(self, number: str, fields: Mapping[str, Any]) -> RecordT:
        """Partial update: only ``fields`` change; send ``"API_BLANK"`` to clear one."""
        payload = await self._call(
            "PUT", f"{self.path}/{segment(number)}", body={self.root: fields}
        )
        return parse(self.record_model, self._unwrap(payload, self.root))


class DocumentResource(RecordResource[ItemT, RecordT]):
    """Orders and invoices: records plus body-less ``PUT …/{action}`` state changes."""

    async def _action(self, number: str, action: str, *, idempotent: bool) -> dict[str, Any]:
        return await self._call(
            "PUT", f"{self.path}/{segment(number)}/{action}", idempotent=idempotent
        )

    async def _record_action(self, number: str, action: str, *, idempotent: bool) -> RecordT:
        payload = await self._action(number, action, idempotent=idempotent)
        return parse(self.record_model, self._unwrap(payload, self.root))


class RegisterResource(Resource, Generic[ItemT]):
    """A small settings register keyed by ``Code`` (price lists, terms, currencies)."""

    path: str
    root: str
    collection: str
    item_model: type[ItemT]

    def list(self) -> Listing[ItemT]:
        """Every entry (``await`` it for a list, or ``async for``)."""
        return Listing(self._entries())

    async def _entries(self) -> AsyncIterator[ItemT]:
        async for raw in self._pages(self.path, self.collection, {}):
            yield parse(self.item_model, raw)

    async def get(self, code: str) -> ItemT:
        payload = await self._call("GET", f"{self.path}/{segment(code)}")
        return parse(self.item_model, self._unwrap(payload, self.root))
