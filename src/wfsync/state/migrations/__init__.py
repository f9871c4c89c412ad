"""Alembic migrations of the state database, run from code by :mod:`wfsync.state.db`."""
