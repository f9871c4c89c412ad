"""``/3/companyinformation`` (reference §9.3): who the connected tenant is.

``wfsync check`` and ``connect`` use it to show the company name and to learn
the tenant id (``DatabaseNumber``) for the client-credentials flow.
"""

from __future__ import annotations

from wfsync.fortnox.models import CompanyInformation
from wfsync.fortnox.resources._base import Resource, parse

__all__ = ["Company"]


class Company(Resource):
    async def get(self) -> CompanyInformation:
        payload = await self._call("GET", "companyinformation")
        return parse(CompanyInformation, self._unwrap(payload, "CompanyInformation"))
