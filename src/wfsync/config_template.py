"""Every configuration key with a description: the source of ``wfsync init``'s file
and of docs/configuration.md.

The keys and defaults come from the pydantic models in :mod:`wfsync.config`, so
a default changed there changes here; only the human descriptions live in this
module. A test fails when a key has no description, which keeps the generated
file and the reference complete as settings are added.
"""

from __future__ import annotations

import json
import textwrap
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from annotated_types import Ge, Le
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from wfsync.config import Settings

__all__ = [
    "DESCRIPTIONS",
    "ESSENTIAL_KEYS",
    "SECTION_DESCRIPTIONS",
    "ConfigKey",
    "config_keys",
    "config_tables",
    "env_var",
    "render_config",
    "render_reference",
    "toml_value",
]

SECTION_DESCRIPTIONS: dict[str, str] = {
    "fortnox": "Fortnox: the API, OAuth2 credentials and our request budget.",
    "webcrm": "webCRM: the API, its application token and our request budget.",
    "webcrm.custom_fields": (
        "Which webCRM custom field holds each value webCRM has no standard field for, "
        "named by its DTO property (OrganisationCustom3, OrganisationExtraCustom2, "
        "DeliveryCustom2, …). Each slot is checked against /FieldsMetadata before the "
        "first write; no two fields may share a slot."
    ),
    "webcrm.catalogue": (
        "Columns of webCRM's product catalogue (QuotationLineLinkedDataItemDataN) that "
        "hold an article's data."
    ),
    "sync": "What syncs, who owns what, and how often.",
    "state": "Where wfsync keeps links, last-synced snapshots, cursors and tokens.",
    "events": (
        "Near-real-time sync inside `wfsync run`: Fortnox WebSocket events and webCRM "
        "hooks carry a change across in seconds; polling stays as the safety net "
        "(docs/events.md)."
    ),
    "web": (
        "The operator's console (`wfsync serve`, `wfsync run --serve`): login, allowed "
        "hosts, record links (docs/console.md)."
    ),
    "alerts": (
        "Alerts sent once per condition by the process that notices it, and the "
        "auto-pause of a direction that keeps failing (docs/console.md)."
    ),
    "cluster": (
        "Many tenants on Celery workers and a scheduler; only the "
        "cluster's own wfsync.toml needs it, with [state] pointing at PostgreSQL "
        "(docs/deploy.md). Tenant secrets are encrypted with WFSYNC_SECRET_KEY."
    ),
}

