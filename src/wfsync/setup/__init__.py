"""Setting wfsync up: connecting to Fortnox and webCRM, and checking readiness.

The CLI commands ``wfsync connect fortnox|webcrm`` and ``wfsync check`` are thin
shells over this package, which returns structured results (and raises
:class:`~wfsync.http.errors.WfsyncError` with one line) so that the same logic
can serve a dashboard or a test. See docs/setup.md.
"""

from wfsync.setup.fortnox_connect import FortnoxConnection, connect_fortnox
from wfsync.setup.readiness import CheckRow, Readiness, Status, check_readiness
from wfsync.setup.redirect import RedirectError, RedirectReceiver
from wfsync.setup.scopes import ScopeReport, compare_scopes
from wfsync.setup.webcrm_connect import SlotStatus, WebcrmConnection, connect_webcrm

__all__ = [
    "CheckRow",
    "FortnoxConnection",
    "Readiness",
    "RedirectError",
    "RedirectReceiver",
    "ScopeReport",
    "SlotStatus",
    "Status",
    "WebcrmConnection",
    "check_readiness",
    "compare_scopes",
    "connect_fortnox",
    "connect_webcrm",
]
