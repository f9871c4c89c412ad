"""``GET /Queries``: the only server-side filter webCRM has.

Unknown query-string filters on list endpoints are silently ignored (reference
§10.16), so equality lookups and change windows go through ``/Queries``. Rows
are flat objects keyed by DTO property names plus extras (``RowNumber``,
internal ``o_…``/``op_…`` columns, ``OpportunityLevel`` on deliveries);
:func:`entity_dto` keeps only the entity's own properties so a row can stand in
for the DTO. ``formatCustomFields=true`` asks the server to render custom
fields as GET does, so values from a row and from a GET compare equal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from wfsync.webcrm.query import Script
from wfsync.webcrm.resources.session import Session

__all__ = ["Queries", "entity_dto"]


def entity_dto(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The properties of ``row`` that belong to the entity (``Organisation…``)."""

    return {key: value for key, value in row.items() if key.startswith(prefix)}


class Queries:
    """Paged execution of :class:`~wfsync.webcrm.query.Script` s."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def rows(
        self, script: Script | str, *, format_custom_fields: bool = True
    ) -> AsyncIterator[dict[str, Any]]:
        """Every row of the script, page by page (one request per page).

        A plain string is accepted for ad-hoc use (``wfsync`` tooling); code that
        interpolates values must build a :class:`Script` so they are quoted.
        """

        params = {"script": str(script)}
        if format_custom_fields:
            params["formatCustomFields"] = "true"
        async for page in self._session.pages("Queries", params):
            for row in page:
                if isinstance(row, dict):
                    yield row

    async def all(
        self, script: Script | str, *, format_custom_fields: bool = True
    ) -> list[dict[str, Any]]:
        return [row async for row in self.rows(script, format_custom_fields=format_custom_fields)]