DESCRIPTIONS: dict[str, str] = {
    # [fortnox]
    "fortnox.base_url": "Base URL of the Fortnox REST API (a simulator's URL for trials).",
    "fortnox.token_url": "Fortnox OAuth2 token endpoint.",
    "fortnox.auth_url": "Fortnox OAuth2 consent page (used by `wfsync connect fortnox`).",
    "fortnox.websocket_url": (
        "Fortnox WebSocket events endpoint, listened to by `wfsync run` when [events] "
        "enabled = true (near-real-time; the 6/3-minute polls stay the safety net)."
    ),
    "fortnox.client_id": "Client id of your Fortnox integration (Fortnox Developer Portal).",
    "fortnox.client_secret": "Client secret of your Fortnox integration.",
    "fortnox.refresh_token": (
        "Bootstrap only: a refresh token to start from. After the first refresh the "
        "rotating token lives in the state store; `wfsync connect fortnox` sets it up."
    ),
    "fortnox.tenant_id": (
        "Fortnox tenant id: set it to use the client-credentials (service account) flow "
        "instead of refresh tokens."
    ),
    "fortnox.redirect_uri": "OAuth2 redirect URI registered for the integration.",
    "fortnox.scopes": "OAuth2 scopes to request.",
    "fortnox.price_list": "Price list whose base price (quantity 0) is an article's list price.",
    "fortnox.rate_limit": "Requests per 5-second window we allow ourselves (Fortnox allows 25).",
    # [webcrm]
    "webcrm.base_url": "Base URL of the webCRM REST API (a simulator's URL for trials).",
    "webcrm.auth_code": (
        "webCRM application token (a GUID an administrator creates under Configuration → "
        "Integration → API → REST)."
    ),
    "webcrm.page_size": "Records per page when listing from webCRM.",
    "webcrm.rate_limit": "Requests per minute we allow ourselves (webCRM allows 250).",
    # [webcrm.custom_fields]
    "webcrm.custom_fields.customer_number": "Organisation field for the customer number.",
    "webcrm.custom_fields.organisation_number": "Organisation field for the organisation number.",
    "webcrm.custom_fields.invoice_address1": "Organisation field for invoice address line 1.",
    "webcrm.custom_fields.invoice_address2": "Organisation field for invoice address line 2.",
    "webcrm.custom_fields.invoice_postcode": "Organisation field for the invoice postcode.",
    "webcrm.custom_fields.invoice_city": "Organisation field for the invoice city.",
    "webcrm.custom_fields.invoice_country": "Organisation field for the invoice country.",
    "webcrm.custom_fields.terms_of_payment": "Organisation field for the terms of payment.",
    "webcrm.custom_fields.currency": "Organisation field for the currency.",
    "webcrm.custom_fields.order_number": "Delivery field for the Fortnox order number.",
    "webcrm.custom_fields.delivery_date": "Delivery field for the delivery date.",
    "webcrm.custom_fields.invoice_number": "Delivery field for the Fortnox invoice number.",
    "webcrm.custom_fields.invoice_date": "Delivery field for the invoice date.",
    "webcrm.custom_fields.invoice_booked": "Delivery field for the invoice-booked flag.",
    "webcrm.custom_fields.document_text": "Delivery field for the order or invoice text.",
    # [webcrm.catalogue]
    "webcrm.catalogue.article_number": "Catalogue column (1–9) holding the article number.",
    "webcrm.catalogue.name": "Catalogue column (1–9) holding the article name.",
    "webcrm.catalogue.unit": "Catalogue column (1–9) holding the unit.",
    # [sync]
    "sync.customer_types": (
        "webCRM organisation Types that sync to Fortnox; organisations (and their "
        "deliveries) with any other Type are left alone."
    ),
    "sync.private_types": "Which of customer_types mean a private person (the rest: companies).",
    "sync.company_type": (
        "Type given in webCRM to a customer born in Fortnox as a company "
        '("" = the first company type in customer_types).'
    ),
    "sync.private_type": (
        "Type given in webCRM to a customer born in Fortnox as a private person "
        '("" = the first of private_types).'
    ),
    "sync.customer_number_owner": (
        '"fortnox": Fortnox assigns customer numbers and they are written back to webCRM; '
        '"webcrm": the number is typed by hand in webCRM.'
    ),
    "sync.delivery_target": 'What a webCRM delivery becomes in Fortnox: "order" or "invoice".',
    "sync.webcrm_interval_minutes": (
        "Minutes between polls of each system, on the Europe/Stockholm wall clock "
        "(6 → webCRM at 10:00, 10:06, …)."
    ),
    "sync.fortnox_offset_minutes": (
        "How many minutes after webCRM Fortnox is polled (3 → 10:03, 10:09, …); "
        "smaller than the interval."
    ),
    "sync.conflict_winner": (
        'Who wins when both sides changed the same field differently: "fortnox", "webcrm" '
        'or "newest". Fortnox records carry no change time, so a later webCRM edit can never '
        'be proven: "newest" keeps Fortnox\'s value in practice (each conflict notes whether '
        "Fortnox's edit was provably later). Ownership rules come first; every conflict is "
        "shown in `wfsync conflicts`."
    ),
    "sync.inactive_statuses": (
        "webCRM OrganisationStatus values that mean inactive (Fortnox Active = false)."
    ),
    "sync.fortnox_delivery_description": (
        "Description of a webCRM delivery made from an order or invoice born in Fortnox."
    ),
    "sync.price_check_every": (
        "The sweeps (delivery lines; article prices when price_list is not A) run every "
        "N × webcrm_interval_minutes (10 × 6 = hourly), timed by a stored clock time."
    ),
    # [state]
    "state.url": (
        "SQLAlchemy URL of the state store: sqlite:///wfsync.db for one machine, "
        "postgresql+psycopg://user@host/db for several workers."
    ),
    "state.lease_wait_seconds": (
        "How long a writing command waits for another one (e.g. a `wfsync run` cycle) to "
        "finish before it gives up with exit 1 naming the holder; one writer at a time."
    ),
    # [events]
    "events.enabled": (
        "Listen to Fortnox's WebSocket events and webCRM's hooks (false: polling only)."
    ),
    "events.webhook_listen": (
        "host:port the webhook receiver binds; put a public HTTPS proxy in front of it "
        "in production."
    ),
    "events.webhook_url": (
        'Base URL webCRM calls for hooks ("" = http:// + webhook_listen), e.g. '
        "https://sync.example.com."
    ),
    # [web]
    "web.admin_password_hash": (
        "Console login: a hash made by `wfsync web set-password` (overrides the one that "
        "command stores in the state store). Never the password itself."
    ),
    "web.allowed_hosts": (
        "Host names the console answers to (DNS-rebinding guard); empty = the bound host "
        "and localhost. Add the name you reach it by behind a proxy."
    ),
    "web.webcrm_link": "Link to a record in webCRM, {kind} and {id} filled in (console).",
    "web.fortnox_link": "Link to a record in Fortnox, {kind} and {id} filled in (console).",
    # [alerts]
    "alerts.webhook_url": (
        "Slack-compatible webhook for alerts (JSON POST with a text field); empty = the "
        "console banner only."
    ),
    "alerts.failed_runs": "Alert when a direction fails this many runs in a row.",
    # [cluster]
    "cluster.broker_url": (
        "Redis URL of the Celery broker; the shared API budgets and the schedule live there too."
    ),
    "cluster.lease_seconds": (
        "How long a run's lease on a tenant's direction lasts unless renewed; a stalled "
        "worker loses it (and can no longer write) after this."
    ),
    "cluster.visibility_timeout_seconds": (
        "Seconds before a task whose worker died unacknowledged is handed to another worker."
    ),
    "alerts.pause_after_failed_runs": (
        "Pause a direction after this many failing runs in a row (resume in the console "
        "or with `wfsync resume`)."
    ),
    "alerts.inbox_threshold": "Alert when the error inbox holds more open entries than this.",
    "alerts.token_expiry_days": "Alert this many days before the Fortnox refresh token expires.",
    "alerts.events_disconnected_minutes": (
        "Alert when change events have been disconnected this many minutes."
    ),
}

