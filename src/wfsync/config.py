"""Configuration: a TOML file plus ``WFSYNC_…`` environment overrides.

The key names are a public interface (shared/DESIGN.md §3): users' files and
external acceptance scenarios rely on them. Environment variables use ``__``
between section and key: ``WFSYNC_FORTNOX__CLIENT_SECRET``,
``WFSYNC_SYNC__DELIVERY_TARGET``. Environment wins over the file.

An invalid value never surfaces as a traceback: :func:`load_config` raises
:class:`~wfsync.http.errors.ConfigError` with one line naming the key and what
is allowed.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from wfsync.http.errors import ConfigError

__all__ = [
    "AlertSettings",
    "CatalogueSlots",
    "ClusterSettings",
    "CustomFields",
    "EventsSettings",
    "FortnoxSettings",
    "Settings",
    "StateSettings",
    "SyncSettings",
    "TenantSettings",
    "WebSettings",
    "WebcrmSettings",
    "load_config",
    "settings_from_toml",
]

DEFAULT_CONFIG_PATH = Path("wfsync.toml")

_ORG_SLOT = re.compile(
    r"^Organisation(ExtraCustom[1-8]|Custom([1-9]|1[0-5])|Plus([1-9]|1\d|20)|XText[1-8]|Memo)$"
)
_DELIVERY_SLOT = re.compile(
    r"^Delivery(Custom([1-9]|1[0-5])|Plus([1-9]|1\d|20)|Memo|Comment|Note|Search[12]|ErpId)$"
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _checked_url(value: str, schemes: tuple[str, ...]) -> str:
    """``value`` if it is an absolute URL with one of ``schemes`` and a host.

    Checked when the config is read, so a typo is one line at start-up instead
    of minutes of connection retries later.
    """
    parts = urlsplit(value.strip())
    if parts.scheme not in schemes or not parts.hostname:
        wanted = " or ".join(f"{scheme}://" for scheme in schemes)
        raise ValueError(f"not a URL: must start with {wanted} and name a host")
    return value.strip()


def _http_url(value: str) -> str:
    return _checked_url(value, ("https", "http"))


class FortnoxSettings(_Section):
    base_url: str = "https://api.fortnox.se/3"
    token_url: str = "https://apps.fortnox.se/oauth-v1/token"
    auth_url: str = "https://apps.fortnox.se/oauth-v1/auth"
    websocket_url: str = "wss://ws.fortnox.se/topics-v1"
    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    #: Bootstrap only: after the first refresh the rotating token lives in the state store.
    refresh_token: SecretStr = SecretStr("")
    #: Set to use the client-credentials (service account) flow instead of refresh tokens.
    tenant_id: str = ""
    redirect_uri: str = "http://localhost:8765/fortnox/callback"
    scopes: list[str] = Field(
        default_factory=lambda: [
            "companyinformation",
            "customer",
            "article",
            "price",
            "order",
            "invoice",
            "settings",
            "currency",
        ]
    )
    #: Price list whose base price (quantity 0) is an article's list price.
    price_list: str = "A"
    #: Requests per 5-second window we allow ourselves (Fortnox allows 25).
    rate_limit: int = Field(default=25, ge=1, le=25)

    @field_validator("base_url", "token_url", "auth_url", "redirect_uri")
    @classmethod
    def _http(cls, value: str) -> str:
        return _http_url(value)

    @field_validator("websocket_url")
    @classmethod
    def _websocket(cls, value: str) -> str:
        return _checked_url(value, ("wss", "ws"))


class CustomFields(_Section):
    """Logical field → webCRM DTO property that holds it (fields webCRM lacks)."""

    customer_number: str = "OrganisationExtraCustom1"
    organisation_number: str = "OrganisationExtraCustom2"
    invoice_address1: str = "OrganisationCustom1"
    invoice_address2: str = "OrganisationCustom2"
    invoice_postcode: str = "OrganisationCustom3"
    invoice_city: str = "OrganisationCustom4"
    invoice_country: str = "OrganisationCustom5"
    terms_of_payment: str = "OrganisationCustom6"
    currency: str = "OrganisationCustom7"
    order_number: str = "DeliveryCustom1"
    delivery_date: str = "DeliveryCustom2"
    invoice_number: str = "DeliveryCustom3"
    invoice_date: str = "DeliveryCustom4"
    invoice_booked: str = "DeliveryCustom5"
    document_text: str = "DeliveryMemo"

    @model_validator(mode="after")
    def _check_slots(self) -> CustomFields:
        seen: dict[str, str] = {}
        for logical, slot in self.model_dump().items():
            pattern = _DELIVERY_SLOT if logical in _DELIVERY_FIELDS else _ORG_SLOT
            if not pattern.match(slot):
                family = "Delivery" if logical in _DELIVERY_FIELDS else "Organisation"
                example = f"{family}Custom3"
                if family == "Organisation":
                    example += ", OrganisationExtraCustom2"
                raise ValueError(
                    f"{logical} = {slot!r} is not a webCRM {family} custom field (e.g. {example})"
                )
            if slot in seen:
                raise ValueError(f"{logical} and {seen[slot]} both use {slot}")
            seen[slot] = logical
        return self


_DELIVERY_FIELDS = {
    "order_number",
    "delivery_date",
    "invoice_number",
    "invoice_date",
    "invoice_booked",
    "document_text",
}


class CatalogueSlots(_Section):
    """Which ``QuotationLineLinkedDataItemDataN`` column holds what (tenant setup)."""

    article_number: int = Field(default=1, ge=1, le=9)
    name: int = Field(default=2, ge=1, le=9)
    unit: int = Field(default=3, ge=1, le=9)


class WebcrmSettings(_Section):
    base_url: str = "https://api.webcrm.com"
    auth_code: SecretStr = SecretStr("")
    #: Rows per list/query page. The spec allows 1000; one source says servers cap at 250,
    #: and a silently capped page would look like the last one, so stay at 250.
    page_size: int = Field(default=250, ge=1, le=1000)
    #: Requests per 60-second window we allow ourselves (webCRM allows 250).
    rate_limit: int = Field(default=250, ge=1, le=250)
    custom_fields: CustomFields = Field(default_factory=CustomFields)
    catalogue: CatalogueSlots = Field(default_factory=CatalogueSlots)

    @field_validator("base_url")
    @classmethod
    def _http(cls, value: str) -> str:
        return _http_url(value)


class SyncSettings(_Section):
    customer_types: list[str] = Field(default_factory=lambda: ["Kund – Företag", "Kund – Privat"])
    private_types: list[str] = Field(default_factory=lambda: ["Kund – Privat"])
    #: Type given in webCRM to a Fortnox company / private customer ("" = first configured).
    company_type: str = ""
    private_type: str = ""
    customer_number_owner: Literal["fortnox", "webcrm"] = "fortnox"
    delivery_target: Literal["order", "invoice"] = "order"
    webcrm_interval_minutes: int = Field(default=6, ge=1, le=1440)
    fortnox_offset_minutes: int = Field(default=3, ge=0, le=1439)
    #: Who wins when both sides changed the same field to different values.
    conflict_winner: Literal["newest", "fortnox", "webcrm"] = "newest"
    #: webCRM OrganisationStatus values that mean "inactive" (Fortnox Active = false).
    inactive_statuses: list[str] = Field(default_factory=list)
    #: Description of a webCRM delivery made from a Fortnox-born order/invoice.
    fortnox_delivery_description: str = "faktura"
    #: The sweeps run every N × webcrm_interval_minutes (a stored time; hourly by default).
    price_check_every: int = Field(default=10, ge=1)

    @field_validator("customer_types")
    @classmethod
    def _non_empty(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("must name at least one webCRM organisation Type")
        return value

    @model_validator(mode="after")
    def _private_subset(self) -> SyncSettings:
        stray = [t for t in self.private_types if t not in self.customer_types]
        if stray:
            raise ValueError(f"private_types {stray} are not in customer_types")
        if self.fortnox_offset_minutes >= self.webcrm_interval_minutes:
            raise ValueError("fortnox_offset_minutes must be smaller than webcrm_interval_minutes")
        return self

    @property
    def fortnox_company_type(self) -> str:
        if self.company_type:
            return self.company_type
        companies = [t for t in self.customer_types if t not in self.private_types]
        return companies[0] if companies else self.customer_types[0]

    @property
    def fortnox_private_type(self) -> str:
        if self.private_type:
            return self.private_type
        return self.private_types[0] if self.private_types else self.fortnox_company_type


class StateSettings(_Section):
    url: str = "sqlite:///wfsync.db"
    lease_wait_seconds: float = Field(default=30.0, ge=0)

    @field_validator("url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        """SQLite or PostgreSQL, spelled as SQLAlchemy wants (checked without connecting)."""
        scheme, separator, _rest = value.partition("://")
        backend = scheme.split("+", 1)[0]
        if not separator or backend not in ("sqlite", "postgresql", "postgres"):
            raise ValueError(
                "not a supported database URL: use sqlite:///path.db or "
                "postgresql+psycopg://user@host/db"
            )
        return value


class EventsSettings(_Section):
    """Near-real-time changes (docs/events.md): Fortnox WebSocket and webCRM hooks."""

    enabled: bool = True
    #: host:port the webhook receiver binds (what webCRM's callbacks reach, maybe via a proxy).
    webhook_listen: str = "127.0.0.1:8766"
    #: Base URL webCRM calls; "" = http:// + webhook_listen (production: public HTTPS).
    webhook_url: str = ""

    @field_validator("webhook_listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be host:port, e.g. 127.0.0.1:8766")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if value and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an absolute http(s) URL, e.g. https://sync.example.com")
        return value.rstrip("/")

    @property
    def base_url(self) -> str:
        """Where webCRM sends callbacks: ``webhook_url``, else the receiver itself."""
        return self.webhook_url or f"http://{self.webhook_listen}"


class WebSettings(_Section):
    """The operator's console (`wfsync serve`, `wfsync run --serve`)."""

    #: A salted hash from `wfsync web set-password`; wins over the one in the state store.
    admin_password_hash: SecretStr = SecretStr("")
    #: Host header values the console answers to; empty = the bound host and localhost.
    allowed_hosts: list[str] = Field(default_factory=list)
    #: Where the record links of the console point; ``{kind}`` and ``{id}`` are filled in.
    webcrm_link: str = "https://app.webcrm.com/{kind}/{id}"
    fortnox_link: str = "https://apps.fortnox.se/{kind}/{id}"


