"""The cluster: tenants, per tenant+direction leases with fencing tokens, and the
worker that ran each run.

Revision ID: 0004_cluster
Revises: 0003_console
Create Date: 2026-12-05

Self-contained on purpose (no imports from wfsync.state.models). The tenants and
cluster_leases tables are used in the cluster's own schema; a tenant's schema
(and a single-tenant SQLite file) has them too, empty: one linear history.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_cluster"
down_revision: str | None = "0003_console"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("schema_name", sa.String(63), nullable=False, unique=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("config", sa.Text(), nullable=False),
        sa.Column("hook_token", sa.String(64), nullable=True, unique=True),
        _when("created_at"),
        _when("updated_at"),
    )
    op.create_table(
        "cluster_leases",
        sa.Column("tenant", sa.String(40), primary_key=True),
        sa.Column("direction", sa.String(16), primary_key=True),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.Column("holder", sa.String(200), nullable=True),
        _when("expires_at"),
    )
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("worker", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("worker")
    op.drop_table("cluster_leases")
    op.drop_table("tenants")
