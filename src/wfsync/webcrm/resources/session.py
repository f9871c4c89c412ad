"""What every resource shares: the HTTP core, the page size, the write guard — and paging.

webCRM lists are bare JSON arrays with no total and no next link (reference
§3.2). The only way to know a list has ended is a page shorter than the
``Size`` we asked for, so ``Size`` is always sent (the server's default is
undocumented and may be 10).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from wfsync.http.core import HttpCore
from wfsync.http.errors import ApiError
from wfsync.webcrm.errors import SYSTEM

__all__ = ["MAX_PAGES", "Session", "json_body", "json_list"]

#: webCRM's declared maximum for ``Page``.
MAX_PAGES = 1_000_000

WriteGuard = Callable[[Mapping[str, Any]], None]


def json_body(response: httpx.Response) -> Any:
    """The parsed body, ``None`` for an empty one (PUT/DELETE/204 answers)."""

    if not response.content or not response.content.strip():
        return None
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError(
            f"webCRM answered with non-JSON: {response.text[:200]!r}",
            system=SYSTEM,
            status=response.status_code,
            body=response.text,
            method=response.request.method,
            url=str(response.request.url),
        ) from None


def json_list(response: httpx.Response) -> list[Any]:
    """The body of a list endpoint, which must be a bare JSON array."""

    body = json_body(response)
    if body is None:
        return []
    if not isinstance(body, list):
        raise ApiError(
            f"webCRM list answer is not a JSON array: {type(body).__name__}",
            system=SYSTEM,
            status=response.status_code,
            body=body,
            method=response.request.method,
            url=str(response.request.url),
        )
    return body


@dataclass
class Session:
    """The shared plumbing handed to each resource namespace."""

    http: HttpCore
    page_size: int
    #: Raises MissingCustomFieldError for a write to a slot the tenant lacks.
    guard: WriteGuard

    async def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return json_body(await self.http.request("GET", path, params=params))

    async def pages(
        self, path: str, params: Mapping[str, Any] | None = None
    ) -> AsyncIterator[list[Any]]:
        """Page 1, 2, … of a list endpoint until a short (or empty) page.

        Stops with an error if the server returns the same non-empty page twice
        (it ignored ``Page``), instead of looping for ever.
        """

        previous: list[Any] | None = None
        for page in range(1, MAX_PAGES + 1):
            query = {**(params or {}), "Page": page, "Size": self.page_size}
            response = await self.http.request("GET", path, params=query)
            items = json_list(response)
            if items and items == previous:
                raise ApiError(
                    f"webCRM returned page {page - 1} again for page {page} of {path}",
                    system=SYSTEM,
                    status=response.status_code,
                    method="GET",
                    url=str(response.request.url),
                )
            if items:
                yield items
            if len(items) < self.page_size:
                return
            previous = items
