"""ORM tables of the state store (SQLAlchemy 2 typed declarative).

The schema itself is owned by the Alembic migrations in ``migrations/versions``;
these classes must describe the same tables (a test compares them with
Alembic's autogenerate). Two column types make the tables portable:

* :class:`UtcDateTime` stores aware UTC on both backends (``timestamptz`` on
  PostgreSQL, naive-UTC text on SQLite) and always returns aware UTC;
* :data:`JsonValue` is ``JSONB`` on PostgreSQL and SQLite's JSON text elsewhere.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base",
    "ConflictRow",
    "ConsoleRequestRow",
    "ConsoleValueRow",
    "CursorRow",
    "FailureRow",
    "HistoryRow",
    "IntentRow",
    "JsonValue",
    "LeaseRow",
    "LinkRow",
    "RunRow",
    "TenantRow",
    "TokenRow",
    "UtcDateTime",
]


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out, whatever the backend does with time zones.

    Naive datetimes are refused: inside wfsync every instant is aware UTC, and a
    naive one reaching the database is a bug that would silently shift by the
    server's offset.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored; use aware UTC")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: A JSON document column; ``None`` is stored as JSON ``null`` (reads back as None).
JsonValue = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


#: Surrogate ids are never reused: SQLite would otherwise hand a deleted link's
#: or intent's id to the next row (PostgreSQL sequences never do).
NEVER_REUSE_IDS: Final = {"sqlite_autoincrement": True}


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: JsonValue,
        Any: JsonValue,
    }


class LinkRow(Base):
    __tablename__ = "links"
    __table_args__ = (
        sa.UniqueConstraint("kind", "webcrm_id", name="uq_links_webcrm"),
        sa.Index("ix_links_kind_state", "kind", "state"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    webcrm_id: Mapped[str | None] = mapped_column(sa.String(64))
    fortnox_id: Mapped[str | None] = mapped_column(sa.String(64))
    fortnox_type: Mapped[str | None] = mapped_column(sa.String(16))
    webcrm_snapshot: Mapped[dict[str, Any] | None]
    fortnox_snapshot: Mapped[dict[str, Any] | None]
    webcrm_hash: Mapped[str | None] = mapped_column(sa.String(128))
    fortnox_hash: Mapped[str | None] = mapped_column(sa.String(128))
    state: Mapped[str] = mapped_column(sa.String(16))
    note: Mapped[str | None] = mapped_column(sa.Text)
    extra: Mapped[dict[str, Any]]
    last_synced_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


# Fortnox numbers orders and invoices in separate series, so a delivery's Fortnox
# identity is (type, number); coalesce makes a missing type compare equal to itself.
sa.Index(
    "uq_links_fortnox",
    LinkRow.kind,
    LinkRow.fortnox_id,
    sa.func.coalesce(LinkRow.fortnox_type, ""),
    unique=True,
)


class IntentRow(Base):
    __tablename__ = "intents"
    __table_args__ = (sa.UniqueConstraint("kind", "target", "source_id", name="uq_intents_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    target: Mapped[str] = mapped_column(sa.String(16))
    source_id: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class CursorRow(Base):
    __tablename__ = "cursors"

    source: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    entity: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)
    version: Mapped[int]
    updated_at: Mapped[datetime]


class RunRow(Base):
    __tablename__ = "runs"
    __table_args__ = (
        sa.Index("ix_runs_direction_started", "direction", "started_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(sa.String(32))
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    counts: Mapped[dict[str, Any]]
    error: Mapped[str | None] = mapped_column(sa.Text)
    #: The cluster worker that ran it (None for a single-tenant install).
    worker: Mapped[str | None] = mapped_column(sa.String(200))


class ConflictRow(Base):
    __tablename__ = "conflicts"
    __table_args__ = (
        sa.Index("ix_conflicts_ack_created", "acknowledged", "created_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    link_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("links.id", ondelete="SET NULL"), index=True
    )
    webcrm_id: Mapped[str | None] = mapped_column(sa.String(64))
    fortnox_id: Mapped[str | None] = mapped_column(sa.String(64))
    field: Mapped[str] = mapped_column(sa.String(128))
    base_value: Mapped[Any] = mapped_column(nullable=True)
    webcrm_value: Mapped[Any] = mapped_column(nullable=True)
    fortnox_value: Mapped[Any] = mapped_column(nullable=True)
    winner: Mapped[str] = mapped_column(sa.String(16))
    resolved_value: Mapped[Any] = mapped_column(nullable=True)
    rule: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    acknowledged: Mapped[bool]


class FailureRow(Base):
    __tablename__ = "failures"
    __table_args__ = (
        # At most one open inbox row per record and operation; resolved and
        # skipped rows are history and may repeat.
        sa.Index(
            "uq_failures_open",
            "kind",
            "source",
            "source_id",
            "operation",
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        ),
        sa.Index("ix_failures_record", "kind", "source", "source_id"),
        sa.Index("ix_failures_status_seen", "status", "last_seen"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    source: Mapped[str] = mapped_column(sa.String(16))
    source_id: Mapped[str] = mapped_column(sa.String(64))
    operation: Mapped[str] = mapped_column(sa.String(32))
    message: Mapped[str] = mapped_column(sa.Text)
    code: Mapped[int | None]
    attempts: Mapped[int]
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    status: Mapped[str] = mapped_column(sa.String(16))
    detail: Mapped[dict[str, Any]]


class TokenRow(Base):
    """OAuth tokens of one named connection. Holds secrets: never printed."""

    __tablename__ = "tokens"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    access_token: Mapped[str] = mapped_column(sa.Text)
    access_expires_at: Mapped[datetime | None]
    refresh_token: Mapped[str | None] = mapped_column(sa.Text)
    refresh_expires_at: Mapped[datetime | None]
    scope: Mapped[str] = mapped_column(sa.Text)
    tenant_id: Mapped[str | None] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"TokenRow(name={self.name!r}, access_expires_at={self.access_expires_at!r})"


class ConsoleValueRow(Base):
    """Small named facts shared between processes: the console password hash, the
    runner's heartbeat, paused directions, alerts already sent."""

    __tablename__ = "console_values"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(nullable=True)
    updated_at: Mapped[datetime]