class AlertSettings(_Section):
    """When and where the process that notices trouble says so (once per condition)."""

    #: Slack-compatible incoming webhook: a JSON POST with a ``text`` field. Empty = banner only.
    webhook_url: SecretStr = SecretStr("")
    #: Alert when a direction has failed this many runs in a row.
    failed_runs: int = Field(default=3, ge=1)
    #: Pause a direction (no more cycles until resumed) after this many failing runs in a row.
    pause_after_failed_runs: int = Field(default=6, ge=1)
    #: Alert when the error inbox holds more open entries than this.
    inbox_threshold: int = Field(default=25, ge=1)
    #: Alert when the Fortnox refresh token expires within this many days.
    token_expiry_days: int = Field(default=7, ge=1)
    #: Alert when the change events have been disconnected this long.
    events_disconnected_minutes: int = Field(default=5, ge=1)


class ClusterSettings(_Section):
    """Many tenants on Celery workers (docs/deploy.md); unused by `wfsync run`."""

    #: Celery's broker, also where the shared API budgets and the beat schedule live.
    broker_url: str = "redis://127.0.0.1:6379/0"
    #: A run's lease on its tenant+direction lasts this long unless renewed (renewed
    #: every third of it while the run is alive); a stalled worker loses it after this.
    lease_seconds: float = Field(default=60.0, ge=5)
    #: Seconds before Redis hands an unacknowledged task (its worker died) to another.
    visibility_timeout_seconds: int = Field(default=900, ge=10)

    @field_validator("broker_url")
    @classmethod
    def _redis(cls, value: str) -> str:
        return _checked_url(value, ("redis", "rediss"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="WFSYNC_",
        env_nested_delimiter="__",
        extra="forbid",
        case_sensitive=False,
    )

    fortnox: FortnoxSettings = Field(default_factory=FortnoxSettings)
    webcrm: WebcrmSettings = Field(default_factory=WebcrmSettings)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    state: StateSettings = Field(default_factory=StateSettings)
    events: EventsSettings = Field(default_factory=EventsSettings)

    web: WebSettings = Field(default_factory=WebSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file arrives as init kwargs; the environment must win over it.
        return env_settings, init_settings


class TenantSettings(Settings):
    """One tenant's settings in the cluster: its stored wfsync.toml and nothing else.

    The worker's environment (``WFSYNC_STATE__URL`` of the cluster, …) must not
    leak into a tenant, so only the file's values are read.
    """

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def settings_from_toml(text: str, source: str) -> TenantSettings:
    """Validate a wfsync.toml given as text (a tenant's), ignoring the environment."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    try:
        return TenantSettings(**data)
    except PydanticValidationError as exc:
        raise ConfigError(_one_line(exc, source)) from None


def _describe(loc: tuple[int | str, ...]) -> str:
    keys = [str(part) for part in loc]
    if len(keys) == 1:
        return f"[{keys[0]}]"
    section, rest = keys[:-1], keys[-1]
    return f"[{'.'.join(section)}] {rest}"


def _one_line(exc: PydanticValidationError, source: str) -> str:
    first = exc.errors()[0]
    where = _describe(tuple(first["loc"])) if first["loc"] else "config"
    variable = "WFSYNC_" + "__".join(str(part) for part in first["loc"]).upper()
    if first["loc"] and variable in {name.upper() for name in os.environ}:
        source = f"environment {variable}"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key (check the spelling; see `wfsync init` for every key)"
    elif first["type"] == "literal_error":
        message = message.replace("Input should be", "must be")
    got = first.get("input")
    if first["type"] not in ("extra_forbidden", "missing") and not isinstance(got, dict | list):
        message += f" (got {got!r})"
    more = f" (+{len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{source}: {where}: {message}{more}"


def _check_environment_sections(environ: Mapping[str, str]) -> None:
    """A ``WFSYNC_<SECTION>__<KEY>`` variable whose section does not exist is a
    typo (``WFSYNC_FORTNX__CLIENT_SECRET``) that pydantic-settings would ignore
    silently; refuse it. Variables without ``__`` (``WFSYNC_SECRET_KEY``, the test
    suite's own) are not settings paths and are left alone."""
    sections = set(Settings.model_fields)
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith("WFSYNC_") or "__" not in upper:
            continue
        section = upper.removeprefix("WFSYNC_").split("__", 1)[0].lower()
        if section not in sections:
            known = ", ".join(f"WFSYNC_{s.upper()}__…" for s in Settings.model_fields)
            raise ConfigError(
                f"environment {upper}: unknown section [{section}] (check the spelling; "
                f"known: {known})"
            )


def load_config(
    path: Path | str | None = None,
    *,
    required: bool = False,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read the TOML file (if it exists) and the environment into :class:`Settings`.

    ``required=True`` makes a missing file an error (commands that talk to real
    systems); otherwise defaults and the environment are used.
    """

    file = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    data: dict[str, Any] = {}
    if file.exists():
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{file}: cannot read: {exc.strerror}") from None
    elif required:
        raise ConfigError(f"{file}: no such config file (create one with `wfsync init`)")
    _check_environment_sections(os.environ if environ is None else environ)
    saved = None
    if environ is not None:
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(environ)
    try:
        return Settings(**data)
    except PydanticValidationError as exc:
        raise ConfigError(_one_line(exc, str(file))) from None
    finally:
        if saved is not None:
            os.environ.clear()
            os.environ.update(saved)