#: Asked for by ``wfsync init`` and written uncommented; the rest stay commented defaults.
ESSENTIAL_KEYS: tuple[str, ...] = (
    "fortnox.client_id",
    "fortnox.client_secret",
    "webcrm.auth_code",
    "sync.customer_number_owner",
    "sync.delivery_target",
    "state.url",
)


@dataclass(frozen=True)
class ConfigKey:
    """One leaf setting: ``section`` is dotted (``webcrm.custom_fields``)."""

    section: str
    name: str
    default: Any
    kind: str
    secret: bool

    @property
    def path(self) -> str:
        return f"{self.section}.{self.name}"

    @property
    def description(self) -> str:
        return DESCRIPTIONS.get(self.path, "")


def env_var(path: str) -> str:
    """``webcrm.custom_fields.currency`` → ``WFSYNC_WEBCRM__CUSTOM_FIELDS__CURRENCY``."""
    return "WFSYNC_" + "__".join(part.upper() for part in path.split("."))


def _default(info: FieldInfo) -> Any:
    return info.get_default(call_default_factory=True)


def _kind(info: FieldInfo) -> str:
    annotation = info.annotation
    if typing.get_origin(annotation) is typing.Literal:
        return "one of " + ", ".join(json.dumps(choice) for choice in typing.get_args(annotation))
    if annotation is SecretStr:
        return "string (secret)"
    names = {str: "string", int: "integer", bool: "boolean", float: "number"}
    if typing.get_origin(annotation) is list:
        return "list of strings (JSON in the environment)"
    kind = names.get(annotation, str(annotation)) if isinstance(annotation, type) else "value"
    low = next((m.ge for m in info.metadata if isinstance(m, Ge)), None)
    high = next((m.le for m in info.metadata if isinstance(m, Le)), None)
    if low is not None or high is not None:
        kind += f", {low if low is not None else '…'}–{high if high is not None else '…'}"
    return kind


