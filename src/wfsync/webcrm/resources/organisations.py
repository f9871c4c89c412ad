"""``/Organisations``: webCRM's customers (and suppliers, partners, …).

Everything is the shared entity behaviour; what is organisation-specific is the
create answer. ``POST /Organisations`` declares no body (reference §3.3), so
pass ``lookup=(custom_fields.customer_number, number)`` to :meth:`create` when
the number slot is set — webCRM's own integration found new organisations the
same way.
"""

from __future__ import annotations

from wfsync.webcrm.models import Organisation
from wfsync.webcrm.resources.entity import EntityResource
from wfsync.webcrm.resources.session import Session

__all__ = ["Organisations"]


class Organisations(EntityResource[Organisation]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, Organisation, "Organisations", "Organisation")
