"""CRUD shared by organisations, persons and deliveries — written to the documented contract.

The rules here come from what webCRM *documents*, not from what one server
happens to do (reference §3.3-3.5):

* create: the id property is sent as ``0``; a POST is never retried after a
  5xx/timeout (it may have created the record). ``POST /Organisations``
  declares no response body, so when the answer holds no integer id the new
  record is found again with ``/Queries`` on a unique field the caller set.
* update: PUT replaces, so we GET the record, overlay the changes and PUT the
  complete object.
* change detection: ``UpdatedAt >= since`` via ``/Queries``, no upper bound
  (the server's clock is not ours), all pages read.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any, Generic, TypeVar

import httpx

from wfsync.http.core import RequestOptions
from wfsync.http.errors import ApiError, NotFoundError, ValidationError
from wfsync.webcrm.errors import SYSTEM
from wfsync.webcrm.models import WebcrmRecord
from wfsync.webcrm.query import Script
from wfsync.webcrm.resources.batch import upsert_chunks
from wfsync.webcrm.resources.queries import Queries, entity_dto
from wfsync.webcrm.resources.session import Session, json_body

__all__ = ["EntityResource", "created_id", "id_from_answer"]

log = logging.getLogger("wfsync.webcrm")

R = TypeVar("R", bound=WebcrmRecord)

CREATE = RequestOptions(idempotent=False)


def id_from_answer(body: Any, id_property: str) -> int | None:
    """The new id in a create answer: a bare integer, a digit string or ``{id_property: n}``."""

    if isinstance(body, bool):
        return None
    if isinstance(body, int):
        return body if body > 0 else None
    if isinstance(body, str) and body.strip().isdigit():
        return int(body.strip()) or None
    if isinstance(body, dict):
        for key in (id_property, "Id", "id"):
            if key in body:
                return id_from_answer(body[key], id_property)
    return None


def created_id(response: httpx.Response, id_property: str) -> int | None:
    """The new id in a create answer, read leniently: the request *succeeded*, so an
    answer we cannot parse (plain text, HTML) means "no id", never an error."""

    try:
        body = json_body(response)
    except ApiError:
        body = response.text.strip()
    return id_from_answer(body, id_property)


#: Ids per ``/Queries … IN (…)`` script.
IN_CHUNK = 100


class EntityResource(Generic[R]):
    """One webCRM entity collection (``/Organisations``, ``/Deliveries``, …)."""

    def __init__(self, session: Session, record: type[R], path: str, table: str) -> None:
        self._session = session
        self._record = record
        self._path = path
        self._table = table
        self._queries = Queries(session)
        #: Whether a ``/Queries`` row holds every property a GET returns (so it can be
        #: written back whole); None until :meth:`get_many` has compared one.
        self.rows_complete: bool | None = None

    @property
    def _id_property(self) -> str:
        return self._record.id_property

    def _wrap(self, dto: Any) -> R:
        if not isinstance(dto, dict):
            raise ApiError(
                f"webCRM returned {type(dto).__name__} where a {self._table} was expected",
                system=SYSTEM,
                body=dto,
            )
        record: R = self._record.from_dto(dto)
        return record

    async def get(self, id: int) -> R:
        """One record (1 request). NotFoundError when it does not exist."""

        body = await self._session.get_json(f"{self._path}/{int(id)}")
        if body is None:
            raise NotFoundError(f"{self._table} {id} not found", system=SYSTEM, status=200)
        return self._wrap(body)

    async def list(self) -> AsyncIterator[R]:
        """Every record, ``page_size`` per request, until a short page."""

        async for page in self._session.pages(self._path):
            for dto in page:
                yield self._wrap(dto)

    async def _select(self, script: Script) -> AsyncIterator[R]:
        async for row in self._queries.rows(script):
            yield self._wrap(entity_dto(row, self._record.prefix))

    async def changed_since(self, since: datetime | None) -> AsyncIterator[R]:
        """Records with ``UpdatedAt >= since`` (``None``: all), via ``/Queries``.

        Open-ended on purpose, and ordered by id (not UpdatedAt) so paging is
        stable while records change. The caller keeps the maximum ``updated_at``
        it saw *over the whole run* as its next cursor — webCRM's ordering is
        not to be trusted.
        """

        script = Script.select(self._table)
        if since is not None:
            script = script.where_ge(f"{self._record.prefix}UpdatedAt", since)
        async for record in self._select(script.order_by(self._id_property)):
            yield record

    async def find(self, field: str, value: str) -> builtins.list[R]:
        """Records whose ``field`` equals ``value`` (webCRM compares text case-insensitively)."""

        script = Script.select(self._table).where_eq(field, value).order_by(self._id_property)
        return [record async for record in self._select(script)]

    async def create(self, dto: dict[str, Any], *, lookup: tuple[str, str] | None = None) -> int:
        """Create a record and return its id (1 request; +1 per query page if looked up).

        ``lookup`` = (field, value) of a unique property set in ``dto`` (the
        Fortnox customer number slot), used when the answer carries no id.
        """

        body = {**dto, self._id_property: 0}
        self._session.guard(body)
        response = await self._session.http.request("POST", self._path, json=body, options=CREATE)
        new_id = created_id(response, self._id_property)
        if new_id is not None:
            return new_id
        return await self._resolve_created(lookup, response)

    async def _resolve_created(
        self, lookup: tuple[str, str] | None, response: httpx.Response
    ) -> int:
        if lookup is None:
            raise ValidationError(
                f"webCRM accepted the new {self._table} but returned no id, and no lookup "
                "field was given to find it (the record may exist now)",
                system=SYSTEM,
                status=response.status_code,
                body=response.text,
            )
        field, value = lookup
        found = await self.find(field, value)
        if not found:
            raise ValidationError(
                f"webCRM accepted the new {self._table} but no record has {field} = {value!r}",
                system=SYSTEM,
                status=response.status_code,
            )
        if len(found) > 1:
            log.warning(
                "%d webCRM %s records have %s = %r; taking the newest id",
                len(found),
                self._table,
                field,
                value,
            )
        return max(record.id for record in found)

    async def get_many(self, ids: Iterable[int]) -> dict[int, R]:
        """Records by id via ``/Queries … WHERE <Id> IN (…)``: one request per 100 ids
        instead of one per record. A missing id is simply absent."""

        wanted = sorted({int(i) for i in ids})
        # The script travels in the URL: 100 ids keep it near 1.5 kB encoded, under
        # the 2 kB query strings servers commonly cap (reference §9.1).
        size = min(self._session.page_size, IN_CHUNK)
        found: dict[int, R] = {}
        for start in range(0, len(wanted), size):
            chunk = wanted[start : start + size]
            script = (
                Script.select(self._table)
                .where_in(self._id_property, chunk)
                .order_by(self._id_property)
            )
            async for record in self._select(script):
                found[record.id] = record
        if found and self.rows_complete is None:
            await self._compare_row(next(iter(found.values())))
        return found

    async def _compare_row(self, row: R) -> None:
        """Once per client: GET the record of one query row and compare their properties.

        A PUT (and the batch PATCH) replaces the whole record, so a record read
        through ``/Queries`` may only be written back if its row lacks nothing a
        GET has; the reference does not promise it (§9.1). One request settles it
        for the session; if a row is short, writes fall back to GET + PUT."""

        full = await self.get(row.id)
        missing = sorted(set(full.dto()) - set(row.dto()))
        self.rows_complete = not missing
        if missing:
            log.warning(
                "webCRM %s query rows lack %s: records read by query are re-read before "
                "they are written",
                self._table,
                ", ".join(missing[:5]),
            )

    async def replace(self, current: R, changes: dict[str, Any]) -> R:
        """PUT ``current`` with ``changes`` overlaid (1 request): for a record already
        read in this cycle, so it is not read a second time. Returns it as written."""

        self._session.guard(changes)
        body = {**current.dto(), **changes, self._id_property: int(current.id)}
        await self._session.http.request("PUT", f"{self._path}/{int(current.id)}", json=body)
        return self._wrap(body)

    async def update(self, id: int, changes: dict[str, Any]) -> R:
        """GET, overlay ``changes``, PUT the full object (2 requests).

        Returns the record as written (the server answers PUT with no body, so
        server-maintained values such as ``UpdatedAt`` are those of the GET).
        """

        self._session.guard(changes)
        current = await self.get(id)
        body = {**current.dto(), **changes, self._id_property: int(id)}
        await self._session.http.request("PUT", f"{self._path}/{int(id)}", json=body)
        return self._wrap(body)

    async def upsert_many(
        self,
        dtos: builtins.list[dict[str, Any]],
        *,
        changes: builtins.list[dict[str, Any]] | None = None,
    ) -> builtins.list[int | ApiError]:
        """Batch upsert with ``PATCH`` (1 request per ``page_size`` records).

        One result per input, in order: the record's id, or the ApiError webCRM
        reported for that item. See :mod:`wfsync.webcrm.resources.batch` for how
        the undocumented answer is read. ``changes``: for updates of records as
        read, the part we write (checked against missing custom fields, as
        :meth:`replace` checks its changes; the rest is what webCRM holds).
        """

        for dto in changes if changes is not None else dtos:
            self._session.guard(dto)
        return await upsert_chunks(self._session, self._path, self._id_property, dtos)
