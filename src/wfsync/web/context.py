"""What every console route needs: the store, settings, clock, sessions and helpers.

One :class:`Console` per app (built by :func:`wfsync.web.create_app`), handed to
the route modules (:mod:`~wfsync.web.login`, :mod:`~wfsync.web.pages`,
:mod:`~wfsync.web.actions`), so they share one state store connection pool and
one place that renders a page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.requests import Request

from wfsync.clock import Clock
from wfsync.config import Settings
from wfsync.runtime.alerts import active_alerts
from wfsync.state import InstanceLock, StateStore
from wfsync.state.lease import describe_holder, writer_lease
from wfsync.state.records import StateError
from wfsync.sync.engine import SyncEngine
from wfsync.web.auth import PASSWORD_KEY, LoginThrottle, Session, Sessions

__all__ = ["ACTION_WAIT", "KINDS", "TEMPLATES", "Console", "EngineFactory"]

HERE: Final = Path(__file__).parent
TEMPLATES: Final = Jinja2Templates(directory=str(HERE / "templates"))
KINDS: Final = ("customer", "article", "delivery")
#: A button waits at most this long for a running cycle to let go of the writer lease.
ACTION_WAIT: Final = 10.0
EngineFactory = Callable[[], AbstractAsyncContextManager[SyncEngine]]


@dataclass
class Console:
    settings: Settings
    store: StateStore
    clock: Clock
    #: Opens a sync engine for what the console does itself (retries, live reads).
    engine: EngineFactory
    sessions: Sessions
    throttle: LoginThrottle
    secure_cookies: bool = False
    #: In a cluster's console: the tenant this console shows (a picker at /tenants).
    tenant: str | None = None
    #: Whether the password `wfsync web set-password` stored in this state counts
    #: (not in a cluster's console, where one login opens every tenant).
    stored_password: bool = True

    def password_hash(self) -> str | None:
        """``[web] admin_password_hash`` wins over the one `wfsync web set-password` stored."""
        configured = self.settings.web.admin_password_hash.get_secret_value()
        stored = self.store.get_value(PASSWORD_KEY) if self.stored_password else None
        return configured or (stored if isinstance(stored, str) else None)

    def render(self, request: Request, template: str, **context: Any) -> HTMLResponse:
        session: Session | None = getattr(request.state, "session", None)
        base = {
            "csrf": session.csrf if session else "",
            "note": request.query_params.get("note"),
            "alerts": active_alerts(self.store) if session else [],
            "path": request.url.path,
            "no_password": self.password_hash() is None,
            "tenant": self.tenant,
        }
        return TEMPLATES.TemplateResponse(request, template, {**base, **context})

    @staticmethod
    def back(to: str, note: str) -> RedirectResponse:
        """After a POST: back to a page, with a note saying what happened."""
        return RedirectResponse(f"{to}?{urlencode({'note': note})}", status_code=303)

    @contextmanager
    def leased(self, action: str) -> Iterator[None]:
        """A store-only change under the writer lease, like the CLI's `skip`."""
        wait = min(self.settings.state.lease_wait_seconds, ACTION_WAIT)
        holder = describe_holder(f"wfsync serve ({action})")
        with writer_lease(self.store, holder, wait=wait):
            yield

    def runner_active(self) -> bool:
        """Whether a `wfsync run` holds this state store's instance lock."""
        lock = InstanceLock(self.settings.state.url)
        try:
            if lock.acquire():
                lock.release()
                return False
        except StateError:
            return True
        return True
