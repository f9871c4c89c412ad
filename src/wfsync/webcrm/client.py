"""The webCRM API client: resource namespaces over the shared HTTP core.

::

    async with WebcrmClient(settings.webcrm, clock=clock) as webcrm:
        async for org in webcrm.organisations.changed_since(cursor):
            ...

Every request goes through one :class:`~wfsync.http.core.HttpCore`: a client-side
sliding-window limiter at ``settings.rate_limit`` per minute (so a burst never
meets a 429), the ApiLogin bearer (renewed before expiry and once on a 401),
capped jittered retries of 429/5xx/transport errors, and webCRM's error bodies
mapped into :mod:`wfsync.http.errors`. Tests mount the simulator with
``transport=httpx.ASGITransport(app=simulator.app)``.
"""

from __future__ import annotations

from types import TracebackType

import httpx

from wfsync.clock import Clock, SystemClock
from wfsync.config import WebcrmSettings
from wfsync.http.core import HttpCore
from wfsync.http.ratelimit import SlidingWindowLimiter, WindowStore
from wfsync.http.retry import RetryPolicy
from wfsync.webcrm.auth import ApiLoginAuth
from wfsync.webcrm.custom_fields import CustomFieldRegistry
from wfsync.webcrm.errors import SYSTEM, map_error
from wfsync.webcrm.models import FieldMetadata
from wfsync.webcrm.resources import (
    Catalogue,
    Deliveries,
    FieldsMetadata,
    Hooks,
    Organisations,
    Persons,
    Queries,
    QuotationLines,
    Session,
)

__all__ = ["RATE_WINDOW", "WebcrmClient", "WebcrmHttp"]

#: webCRM counts 250 requests per sliding 60 s; we pace over 61 s so that
#: network jitter (a later request arriving sooner) cannot push the server's
#: count over the limit at the window's edge.
RATE_WINDOW = 61.0


class WebcrmHttp(HttpCore):
    """The shared core, counting ``ApiLogin`` as a call but not as a write.

    A login changes no data; "zero writes on a quiet cycle" must still hold in
    the cycle where the hourly token renewal happens.
    """

    login_auth: ApiLoginAuth

    @property
    def write_calls(self) -> int:
        return super().write_calls - self.login_auth.login_requests


class WebcrmClient:
    """Async webCRM REST client (use as ``async with``; or call :meth:`aclose`)."""

    def __init__(
        self,
        settings: WebcrmSettings,
        *,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        window: WindowStore | None = None,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.auth = ApiLoginAuth(settings.auth_code, self.clock)
        self.http = WebcrmHttp(
            system=SYSTEM,
            base_url=settings.base_url,
            error_mapper=map_error,
            limiter=SlidingWindowLimiter(
                settings.rate_limit, RATE_WINDOW, self.clock, store=window
            ),
            auth=self.auth,
            retry=retry,
            clock=self.clock,
            transport=transport,
        )
        self.http.login_auth = self.auth
        self.auth.attach(self.http)
        #: Slots known from /FieldsMetadata; guards writes once loaded.
        self.custom_fields = CustomFieldRegistry()
        session = Session(self.http, settings.page_size, self.custom_fields.guard)
        self.organisations = Organisations(session)
        self.persons = Persons(session)
        self.deliveries = Deliveries(session)
        self.quotation_lines = QuotationLines(session)
        self.catalogue = Catalogue(session)
        self.queries = Queries(session)
        self.hooks = Hooks(session)
        self._fields_metadata = FieldsMetadata(session)

    async def fields_metadata(self, entity: str) -> list[FieldMetadata]:
        """``/FieldsMetadata/{entity}`` (1 request)."""

        return await self._fields_metadata(entity)

    async def organisation_types(self) -> list[str]:
        """Options of the organisation Type dropdown, placeholder first (1 request).

        Read from ``/FieldsMetadata/Organisation``; ``[]`` when the tenant's
        metadata does not describe the built-in Type list (not guaranteed by
        the docs) — callers then fall back to ``[sync] customer_types``.
        """

        for item in await self.fields_metadata("Organisation"):
            names = {item.friendly_name.lower(), item.db_field_name.lower()}
            if names & {"organisationtype", "type", "o_type"}:
                return item.options
        return []

    async def check_connection(self) -> None:
        """Prove the base URL and auth code work (``wfsync connect/check``): log in and
        read one organisation (2 requests). Raises AuthError, TransportError, …"""

        await self.http.request("GET", "Organisations", params={"Page": 1, "Size": 1})

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> WebcrmClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
