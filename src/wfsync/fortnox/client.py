"""The Fortnox API client: resource namespaces over the shared request loop.

``FortnoxClient`` wires Fortnox's specifics into :class:`wfsync.http.HttpCore`:
OAuth2 bearer tokens with safe rotation (:mod:`wfsync.fortnox.auth`), the
25-requests-per-5-seconds budget paced client-side, a 5-second floor on
back-off after a 429 (Fortnox sends no ``Retry-After``), and Fortnox error
bodies mapped to the shared exception tree (:mod:`wfsync.fortnox.errors`).

    async with FortnoxClient(settings.fortnox, store) as fortnox:
        async for item in fortnox.customers.list(lastmodified=cursor):
            customer = await fortnox.customers.get(item.customer_number)
"""

from __future__ import annotations

from types import TracebackType

import httpx

from wfsync.clock import Clock, SystemClock
from wfsync.config import FortnoxSettings
from wfsync.fortnox.auth import FortnoxAuth
from wfsync.fortnox.errors import map_error
from wfsync.fortnox.resources import (
    Articles,
    Company,
    Currencies,
    Customers,
    Invoices,
    Orders,
    PriceLists,
    Prices,
    TermsOfPayments,
)
from wfsync.fortnox.tokens import TokenStore
from wfsync.http.core import HttpCore, tls_context
from wfsync.http.ratelimit import SlidingWindowLimiter, WindowStore
from wfsync.http.retry import RetryPolicy

__all__ = ["API_BLANK", "PACING_WINDOW_SECONDS", "RATE_WINDOW_SECONDS", "FortnoxClient"]

#: Send this value in a PUT to clear a field; ``""`` and ``null`` leave it unchanged (§12).
API_BLANK = "API_BLANK"
#: Fortnox's sliding rate-limit window (§3.6).
RATE_WINDOW_SECONDS = 5.0
#: The window we pace over: Fortnox's plus a margin. A request reaches the server
#: a variable time after we send it; when an early send travels slowly and a later
#: one quickly, the server sees them closer together than we sent them. Pacing 25
#: sends over 5.25 s tolerates 250 ms of such jitter at the edge of every window
#: (a smaller count over 5.0 s would not: two bursts 5.0 s apart still touch),
#: and costs 5 % of the rate (docs/fortnox.md "Rate limit").
PACING_WINDOW_SECONDS = RATE_WINDOW_SECONDS + 0.25
#: Minimum wait after a 429: the window must drain.
RATE_LIMIT_BACKOFF_SECONDS = 5.0


class FortnoxClient:
    """One tenant's Fortnox API.

    ``transport`` (e.g. ``httpx.ASGITransport(app=simulator.app)``) serves both
    the API base URL and the token URL. ``http`` exposes the request loop, whose
    ``calls`` counter tests and benchmarks read.
    """

    def __init__(
        self,
        settings: FortnoxSettings,
        token_store: TokenStore,
        *,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        window: WindowStore | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self._token_http = httpx.AsyncClient(
            transport=transport,
            timeout=30.0,
            headers={"Accept": "application/json"},
            verify=tls_context(),
        )
        self.auth = FortnoxAuth(settings, token_store, http=self._token_http, clock=self.clock)
        self.limiter = SlidingWindowLimiter(
            settings.rate_limit, PACING_WINDOW_SECONDS, self.clock, store=window
        )
        self.http = HttpCore(
            system="fortnox",
            base_url=settings.base_url,
            error_mapper=map_error,
            limiter=self.limiter,
            auth=self.auth,
            retry=retry,
            clock=self.clock,
            transport=transport,
            rate_limit_floor=RATE_LIMIT_BACKOFF_SECONDS,
        )
        self.customers = Customers(self.http)
        self.articles = Articles(self.http)
        self.prices = Prices(self.http)
        self.price_lists = PriceLists(self.http)
        self.orders = Orders(self.http)
        self.invoices = Invoices(self.http)
        self.terms_of_payments = TermsOfPayments(self.http)
        self.currencies = Currencies(self.http)
        self.company = Company(self.http)

    async def aclose(self) -> None:
        await self.http.aclose()
        await self._token_http.aclose()

    async def __aenter__(self) -> FortnoxClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
