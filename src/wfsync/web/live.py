"""Read a linked record from both systems now, for the console's record page.

Read-only (no lease needed): two GETs, mapped to the canonical fields, so the
page can show each system's current values beside the last-synced snapshots.
Only customers for now; articles and deliveries show their snapshots.
"""

from __future__ import annotations

from typing import Any

from wfsync.fortnox.mapping import customer_from_fortnox
from wfsync.http.errors import WfsyncError
from wfsync.sync.engine import SyncEngine
from wfsync.webcrm.mapping import customer_from_webcrm

__all__ = ["read_now"]


async def read_now(
    engine: SyncEngine, kind: str, webcrm_id: str | None, fortnox_id: str | None
) -> dict[str, Any]:
    """``{"webcrm": {...}, "fortnox": {...}}`` current values, or ``{"error": "…"}``."""
    if kind != "customer" or webcrm_id is None or fortnox_id is None:
        return {}
    settings = engine.settings
    try:
        org = await engine.webcrm.organisations.get(int(webcrm_id))
        record = await engine.fortnox.customers.get(fortnox_id)
    except WfsyncError as exc:
        return {"error": str(exc)}
    return {
        "webcrm": customer_from_webcrm(org, settings.webcrm.custom_fields, settings.sync).values(),
        "fortnox": customer_from_fortnox(record).values(),
    }
