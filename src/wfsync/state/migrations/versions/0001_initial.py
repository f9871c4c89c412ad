"""Initial state schema: links, intents, cursors, runs, conflicts, failures, tokens.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-25

Self-contained on purpose (no imports from wfsync.state.models): a migration
describes the schema as it was at this revision, whatever the models say later.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
# Tables with surrogate ids use sqlite_autoincrement=True: SQLite would otherwise
# reuse a deleted link's or intent's id for the next row.


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("webcrm_id", sa.String(64), nullable=True),
        sa.Column("fortnox_id", sa.String(64), nullable=True),
        sa.Column("fortnox_type", sa.String(16), nullable=True),
        sa.Column("webcrm_snapshot", JSON_DOC, nullable=True),
        sa.Column("fortnox_snapshot", JSON_DOC, nullable=True),
        sa.Column("webcrm_hash", sa.String(128), nullable=True),
        sa.Column("fortnox_hash", sa.String(128), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("extra", JSON_DOC, nullable=False),
        _when("last_synced_at", nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.UniqueConstraint("kind", "webcrm_id", name="uq_links_webcrm"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_links_kind_state", "links", ["kind", "state"])
    op.create_index(
        "uq_links_fortnox",
        "links",
        ["kind", "fortnox_id", sa.text("coalesce(fortnox_type, '')")],
        unique=True,
    )

    op.create_table(
        "intents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("payload", JSON_DOC, nullable=False),
        _when("created_at"),
        sa.UniqueConstraint("kind", "target", "source_id", name="uq_intents_source"),
        sqlite_autoincrement=True,
    )

    op.create_table(
        "cursors",
        sa.Column("source", sa.String(32), primary_key=True),
        sa.Column("entity", sa.String(32), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _when("updated_at"),
    )

    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("direction", sa.String(32), nullable=False),
        _when("started_at"),
        _when("finished_at", nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counts", JSON_DOC, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_runs_started_at", "runs", ["started_at"])
    op.create_index("ix_runs_status", "runs", ["status"])
    op.create_index("ix_runs_direction_started", "runs", ["direction", "started_at"])

    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column(
            "link_id",
            sa.Integer(),
            sa.ForeignKey("links.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("webcrm_id", sa.String(64), nullable=True),
        sa.Column("fortnox_id", sa.String(64), nullable=True),
        sa.Column("field", sa.String(128), nullable=False),
        sa.Column("base_value", JSON_DOC, nullable=True),
        sa.Column("webcrm_value", JSON_DOC, nullable=True),
        sa.Column("fortnox_value", JSON_DOC, nullable=True),
        sa.Column("winner", sa.String(16), nullable=False),
        sa.Column("resolved_value", JSON_DOC, nullable=True),
        sa.Column("rule", sa.Text(), nullable=False),
        _when("created_at"),
        sa.Column("acknowledged", sa.Boolean(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_conflicts_link_id", "conflicts", ["link_id"])
    op.create_index("ix_conflicts_ack_created", "conflicts", ["acknowledged", "created_at"])

    op.create_table(
        "failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("operation", sa.String(32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("code", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("first_seen"),
        _when("last_seen"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", JSON_DOC, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "uq_failures_open",
        "failures",
        ["kind", "source", "source_id", "operation"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index("ix_failures_record", "failures", ["kind", "source", "source_id"])
    op.create_index("ix_failures_status_seen", "failures", ["status", "last_seen"])

    op.create_table(
        "tokens",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("access_token", sa.Text(), nullable=False),
        _when("access_expires_at", nullable=True),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        _when("refresh_expires_at", nullable=True),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=True),
        _when("updated_at"),
    )


def downgrade() -> None:
    for table in ("tokens", "failures", "conflicts", "runs", "cursors", "intents", "links"):
        op.drop_table(table)
