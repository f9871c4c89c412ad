"""Alembic environment for the state store.

wfsync runs migrations itself (:func:`wfsync.state.db.upgrade_to_head`) and hands
Alembic an open connection inside a transaction, so this file only configures the
context. For developers generating a new revision, a URL can be given instead:
``WFSYNC_STATE__URL=sqlite:///dev.db alembic -c <ini with script_location> revision
--autogenerate``.
"""

from __future__ import annotations

import os

from alembic import context

from wfsync.state.db import create_state_engine
from wfsync.state.models import Base

config = context.config


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


given = config.attributes.get("connection")
if given is not None:
    _run(given)
else:
    engine = create_state_engine(os.environ.get("WFSYNC_STATE__URL", "sqlite:///wfsync.db"))
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()
