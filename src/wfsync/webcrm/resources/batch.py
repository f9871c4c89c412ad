"""``PATCH /<Entity>`` batch upsert and its undocumented answer.

The spec says PATCH takes an array of DTOs, "updates or inserts" each, and
answers with an array of strings carrying "the assigned ids for inserted items
and error messages for items that failed" (reference §3.5). Nothing says
whether the array is aligned with the input. What we assume, in order:

1. **Aligned** (same length as the chunk): element *i* belongs to item *i*.
   A decimal string is the record's id; ``""``/``null`` is success for an
   update (the id we sent) — for an insert it is an error (no id came back);
   any other text is webCRM's error message for that item.
2. **Not aligned, no error texts, and exactly one number per insert**: the
   numbers are the inserts' ids in order; updates keep their own ids.
3. **Anything else** is ambiguous: every item of the chunk gets an ApiError
   carrying the raw answer. The caller must re-read before trusting them.

A chunk that fails as a whole with a 4xx (validation/not found) gives each of
its items that error and the next chunk is still sent; auth, permission and
server errors propagate. A chunk containing inserts is not retried after a
5xx or timeout (it may have created records).
"""

from __future__ import annotations

from typing import Any

from wfsync.http.core import RequestOptions
from wfsync.http.errors import ApiError, NotFoundError, ValidationError
from wfsync.webcrm.errors import SYSTEM
from wfsync.webcrm.models import as_int
from wfsync.webcrm.resources.session import Session, json_list

__all__ = ["read_batch_answer", "upsert_chunks"]


def _number(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def read_batch_answer(
    chunk: list[dict[str, Any]], answer: list[Any], id_property: str
) -> list[int | ApiError]:
    """One id or error per item of ``chunk`` from PATCH's ``string[]`` answer."""

    own_ids = [as_int(dto.get(id_property)) for dto in chunk]
    if len(answer) == len(chunk):
        return [_aligned(own, element) for own, element in zip(own_ids, answer, strict=True)]
    numbers = [_number(element) for element in answer]
    texts = [e for e, n in zip(answer, numbers, strict=True) if n is None and e not in (None, "")]
    new_ids = [n for n in numbers if n is not None and n not in own_ids]
    inserts = sum(1 for own in own_ids if own == 0)
    if not texts and len(new_ids) == inserts:
        fresh = iter(new_ids)
        return [own if own else next(fresh) for own in own_ids]
    ambiguous = ValidationError(
        f"webCRM's PATCH answer has {len(answer)} elements for {len(chunk)} items; "
        "cannot tell which item each belongs to — re-read the records",
        system=SYSTEM,
        body=answer,
    )
    return [ambiguous for _ in chunk]


def _aligned(own_id: int, element: Any) -> int | ApiError:
    number = _number(element)
    if number is not None and number > 0:
        return number
    if element in (None, "") and own_id:
        return own_id
    message = str(element).strip() if element not in (None, "") else "no id returned"
    return ValidationError(message, system=SYSTEM, body=element)


async def upsert_chunks(
    session: Session, path: str, id_property: str, dtos: list[dict[str, Any]]
) -> list[int | ApiError]:
    results: list[int | ApiError] = []
    size = session.page_size
    for start in range(0, len(dtos), size):
        chunk = [
            {**dto, id_property: as_int(dto.get(id_property))} for dto in dtos[start : start + size]
        ]
        inserts = any(as_int(dto[id_property]) == 0 for dto in chunk)
        try:
            response = await session.http.request(
                "PATCH", path, json=chunk, options=RequestOptions(idempotent=not inserts)
            )
        except (ValidationError, NotFoundError) as exc:
            results.extend(exc for _ in chunk)
            continue
        try:
            answer = json_list(response)
        except ApiError as exc:  # not a JSON array: we cannot tell what happened
            answer = [exc.message]
        results.extend(read_batch_answer(chunk, answer, id_property))
    return results
