"""Engines for the state database, and the migrations runner.

Two backends are supported, chosen by URL: SQLite (the default, one small
company on one machine) and PostgreSQL through psycopg 3 (many tenants, several
workers). Everything backend-specific about *connections* lives here:

* SQLite runs in WAL mode (readers never wait for the writer), with a busy
  timeout and foreign keys on. wfsync issues BEGIN itself instead of letting the
  sqlite3 module guess: writes use ``BEGIN IMMEDIATE`` so a read-then-write
  transaction can never fail half-way with "database is locked", and reads
  outside a transaction use a plain deferred ``BEGIN`` so ``wfsync status`` never
  waits for a running sync.
* A new SQLite file is created readable by its owner only: it holds the Fortnox
  refresh token.
* Migrations run from code on every open (:func:`upgrade_to_head`), serialised
  between processes (``BEGIN IMMEDIATE`` on SQLite, a transaction-level advisory
  lock on PostgreSQL), so users never run Alembic by hand.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from pydantic import BaseModel
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import StaticPool

from wfsync.state.records import StateError

__all__ = [
    "READ_ONLY",
    "advisory_key",
    "alembic_config",
    "create_state_engine",
    "current_revision",
    "head_revision",
    "parse_state_url",
    "redact",
    "sqlite_path",
    "upgrade_to_head",
]

MIGRATIONS_DIR: Final = Path(__file__).with_name("migrations")
#: Execution option marking a connection whose transaction only reads (SQLite: deferred BEGIN).
READ_ONLY: Final = "wfsync_read_only"
BUSY_TIMEOUT_MS: Final = 15_000


def parse_state_url(url: str | URL) -> URL:
    """Parse a state URL, defaulting PostgreSQL to the psycopg 3 driver we ship."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StateError(
            f"unsupported state database {parsed.get_backend_name()!r}: "
            "use sqlite:///path.db or postgresql+psycopg://user@host/db"
        )
    return parsed


def redact(url: str | URL) -> str:
    """The URL with its password hidden, for messages and reprs."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_path(url: URL) -> Path | None:
    """The database file of a SQLite URL; None for an in-memory database."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or url.query.get("mode") == "memory":
        return None
    return Path(database)


def _json_default(value: Any) -> Any:
    """JSON for the values canonical records hold; they read back as JSON types."""
    if isinstance(value, Decimal):
        return str(value)  # exact; pydantic turns it back into a Decimal
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _json_dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False)


#: Engine options for both backends. Bound parameters are kept out of error
#: messages and logs: they include OAuth tokens and customers' personal data.
_COMMON: Final[dict[str, Any]] = {"json_serializer": _json_dumps, "hide_parameters": True}


def create_state_engine(url: str | URL, *, pool_size: int | None = None) -> Engine:
    """An engine configured for the state store; does not touch the schema.

    ``pool_size`` (PostgreSQL): connections kept open when idle (the cluster's
    workers keep one; more are opened while needed and closed after)."""
    parsed = parse_state_url(url)
    if parsed.get_backend_name() == "postgresql":
        sizing = {} if pool_size is None else {"pool_size": pool_size}
        return sa.create_engine(parsed, pool_pre_ping=True, **sizing, **_COMMON)
    return _sqlite_engine(parsed)


def _sqlite_engine(url: URL) -> Engine:
    path = sqlite_path(url)
    if path is None:
        engine = sa.create_engine(
            url,
            poolclass=StaticPool,  # one shared connection, or each session sees its own db
            connect_args={"check_same_thread": False},
            **_COMMON,
        )
    else:
        _create_private_file(path)
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **_COMMON)
    in_memory = path is None

    @sa.event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")  # durable enough in WAL mode
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def _create_private_file(path: Path) -> None:
    """Create the database file mode 0600 (it stores OAuth tokens) if it is new."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise StateError(f"cannot create the state database {path}: {exc.strerror}") from exc
    os.close(fd)


def advisory_key(conn: sa.Connection, purpose: str) -> int:
    """A PostgreSQL advisory-lock key for ``purpose`` in this connection's schema.

    Advisory locks are per database, not per schema, so the current schema goes
    into the key: tenants kept in separate schemas never block each other.
    """
    schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one_or_none() or ""
    digest = hashlib.blake2b(f"wfsync:{schema}:{purpose}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def alembic_config() -> Config:
    """Alembic configuration pointing at the migrations shipped in this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise StateError("no migrations found in the wfsync package")
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision recorded in the database; None before the first open."""
    with engine.connect().execution_options(**{READ_ONLY: True}) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_to_head(engine: Engine) -> None:
    """Bring the schema to the newest revision; safe to call on every start.

    An up-to-date database is only read (no write lock), so ``wfsync status``
    opens instantly while a sync is writing.
    """
    config = alembic_config()
    try:
        if current_revision(engine) == head_revision():
            return
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                key = advisory_key(conn, "migrate")
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    except CommandError as exc:
        raise StateError(
            f"state database {redact(engine.url)} has a schema this wfsync does not know "
            f"({exc}); was it written by a newer version?"
        ) from exc
    except sa.exc.DBAPIError as exc:  # unreachable server, not a database file, no rights
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StateError(f"cannot open state database {redact(engine.url)}: {reason}") from exc
