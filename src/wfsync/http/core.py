"""The request loop both vendor clients share.

One place decides, for every request: wait for the rate limiter, attach the
current credentials, send, and on failure either re-authenticate once (401),
retry with back-off (429, 5xx, transport errors — within a cap), or raise a
typed :mod:`wfsync.http.errors` exception.

A non-idempotent request (a POST that creates something) is never retried
after a 5xx or a timeout: the server may have acted on it, and a blind retry is
how duplicates are born. The caller (the sync engine) owns that case: it records
its intent before creating and looks the record up before trying again. A 429
or a connection that never opened is always safe to retry — nothing was done.
"""

from __future__ import annotations

import functools
import logging
import ssl
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from wfsync.clock import Clock, SystemClock
from wfsync.http.errors import ApiError, RateLimitError, ServerError, TransportError
from wfsync.http.ratelimit import SlidingWindowLimiter
from wfsync.http.retry import RetryPolicy

__all__ = [
    "AuthHook",
    "ErrorMapper",
    "HttpCore",
    "RequestOptions",
    "WaitBudgetExceeded",
    "tls_context",
]


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process, shared by every client.

    Building one loads the CA bundle (~35 ms of CPU); a cluster worker makes
    three clients per tenant cycle, so a fresh context each time was most of the
    CPU of a quiet cycle. Same trust as httpx's default (certifi, SSL_CERT_FILE).
    """
    return httpx.create_ssl_context()


log = logging.getLogger("wfsync.http")

ErrorMapper = Callable[[httpx.Response], ApiError]


class AuthHook(Protocol):
    """What the core needs from a vendor's auth: a header, and a way to renew it."""

    async def authorization(self) -> str:
        """The ``Authorization`` header value to send now (renewing if due)."""
        ...

    async def on_unauthorized(self, rejected: str) -> None:
        """The server rejected ``rejected``: renew (once, serialised) or raise AuthError."""
        ...


class WaitBudgetExceeded(ApiError):
    """The vendor asked for more waiting than one run may spend: end the run cleanly."""

    fatal_for_run = True


@dataclass(frozen=True)
class RequestOptions:
    #: Safe to repeat after a 5xx/timeout (GET, PUT of a full state, DELETE).
    idempotent: bool = True
    #: Send the Authorization header.
    authenticated: bool = True


class HttpCore:
    """Rate-limited, retrying, authenticated requests against one vendor base URL."""

    def __init__(
        self,
        *,
        system: str,
        base_url: str,
        error_mapper: ErrorMapper,
        limiter: SlidingWindowLimiter,
        auth: AuthHook | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        headers: Mapping[str, str] | None = None,
        rate_limit_floor: float = 1.0,
    ) -> None:
        self.system = system
        self.error_mapper = error_mapper
        self.limiter = limiter
        self.auth = auth
        self.retry = retry or RetryPolicy()
        self.clock = clock or SystemClock()
        self.rate_limit_floor = rate_limit_floor
        self.calls: Counter[str] = Counter()
        #: Seconds spent waiting for retries since :meth:`start_run`.
        self.waited = 0.0
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            transport=transport,
            verify=tls_context(),
            timeout=timeout,
            headers={"Accept": "application/json", **(headers or {})},
        )

    @property
    def write_calls(self) -> int:
        """Requests sent that could change data (everything but GET)."""
        return sum(n for method, n in self.calls.items() if method != "GET")

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def start_run(self) -> None:
        """A new run starts with a fresh waiting budget (``RetryPolicy.run_wait_budget``)."""
        self.waited = 0.0

    def _bounded(self, delay: float, error: ApiError) -> float:
        """Cap one wait; refuse one that would overrun the run's waiting budget."""
        asked = delay
        delay = min(delay, self.retry.max_wait)
        if self.waited + delay > self.retry.run_wait_budget:
            raise WaitBudgetExceeded(
                f"{self.system} keeps asking us to wait (last: {asked:g} s after "
                f"{error.message!r}); this run already waited {self.waited:.0f} s of its "
                f"{self.retry.run_wait_budget:g} s budget, so it stops here and the next "
                "cycle continues where it left off",
                system=self.system,
                status=error.status,
            )
        self.waited += delay
        return delay

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        options: RequestOptions = RequestOptions(),
    ) -> httpx.Response:
        method = method.upper()
        url = path.lstrip("/")
        retries = 0
        reauthenticated = False
        while True:
            await self.limiter.acquire()
            sent_headers = dict(headers or {})
            credential = ""
            if self.auth is not None and options.authenticated:
                credential = await self.auth.authorization()
                sent_headers["Authorization"] = credential
            self.calls[method] += 1
            try:
                response = await self._client.request(
                    method, url, params=params, json=json, data=data, headers=sent_headers
                )
            except httpx.ConnectError as exc:  # nothing reached the server: always safe
                error: ApiError = TransportError(
                    f"cannot connect: {exc}", system=self.system, method=method, url=url
                )
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                error = TransportError(
                    f"no answer: {type(exc).__name__} {exc}".strip(),
                    system=self.system,
                    method=method,
                    url=url,
                )
                if not options.idempotent:
                    raise error from exc
            else:
                if response.status_code < 400:
                    return response
                if (
                    response.status_code == 401
                    and self.auth is not None
                    and options.authenticated
                    and not reauthenticated
                ):
                    reauthenticated = True
                    await self.auth.on_unauthorized(credential)
                    continue
                error = self.error_mapper(response)
                error.method, error.url = method, str(response.request.url)
                if isinstance(error, ServerError) and not options.idempotent:
                    raise error
            retries += 1
            if not error.retriable or retries >= self.retry.attempts:
                raise error
            if isinstance(error, RateLimitError):
                delay = (
                    error.retry_after
                    if error.retry_after is not None
                    else self.retry.delay(retries, floor=self.rate_limit_floor)
                )
                delay = self._bounded(delay, error)
                self.limiter.pause(delay)
            else:
                delay = self._bounded(self.retry.delay(retries), error)
            log.warning(
                "%s %s %s failed (%s); retry %d/%d in %.1fs",
                self.system,
                method,
                url,
                error.message,
                retries,
                self.retry.attempts - 1,
                delay,
            )
            await self.clock.sleep(delay)