class ConsoleRequestRow(Base):
    """Something an admin asked for in the console, done by whichever process may write."""

    __tablename__ = "console_requests"
    __table_args__ = (sa.Index("ix_console_requests_status", "status", "id"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(sa.String(32))
    target_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(sa.String(16))
    result: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class HistoryRow(Base):
    """What wfsync did to one record, for the console's per-record log."""

    __tablename__ = "record_history"
    __table_args__ = (
        sa.Index("ix_record_history_webcrm", "kind", "webcrm_id"),
        sa.Index("ix_record_history_fortnox", "kind", "fortnox_id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    webcrm_id: Mapped[str | None] = mapped_column(sa.String(64))
    fortnox_id: Mapped[str | None] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(32))
    detail: Mapped[str] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(index=True)


class TenantRow(Base):
    """One tenant of the cluster; ``config`` is its wfsync.toml, Fernet-encrypted."""

    __tablename__ = "tenants"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    schema_name: Mapped[str] = mapped_column(sa.String(63), unique=True)
    enabled: Mapped[bool]
    config: Mapped[str] = mapped_column(sa.Text)
    #: The path token of the tenant's webCRM hook URLs (routes callbacks to it).
    hook_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"TenantRow(name={self.name!r}, enabled={self.enabled!r})"


class LeaseRow(Base):
    """Who may run one tenant's direction until when; ``token`` only ever grows (fencing)."""

    __tablename__ = "cluster_leases"

    tenant: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    direction: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    token: Mapped[int] = mapped_column(sa.BigInteger)
    holder: Mapped[str | None] = mapped_column(sa.String(200))
    expires_at: Mapped[datetime]
