"""The cluster's tenants: who they are, their encrypted settings, their state.

Design (docs/architecture.md, "The cluster"): the cluster's own state URL
(PostgreSQL) holds the ``tenants`` and ``cluster_leases`` tables in its schema;
each tenant's state store is a full, ordinary wfsync state store in a schema of
its own (``wfsync_t_<name>``), reached by the same URL with
``search_path`` set. No table grows a tenant column and no sync code knows
about tenants: ``--tenant NAME`` only changes which settings a command gets.

A tenant's wfsync.toml (its credentials and sync settings) is stored whole,
Fernet-encrypted with ``WFSYNC_SECRET_KEY``, and validated again on every load
(so an upgrade that tightens a setting names the tenant and the key).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from wfsync.config import Settings, TenantSettings, settings_from_toml
from wfsync.http.errors import ConfigError
from wfsync.state import StateStore
from wfsync.state.models import TenantRow, TokenRow
from wfsync.state.secrets import SecretBox, looks_encrypted, secret_box

__all__ = ["Tenant", "TenantError", "Tenants", "schema_for", "tenant_state_url"]

NAME: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
SCHEMA_PREFIX: Final = "wfsync_t_"
#: A tenant's connection: its schema, and a stalled transaction never holds row
#: locks (the lease fence) for more than a minute.
IDLE_IN_TRANSACTION_MS: Final = 60_000


class TenantError(ConfigError):
    """No such tenant, a name taken or not allowed (one line, exit 2)."""


@dataclass(frozen=True)
class Tenant:
    name: str
    schema: str
    enabled: bool
    created_at: datetime
    updated_at: datetime


def schema_for(name: str) -> str:
    return SCHEMA_PREFIX + name.replace("-", "_")


def tenant_state_url(cluster_url: str, schema: str) -> str:
    """The cluster's PostgreSQL URL with the tenant's schema first on the search path."""
    url = make_url(cluster_url)
    options = (
        f"-csearch_path={schema} -cidle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}"
    )
    query = dict(url.query)
    query.pop("options", None)
    query["options"] = options
    return url.set(query=query).render_as_string(hide_password=False)


def _tenant(row: TenantRow) -> Tenant:
    return Tenant(row.name, row.schema_name, row.enabled, row.created_at, row.updated_at)


class Tenants:
    """The tenants table of a cluster state store (use as a context manager)."""

    def __init__(self, store: StateStore, box: SecretBox | None) -> None:
        if store.backend != "postgresql":
            raise ConfigError(
                "[state] url: the cluster needs PostgreSQL "
                "(postgresql+psycopg://user@host/db), not SQLite"
            )
        self.store = store
        self._box = box
        self.cluster_url = store.engine.url.render_as_string(hide_password=False)
        self._schema = ""

    @classmethod
    def open(cls, settings: Settings, *, need_key: bool = True) -> Tenants:
        """The cluster's tenants; ``need_key`` makes a missing WFSYNC_SECRET_KEY one line."""
        if not settings.state.url.startswith(("postgresql", "postgres")):
            raise ConfigError(
                "[state] url: the cluster needs PostgreSQL "
                "(postgresql+psycopg://user@host/db), not SQLite"
            )
        box = secret_box(required=need_key)
        return cls(StateStore.open(settings.state.url, pool_size=1), box)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Tenants:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def box(self) -> SecretBox:
        if self._box is None:
            self._box = secret_box(required=True)
        assert self._box is not None
        return self._box

    # --- reading ---------------------------------------------------------------
    def list(self, *, enabled_only: bool = False) -> list[Tenant]:
        stmt = sa.select(TenantRow).order_by(TenantRow.name)
        if enabled_only:
            stmt = stmt.where(TenantRow.enabled.is_(True))
        with self.store._read() as session:
            return [_tenant(row) for row in session.scalars(stmt)]

    def get(self, name: str) -> Tenant:
        with self.store._read() as session:
            row = session.get(TenantRow, name)
            if row is None:
                raise TenantError(f"no tenant {name!r} (see `wfsync tenants list`)")
            return _tenant(row)

    def by_hook_token(self, token: str) -> str | None:
        """The enabled tenant whose webCRM hooks carry ``token`` in their path."""
        with self.store._read() as session:
            found = session.scalar(
                sa.select(TenantRow.name).where(
                    TenantRow.hook_token == token, TenantRow.enabled.is_(True)
                )
            )
        return str(found) if found is not None else None

    def config_text(self, name: str) -> str:
        with self.store._read() as session:
            row = session.get(TenantRow, name)
            if row is None:
                raise TenantError(f"no tenant {name!r} (see `wfsync tenants list`)")
            return self.box.decrypt(row.config)

    def state_url(self, name: str) -> str:
        return tenant_state_url(self.cluster_url, self.get(name).schema)

    def settings_for(self, name: str) -> TenantSettings:
        """The tenant's own settings, its state pointed at its schema in the cluster."""
        settings = settings_from_toml(self.config_text(name), f"tenant {name}")
        settings.state.url = self.state_url(name)
        return settings

    # --- changing ----------------------------------------------------------------
    def add(self, name: str, config_text: str, *, from_state: str | None = None) -> Tenant:
        """Register a tenant from its wfsync.toml (validated), create and migrate its schema;
        with ``from_state``, copy a single-tenant install's state into it
        (:mod:`wfsync.cluster.move`)."""
        if not NAME.match(name):
            raise TenantError(
                f"tenant name {name!r}: use 1-40 lower-case letters, digits, '-' or '_', "
                "starting with a letter or digit"
            )
        settings_from_toml(config_text, f"tenant {name}")  # refuse a bad file now
        schema = schema_for(name)
        now = self.store.clock.now()
        sealed = self.box.encrypt(config_text)
        with self.store.transaction(), self.store._write() as session:
            if session.get(TenantRow, name) is not None:
                raise TenantError(f"tenant {name!r} exists (remove it first, or pick a name)")
            taken = session.scalar(sa.select(TenantRow.name).where(TenantRow.schema_name == schema))
            if taken is not None:
                raise TenantError(f"tenant name {name!r} clashes with {taken!r} (same schema)")
            session.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            session.add(
                TenantRow(
                    name=name,
                    schema_name=schema,
                    enabled=True,
                    config=sealed,
                    created_at=now,
                    updated_at=now,
                )
            )
        target = StateStore.open(tenant_state_url(self.cluster_url, schema))  # migrate now
        try:
            if from_state is not None:
                from wfsync.cluster.move import copy_state

                source = StateStore.open(from_state)
                try:
                    copy_state(source, target, self.box)
                except BaseException:
                    self.remove(name, drop_state=True)
                    raise
                finally:
                    source.close()
        finally:
            target.close()
        return self.get(name)

    def replace_config(self, name: str, config_text: str) -> None:
        settings_from_toml(config_text, f"tenant {name}")
        with self.store._write() as session:
            row = session.get(TenantRow, name)
            if row is None:
                raise TenantError(f"no tenant {name!r} (see `wfsync tenants list`)")
            row.config = self.box.encrypt(config_text)
            row.updated_at = self.store.clock.now()

    def set_enabled(self, name: str, enabled: bool) -> Tenant:
        with self.store._write() as session:
            row = session.get(TenantRow, name)
            if row is None:
                raise TenantError(f"no tenant {name!r} (see `wfsync tenants list`)")
            row.enabled = enabled
            row.updated_at = self.store.clock.now()
        return self.get(name)

    def remove(self, name: str, *, drop_state: bool) -> Tenant:
        tenant = self.get(name)
        with self.store._write() as session:
            session.execute(sa.delete(TenantRow).where(TenantRow.name == name))
            if drop_state:
                session.execute(sa.text(f'DROP SCHEMA IF EXISTS "{tenant.schema}" CASCADE'))
        return tenant

    def rotate_keys(self) -> int:
        """Re-encrypt every tenant's settings *and* its stored tokens with the first key
        of WFSYNC_SECRET_KEY, so the old key can be dropped right after (not an hour
        later, when every token has been refreshed once)."""
        with self.store._write() as session:
            rows = list(session.scalars(sa.select(TenantRow)))
            for row in rows:
                row.config = self.box.rotate(row.config)
        for row in rows:
            self._rotate_tokens(row.name)
        return len(rows)

    def _rotate_tokens(self, name: str) -> None:
        """Re-encrypt one tenant's token rows. ``FOR UPDATE`` makes a worker's refresh
        that saves meanwhile wait for this and then win: a freshly saved token is
        never overwritten by the re-encrypted older one."""
        columns = (TokenRow.name, TokenRow.access_token, TokenRow.refresh_token)
        store = StateStore.open(self.state_url(name), pool_size=1)
        try:
            with store.engine.begin() as conn:
                for token in conn.execute(sa.select(*columns).with_for_update()).mappings():
                    values = {
                        key: self.box.rotate(token[key])
                        for key in ("access_token", "refresh_token")
                        if token[key] and looks_encrypted(token[key])
                    }
                    if values:
                        where = TokenRow.name == token["name"]
                        conn.execute(sa.update(TokenRow).where(where).values(**values))
        finally:
            store.close()