def _walk(model: type[BaseModel], section: str) -> Iterator[ConfigKey | str]:
    """Leaves of ``model`` as ConfigKeys, announcing each sub-table by its dotted name.

    Scalars come before sub-tables so the TOML is valid (a table's own keys must
    precede ``[table.sub]``).
    """
    nested: list[tuple[str, type[BaseModel]]] = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            nested.append((name, annotation))
            continue
        yield ConfigKey(section, name, _default(info), _kind(info), annotation is SecretStr)
    for name, sub in nested:
        yield f"{section}.{name}"
        yield from _walk(sub, f"{section}.{name}")


def _tables() -> Iterator[ConfigKey | str]:
    for name, info in Settings.model_fields.items():
        annotation = info.annotation
        assert isinstance(annotation, type) and issubclass(annotation, BaseModel)
        yield name
        yield from _walk(annotation, name)


def config_keys() -> list[ConfigKey]:
    """Every leaf setting, in file order."""
    return [item for item in _tables() if isinstance(item, ConfigKey)]


def config_tables() -> list[str]:
    """Every section and sub-table, dotted (``webcrm.custom_fields``), in file order."""
    return [item for item in _tables() if isinstance(item, str)]


def toml_value(value: Any) -> str:
    """``value`` as a TOML literal (JSON strings are valid TOML basic strings)."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _comment(text: str) -> list[str]:
    return [f"# {line}" for line in textwrap.wrap(text, width=86)]


def render_config(values: Mapping[str, Any] | None = None, *, header: str = "") -> str:
    """The commented TOML file: ``values`` (dotted keys) and every essential key
    active, every other key as a commented-out default ready to uncomment."""
    chosen = dict(values or {})
    lines = [
        "# wfsync configuration." + (f" {header}" if header else ""),
        "#",
        "# Every setting is listed with its default. A line '# key = value' is the default:",
        "# remove the '# ' to change it. Any key can also come from the environment as",
        "# WFSYNC_<SECTION>__<KEY> (shown for each key); the environment wins over this",
        "# file. Reference: docs/configuration.md.",
        "#",
        "# This file holds secrets: keep it private (wfsync init writes it with mode 0600).",
    ]
    for item in _tables():
        if isinstance(item, str):
            lines += ["", f"[{item}]"]
            lines += _comment(SECTION_DESCRIPTIONS.get(item, ""))
            continue
        lines.append("")
        lines += _comment(item.description)
        lines.append(f"# {item.kind}; env: {env_var(item.path)}")
        if item.path in chosen or item.path in ESSENTIAL_KEYS:
            lines.append(f"{item.name} = {toml_value(chosen.get(item.path, item.default))}")
        else:
            lines.append(f"# {item.name} = {toml_value(item.default)}")
    return "\n".join(lines) + "\n"


def render_reference() -> str:
    """A Markdown table per section: key, type, default, environment variable."""
    out: list[str] = []
    for item in _tables():
        if isinstance(item, str):
            out += ["", f"### `[{item}]`", "", SECTION_DESCRIPTIONS.get(item, ""), ""]
            out += ["| Key | Type | Default | Environment | Meaning |", "|---|---|---|---|---|"]
            continue
        cells = [
            f"`{item.name}`",
            item.kind,
            f"`{toml_value(item.default)}`",
            f"`{env_var(item.path)}`",
            item.description,
        ]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out).strip() + "\n"
