"""Moving a single-tenant install into the cluster with its state.

``wfsync tenants add NAME --config FILE --from-state URL`` copies every row of
the install's state store (SQLite, usually) into the new tenant's schema:
links with their snapshots, cursors, open intents, run history, conflicts, the
error inbox, the console's values and history, and the Fortnox tokens (which
are encrypted on the way in). The tenant then carries on exactly where
``wfsync run`` stopped — no re-import, no re-consent. Stop ``wfsync run``
first: its refresh token rotates, and a copy taken while it runs may be stale.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

from wfsync.state import StateStore
from wfsync.state.models import (
    ConflictRow,
    ConsoleRequestRow,
    ConsoleValueRow,
    CursorRow,
    FailureRow,
    HistoryRow,
    IntentRow,
    LinkRow,
    RunRow,
    TokenRow,
)
from wfsync.state.secrets import SecretBox, looks_encrypted

__all__ = ["TABLES", "copy_state"]

#: In an order that satisfies the foreign keys (conflicts point at links).
TABLES: Final = (
    LinkRow,
    IntentRow,
    CursorRow,
    RunRow,
    ConflictRow,
    FailureRow,
    TokenRow,
    ConsoleValueRow,
    ConsoleRequestRow,
    HistoryRow,
)
BATCH: Final = 500


def copy_state(source: StateStore, target: StateStore, box: SecretBox | None) -> dict[str, int]:
    """Copy every row from ``source`` into the empty ``target``; rows per table."""
    copied: dict[str, int] = {}
    with source.engine.connect() as reader, target.engine.begin() as writer:
        for model in TABLES:
            table = model.__table__
            assert isinstance(table, sa.Table)
            if writer.execute(sa.select(sa.func.count()).select_from(table)).scalar_one():
                raise ValueError(f"the tenant's {table.name} is not empty: copy into a new tenant")
            count = 0
            result = reader.execution_options(stream_results=True).execute(sa.select(table))
            for rows in result.mappings().partitions(BATCH):
                values = [dict(row) for row in rows]
                if model is TokenRow and box is not None:
                    for row in values:
                        for key in ("access_token", "refresh_token"):
                            if row[key] and not looks_encrypted(row[key]):
                                row[key] = box.encrypt(row[key])
                writer.execute(sa.insert(table), values)
                count += len(values)
            copied[table.name] = count
            if writer.dialect.name == "postgresql" and "id" in table.c:
                writer.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                    )
                )
    return copied
