"""Many tenants on Celery workers, Redis and PostgreSQL (docs/deploy.md).

* :mod:`wfsync.cluster.tenants` — the tenants table; each tenant's wfsync.toml
  encrypted at rest; each tenant's state in a PostgreSQL schema of its own.
* :mod:`wfsync.cluster.lease` — one run per tenant and direction across all
  workers, with fencing tokens checked by every write.
* :mod:`wfsync.cluster.window` — the API budgets shared by every worker
  (a Redis sliding window in a Lua script).
* :mod:`wfsync.cluster.schedule` — the 6/3 cadence, staggered across tenants.
* :mod:`wfsync.cluster.tasks` — the Celery app and its tasks.
* :mod:`wfsync.cluster.worker` — one tenant's run inside a worker process.
* :mod:`wfsync.cluster.move` — a single-tenant install's state copied in.
* :mod:`wfsync.cluster.console` — every tenant's console behind one login.
* :mod:`wfsync.cluster.hooks` — webCRM hook callbacks routed to their tenant.

The single-tenant install (SQLite, ``wfsync run``) imports none of this.
"""
