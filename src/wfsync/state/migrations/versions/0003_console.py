"""The operator's console: shared values, admin requests and the per-record history.

Revision ID: 0003_console
Revises: 0001_initial
Create Date: 2026-12-04

Self-contained on purpose (no imports from wfsync.state.models).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_console"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "console_values",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", JSON_DOC, nullable=True),
        _when("updated_at"),
    )
    op.create_table(
        "console_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        _when("created_at"),
        _when("done_at", nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_console_requests_status", "console_requests", ["status", "id"])
    op.create_table(
        "record_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("webcrm_id", sa.String(64), nullable=True),
        sa.Column("fortnox_id", sa.String(64), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        _when("at"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_record_history_webcrm", "record_history", ["kind", "webcrm_id"])
    op.create_index("ix_record_history_fortnox", "record_history", ["kind", "fortnox_id"])
    op.create_index("ix_record_history_at", "record_history", ["at"])


def downgrade() -> None:
    for table in ("record_history", "console_requests", "console_values"):
        op.drop_table(table)
