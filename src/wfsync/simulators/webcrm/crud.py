"""The endpoints every webCRM entity shares: list, get, create, replace, batch upsert.

Contract (reference §3.3–3.5, §11):

* ``GET /X`` — bare JSON array in creation order, ``Page``/``Size`` validated.
* ``GET /X/{id}`` — the DTO, 404 when missing.
* ``POST /X`` — the id property must be present and ``0`` (400 otherwise); the
  new id comes back as a bare JSON integer, organisations included.
* ``PUT /X/{id}`` — the body replaces the record; its id property must be present
  and equal the path id; 200 with an empty body.
* ``PATCH /X`` — a JSON array; one string per item, in order: the id as a
  decimal string, or the error message for that item.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from wfsync.simulators.webcrm.errors import ApiProblem, BadRequest
from wfsync.simulators.webcrm.routing import Call, Router, empty, json_response, page_of, paginate
from wfsync.simulators.webcrm.store import Collection, Record

__all__ = ["CrudEndpoints", "listing"]


def listing(call: Call, collection: Collection, records: list[Record]) -> Response:
    """One page of ``records`` rendered as DTOs."""
    page = page_of(call)
    return json_response([collection.render(record) for record in paginate(records, page)])


class CrudEndpoints:
    """Registers the shared endpoints of one entity under ``base`` (e.g. ``/Organisations``)."""

    def __init__(
        self,
        collection: Collection,
        base: str,
        *,
        after_write: Callable[[int, str], None] | None = None,
        silent_create: Callable[[], bool] | None = None,
    ) -> None:
        self.collection = collection
        self.base = base
        self._after_write = after_write
        #: When it returns True, POST answers 200 with an empty body instead of the id.
        self._silent_create = silent_create

    @property
    def id_field(self) -> str:
        return self.collection.entity.id_field

    def register(self, router: Router, *, with_delete: bool = False) -> None:
        router.get(self.base, self.list)
        router.get(f"{self.base}/{{id:int}}", self.read)
        router.post(self.base, self.create)
        router.put(f"{self.base}/{{id:int}}", self.replace)
        router.patch(self.base, self.upsert)
        if with_delete:
            router.delete(f"{self.base}/{{id:int}}", self.delete)

    async def list(self, call: Call) -> Response:
        return listing(call, self.collection, self.collection.rows())

    async def read(self, call: Call) -> Response:
        record = self.collection.get(call.int_param("id"))
        return json_response(self.collection.render(record))

    async def create(self, call: Call) -> Response:
        body = await call.json_object()
        new_id = self._create(body, call.actor)
        if self._silent_create is not None and self._silent_create():
            return empty()
        return json_response(new_id)

    async def replace(self, call: Call) -> Response:
        body = await call.json_object()
        self._replace(call.int_param("id"), body, call.actor)
        return empty()

    async def delete(self, call: Call) -> Response:
        record_id = call.int_param("id")
        self.collection.delete(record_id)
        self._written(record_id, call.actor)
        return empty()

    async def upsert(self, call: Call) -> Response:
        items = await call.json_array()
        results: list[str] = []
        for item in items:
            try:
                results.append(str(self._upsert_one(item, call.actor)))
            except ApiProblem as error:
                results.append(error.message)
        return json_response(results)

    def _upsert_one(self, item: Any, actor: str) -> int:
        if not isinstance(item, dict):
            raise BadRequest("Each item must be a JSON object.")
        record_id = self._body_id(item)
        if record_id == 0:
            return self._create(item, actor)
        self._replace(record_id, item, actor)
        return record_id

    def _create(self, body: dict[str, Any], actor: str) -> int:
        if self._body_id(body) != 0:
            raise BadRequest(f"{self.id_field} must be 0 when creating.")
        record_id = self.collection.create(body, actor)
        self._written(record_id, actor)
        return record_id

    def _replace(self, record_id: int, body: dict[str, Any], actor: str) -> None:
        self.collection.get(record_id)
        if self._body_id(body) != record_id:
            raise BadRequest(f"{self.id_field} in the body must equal the id in the path.")
        self.collection.replace(record_id, body, actor)
        self._written(record_id, actor)

    def _body_id(self, body: dict[str, Any]) -> int:
        value = next(
            (v for key, v in body.items() if key.casefold() == self.id_field.casefold()),
            None,
        )
        if value is None:
            raise BadRequest(f"The {self.id_field} field is required.")
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadRequest(f"{self.id_field} must be an integer.")
        return value

    def _written(self, record_id: int, actor: str) -> None:
        if self._after_write is not None:
            self._after_write(record_id, actor)
