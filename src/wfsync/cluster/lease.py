"""One run per tenant and direction across every worker, with fencing tokens.

A Celery task can be delivered twice (a worker killed before acknowledging, a
visibility timeout) and a worker can stall (GC pause, SIGSTOP, a hung
network) long enough for another to take over. So before a run, a worker
takes the row ``cluster_leases(tenant, direction)``:

* free or expired → it becomes the holder, ``token`` goes up by one, and the
  lease lasts ``[cluster] lease_seconds`` (renewed every third of that while
  the run is alive);
* held by someone else and not expired → the run is skipped: someone is on it.

Fencing: the tenant's state store checks the token at the start of **every
write transaction** (``StateStore.fence``) with ``SELECT … FOR SHARE``: the
row must still carry our token and not be expired. The share lock is held
until that transaction commits, so a takeover (an ``UPDATE`` of the row) waits
for it and every later write of the old holder fails with
:class:`LeaseLostError` — a stalled worker cannot write after losing its lease.
Calls to the vendors are made between transactions; the engine's intents make
a create interrupted that way safe (the next holder looks before creating).

Inside a run the state store's own single-writer lease (``wfsync.state.lease``,
an advisory lock in the tenant's schema) is taken as always, so the tenant's
two directions still never write at the same moment.

Times come from the caller's clock (``now`` arguments), so tests use FakeClock;
workers use the system clock (keep NTP on).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from wfsync.clock import Clock
from wfsync.http.errors import WfsyncError
from wfsync.state import StateStore
from wfsync.state.models import LeaseRow

__all__ = ["ClusterLeases", "LeaseLostError", "LeaseTicket"]


class LeaseLostError(WfsyncError):
    """This worker's lease on a tenant's direction was taken over (it stalled):
    nothing more may be written by this run."""

    fatal_for_run = True


@dataclass(frozen=True)
class LeaseTicket:
    tenant: str
    direction: str
    token: int
    holder: str


class ClusterLeases:
    """The ``cluster_leases`` table of the cluster's own state store."""

    def __init__(self, store: StateStore, *, seconds: float, clock: Clock) -> None:
        self.store = store
        self.seconds = seconds
        self.clock = clock
        self._table = _qualified(store)

    def try_acquire(self, tenant: str, direction: str, holder: str) -> LeaseTicket | None:
        """Take the lease if it is free or expired; None if someone else holds it."""
        now = self.clock.now()
        until = now + timedelta(seconds=self.seconds)
        insert = postgresql.insert(LeaseRow).values(
            tenant=tenant, direction=direction, token=1, holder=holder, expires_at=until
        )
        stmt = insert.on_conflict_do_update(
            index_elements=[LeaseRow.tenant, LeaseRow.direction],
            set_={
                "token": LeaseRow.token + 1,
                "holder": insert.excluded.holder,
                "expires_at": insert.excluded.expires_at,
            },
            where=LeaseRow.expires_at <= now,
        ).returning(LeaseRow.token)
        with self.store._write() as session:
            token = session.execute(stmt).scalar_one_or_none()
        if token is None:
            return None
        return LeaseTicket(tenant, direction, int(token), holder)

    def renew(self, ticket: LeaseTicket) -> bool:
        """Extend our lease; False if it was lost (expired and taken, or expired)."""
        now = self.clock.now()
        stmt = (
            sa.update(LeaseRow)
            .where(
                LeaseRow.tenant == ticket.tenant,
                LeaseRow.direction == ticket.direction,
                LeaseRow.token == ticket.token,
                LeaseRow.expires_at > now,
            )
            .values(expires_at=now + timedelta(seconds=self.seconds))
        )
        with self.store._write() as session:
            renewed = session.execute(stmt.returning(LeaseRow.token)).scalar_one_or_none()
        return renewed is not None

    def release(self, ticket: LeaseTicket) -> None:
        """Let the next run in at once (the token stays: it only ever grows)."""
        stmt = (
            sa.update(LeaseRow)
            .where(
                LeaseRow.tenant == ticket.tenant,
                LeaseRow.direction == ticket.direction,
                LeaseRow.token == ticket.token,
            )
            .values(expires_at=self.clock.now(), holder=None)
        )
        with self.store._write() as session:
            session.execute(stmt)

    def holder(self, tenant: str, direction: str) -> tuple[str | None, datetime] | None:
        with self.store._read() as session:
            row = session.get(LeaseRow, (tenant, direction))
            return (row.holder, row.expires_at) if row is not None else None

    def fence(self, ticket: LeaseTicket) -> Fence:
        return Fence(self._table, ticket, self.clock)


class Fence:
    """``StateStore.fence`` for a tenant's store: refuse writes once the lease is lost."""

    def __init__(self, table: str, ticket: LeaseTicket, clock: Clock) -> None:
        self._sql = sa.text(
            f"SELECT token, expires_at FROM {table} "
            "WHERE tenant = :tenant AND direction = :direction FOR SHARE"
        )
        self.ticket = ticket
        self.clock = clock

    def __call__(self, session: Session) -> None:
        row = session.execute(
            self._sql, {"tenant": self.ticket.tenant, "direction": self.ticket.direction}
        ).one_or_none()
        if row is None or int(row[0]) != self.ticket.token or row[1] <= self.clock.now():
            raise LeaseLostError(
                f"lease on {self.ticket.tenant}/{self.ticket.direction} lost "
                f"(token {self.ticket.token}): another worker took over; this run stops writing"
            )


def _qualified(store: StateStore) -> str:
    """``"schema".cluster_leases`` of the cluster store, usable from a tenant's connection."""
    with store.engine.connect() as conn:
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
    return f'"{schema}".cluster_leases'
