"""``wfsync check``: is this installation ready to sync? One row per question.

The first thing a consultant runs, so every row answers one question and a
failing row says what to do. Rows are data (:class:`CheckRow`) — the CLI renders
them as a table or JSON, a dashboard could too.

A row is ``ok``, ``warn`` (works, but an admin should act: a refresh token
expiring within 7 days, no initial import yet, a field to mark mandatory),
``fail`` (syncing would not work) or ``skip`` (not checked because an earlier
row failed: no point asking for custom fields with a rejected token). The
installation is ready when no row fails.

Side effects are those of any run, no more: an outdated state schema is
upgraded, and a stale Fortnox access token is refreshed (and the rotated
refresh token saved) — which is exactly the proof that refreshing works.
An uninitialised state store is *not* created.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

import httpx

from wfsync.clock import Clock, SystemClock
from wfsync.config import Settings
from wfsync.fortnox.client import FortnoxClient
from wfsync.fortnox.models import CompanyInformation
from wfsync.http.errors import ApiError, AuthError, ConfigError, PermissionDeniedError
from wfsync.setup.fortnox_connect import PROBE_RETRY, require_credentials
from wfsync.setup.report import CheckRow, Readiness, Status
from wfsync.setup.scopes import compare_scopes
from wfsync.setup.state_probe import open_state
from wfsync.setup.webcrm_connect import configured_types, inspect_webcrm, with_token_hint
from wfsync.state import SqlTokenStore, StateStore
from wfsync.state.ratewindow import window_store
from wfsync.webcrm.client import WebcrmClient

__all__ = ["EXPIRY_WARNING", "CheckRow", "Readiness", "Status", "check_readiness"]

#: Warn when the Fortnox refresh token dies sooner than this.
EXPIRY_WARNING: Final = timedelta(days=7)


async def check_readiness(
    settings: Settings,
    *,
    config_source: str = "defaults and environment",
    clock: Clock | None = None,
    fortnox_transport: httpx.AsyncBaseTransport | None = None,
    webcrm_transport: httpx.AsyncBaseTransport | None = None,
    expiry_warning: timedelta = EXPIRY_WARNING,
) -> Readiness:
    """Run every check; never raises for a problem it can describe as a row."""
    clock = clock or SystemClock()
    report = Readiness()
    sync = settings.sync
    report.add(
        "config",
        "configuration",
        Status.ok,
        f"{config_source}; deliveries become Fortnox {sync.delivery_target}s, "
        f"customer numbers assigned by {sync.customer_number_owner}",
    )
    store = open_state(settings.state.url, report)
    try:
        if store is not None:
            _check_import(store, report)
        await _check_fortnox(settings, store, report, clock, fortnox_transport, expiry_warning)
    finally:
        if store is not None:
            store.close()
    await _check_webcrm(settings, report, clock, webcrm_transport)
    return report


# -- state ------------------------------------------------------------------------------


def _check_import(store: StateStore, report: Readiness) -> None:
    if store.get_cursor("webcrm", "organisations") is None:
        report.add(
            "import",
            "initial import",
            Status.warn,
            "not run yet: run `wfsync import` once (it links existing records) before `wfsync run`",
        )
        return
    last = store.last_run("import", status="ok")
    when = f" (last on {last.started_at:%Y-%m-%d %H:%M} UTC)" if last else ""
    report.add("import", "initial import", Status.ok, f"done{when}")


# -- Fortnox ----------------------------------------------------------------------------


async def _check_fortnox(
    settings: Settings,
    store: StateStore | None,
    report: Readiness,
    clock: Clock,
    transport: httpx.AsyncBaseTransport | None,
    expiry_warning: timedelta,
) -> None:
    fortnox = settings.fortnox
    title = "Fortnox connection"
    try:
        require_credentials(fortnox)
    except ConfigError as exc:
        report.add("fortnox_token", title, Status.fail, str(exc))
        return
    if store is None:
        report.add("fortnox_token", title, Status.skip, "needs the state store")
        return
    tokens = SqlTokenStore(store)
    bootstrap = bool(fortnox.refresh_token.get_secret_value() or fortnox.tenant_id)
    if await tokens.load() is None and not bootstrap:
        report.add(
            "fortnox_token",
            title,
            Status.fail,
            "not connected: run `wfsync connect fortnox` (no tokens in the state store)",
        )
        return
    company: CompanyInformation | None = None
    unreadable: PermissionDeniedError | None = None
    async with FortnoxClient(
        fortnox,
        tokens,
        clock=clock,
        transport=transport,
        retry=PROBE_RETRY,
        window=window_store(store, "fortnox"),
    ) as client:
        try:
            company = await client.company.get()
        except PermissionDeniedError as exc:
            unreadable = exc  # the token works; only this resource is not allowed
        except ApiError as exc:
            check = "fortnox_token" if isinstance(exc, AuthError) else "fortnox_api"
            report.add(
                check, title if check == "fortnox_token" else "Fortnox API", Status.fail, str(exc)
            )
            return
        refreshed = client.auth.grants.get("refresh_token", 0) > 0
    current = await tokens.load()
    if current is None:  # pragma: no cover - a successful call always leaves tokens behind
        return
    if current.refresh_token is None and current.tenant_id:
        how = f"client credentials for tenant {current.tenant_id}"
    else:
        how = "refreshed just now (rotation works)" if refreshed else "stored access token accepted"
    report.add("fortnox_token", title, Status.ok, how)
    if company is None:
        report.add("fortnox_api", "Fortnox company", Status.warn, f"not readable: {unreadable}")
    else:
        name = company.company_name or "(no name)"
        report.add(
            "fortnox_api",
            "Fortnox company",
            Status.ok,
            f"{name} (tenant {company.database_number})",
        )
    _check_scopes(current.scope, report)
    _check_expiry(current.refresh_expires_at, current.tenant_id, clock, expiry_warning, report)


def _check_scopes(scope: str, report: Readiness) -> None:
    scopes = compare_scopes(scope)
    title = "Fortnox scopes"
    if not scopes.known:
        report.add("fortnox_scopes", title, Status.warn, "Fortnox did not say which were granted")
    elif scopes.missing_required:
        report.add(
            "fortnox_scopes",
            title,
            Status.fail,
            f"missing {', '.join(scopes.missing_required)} (required"
            + (
                f"; also missing {', '.join(scopes.missing_optional)}"
                if scopes.missing_optional
                else ""
            )
            + f"): {scopes.advice()}",
        )
    elif scopes.missing_optional:
        report.add(
            "fortnox_scopes",
            title,
            Status.warn,
            f"missing {', '.join(scopes.missing_optional)} (not required): {scopes.advice()}",
        )
    else:
        report.add("fortnox_scopes", title, Status.ok, " ".join(scopes.granted))


def _check_expiry(
    expires_at: datetime | None,
    tenant_id: str | None,
    clock: Clock,
    warning: timedelta,
    report: Readiness,
) -> None:
    title = "Fortnox refresh token"
    if expires_at is None:
        detail = "none needed (client credentials)" if tenant_id else "expiry unknown"
        report.add("fortnox_token_expiry", title, Status.ok, detail)
        return
    left = expires_at - clock.now()
    day = f"{expires_at:%Y-%m-%d %H:%M} UTC"
    if left <= timedelta(0):
        report.add(
            "fortnox_token_expiry",
            title,
            Status.fail,
            f"expired {day}: run `wfsync connect fortnox`",
        )
    elif left < warning:
        report.add(
            "fortnox_token_expiry",
            title,
            Status.warn,
            f"expires {day} (in {_days(left)}): every sync renews it, so start `wfsync run` "
            "or run `wfsync connect fortnox` before then",
        )
    else:
        report.add("fortnox_token_expiry", title, Status.ok, f"valid until {day}")


def _days(left: timedelta) -> str:
    if left >= timedelta(days=1):
        return f"{left.days} day{'s' if left.days != 1 else ''}"
    return f"{int(left.total_seconds() // 3600)} h"


# -- webCRM -----------------------------------------------------------------------------


async def _check_webcrm(
    settings: Settings,
    report: Readiness,
    clock: Clock,
    transport: httpx.AsyncBaseTransport | None,
) -> None:
    async with WebcrmClient(
        settings.webcrm, clock=clock, transport=transport, retry=PROBE_RETRY
    ) as client:
        try:
            tenant = await inspect_webcrm(client, settings)
        except (ApiError, ConfigError) as exc:
            detail = with_token_hint(str(exc)) if isinstance(exc, AuthError) else str(exc)
            report.add("webcrm_login", "webCRM login", Status.fail, detail)
            for check, title in _WEBCRM_DEPENDENT:
                report.add(check, title, Status.skip, "needs a working webCRM login")
            return
    report.add(
        "webcrm_login", "webCRM login", Status.ok, f"token accepted ({settings.webcrm.base_url})"
    )
    _check_slots(tenant.slot_problems, len(tenant.slots), report)
    _check_types(tenant.organisation_types, tenant.unknown_types, settings, report)
    invoice_date = tenant.slot("invoice_date")
    title = "webCRM invoice date field"
    name = invoice_date.slot + (f" ({invoice_date.label})" if invoice_date.label else "")
    if invoice_date.found is False:
        report.add("webcrm_invoice_date", title, Status.fail, f"{name} is not configured in webCRM")
    elif settings.sync.delivery_target == "invoice":
        report.add(
            "webcrm_invoice_date",
            title,
            Status.warn,
            f"{name} exists; mark it Mandatory in webCRM's custom-field settings so every "
            "delivery has an invoice date (the API cannot check this)",
        )
    else:
        report.add("webcrm_invoice_date", title, Status.ok, f"{name} exists")


_WEBCRM_DEPENDENT = (
    ("webcrm_custom_fields", "webCRM custom fields"),
    ("webcrm_types", "webCRM organisation Types"),
    ("webcrm_invoice_date", "webCRM invoice date field"),
)


def _check_slots(problems: list[str], count: int, report: Readiness) -> None:
    if not problems:
        report.add(
            "webcrm_custom_fields",
            "webCRM custom fields",
            Status.ok,
            f"all {count} configured fields exist",
        )
        return
    for problem in problems:
        report.add("webcrm_custom_fields", "webCRM custom fields", Status.fail, problem)


def _check_types(
    options: list[str], unknown: list[str], settings: Settings, report: Readiness
) -> None:
    title = "webCRM organisation Types"
    wanted = configured_types(settings.sync)
    if not options:
        report.add(
            "webcrm_types",
            title,
            Status.warn,
            "webCRM's metadata does not list the Type options; make sure these exist: "
            + ", ".join(wanted),
        )
    elif unknown:
        report.add(
            "webcrm_types",
            title,
            Status.fail,
            f"{', '.join(repr(t) for t in unknown)} not among webCRM's Types "
            f"({', '.join(options)}): fix [sync] customer_types/company_type/private_type "
            "or add the Type in webCRM",
        )
    else:
        report.add("webcrm_types", title, Status.ok, ", ".join(wanted) + " exist")
