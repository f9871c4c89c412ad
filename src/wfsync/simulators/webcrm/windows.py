"""The ``FindByCreateDates`` / ``FindByUpdateDates`` windows (reference §4.1, §9.2).

Path date-times arrive as ``yyyy-MM-ddTHH:mm:ss`` (what webCRM's own client
sent) and are read as UTC; an explicit offset or fraction is honoured. The
window is half-open: ``start <= stamp < end``.
"""

from __future__ import annotations

from datetime import datetime

from starlette.responses import Response

from wfsync.simulators.webcrm.crud import listing
from wfsync.simulators.webcrm.errors import BadRequest
from wfsync.simulators.webcrm.routing import Call
from wfsync.simulators.webcrm.store import Collection
from wfsync.simulators.webcrm.values import parse_datetime

__all__ = ["window_listing"]


def _path_instant(call: Call, name: str) -> datetime:
    raw = call.params[name]
    try:
        return parse_datetime(raw)
    except ValueError:
        raise BadRequest(f"The value '{raw}' is not a valid date-time for {name}.") from None


def window_listing(call: Call, collection: Collection, stamp: str) -> Response:
    """Records of ``collection`` whose ``stamp`` lies in the path's [start, end) window."""
    start = _path_instant(call, "startDate")
    end = _path_instant(call, "endDate")
    records = [
        record
        for record in collection.rows()
        if record[stamp] is not None and start <= record[stamp] < end
    ]
    return listing(call, collection, records)
