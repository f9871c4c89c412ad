"""The error inbox as people see it: one entry builder for `wfsync status`, its
`--json` and the console, so the three never disagree about which record an
entry is about, what is at fault or whether it waits for an edit.

The entry is plain values (ids as strings, datetimes as they are stored); each
front end adds only its own presentation (the console's record links, ISO dates).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from wfsync.explain import explain_failure, failing_field, vendor_message
from wfsync.state import Failure, Link, StateStore

__all__ = ["inbox_entry", "name_and_number"]

#: Snapshot fields that name a record, best first.
NAME_FIELDS: Final = ("name", "text")
NUMBER_FIELDS: Final = ("customer_number", "article_number", "order_number", "invoice_number")
#: "Acme AB (webCRM organisation 5): …" — messages that start with the record's name.
_NAMED: Final = re.compile(r"^(?P<name>.+?) \((?:webCRM|Fortnox)[^)]*\)")


def name_and_number(link: Link | None) -> tuple[str | None, str | None]:
    """A linked record's display name and number, from its last-synced snapshots."""
    if link is None:
        return None, None
    snap = {**(link.webcrm_snapshot or {}), **(link.fortnox_snapshot or {})}
    name = next((str(snap[k]) for k in NAME_FIELDS if snap.get(k)), None)
    number = next((str(snap[k]) for k in NUMBER_FIELDS if snap.get(k)), None)
    if name is None and link.kind == "delivery":
        name = f"{link.fortnox_type or 'order'} {link.fortnox_id}"
    return name, number or link.fortnox_id


def name_key(failure: Failure) -> str:
    """Where a name looked up for an unlinked entry is cached in the state store."""
    return f"name.{failure.kind}.{failure.source}.{failure.source_id}"


def inbox_entry(
    store: StateStore, failure: Failure, names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """One error-inbox entry with everything needed to act on it.

    ``names`` are names looked up earlier for entries whose record is not linked
    (the console caches them; keyed by :func:`name_key`)."""
    detail = failure.detail or {}
    ids: dict[str, str | None] = {"webcrm": None, "fortnox": None}
    ids[failure.source] = failure.source_id
    link = None
    if failure.source in ids:
        try:
            link = store.get_link(failure.kind, **{f"{failure.source}_id": failure.source_id})
        except LookupError:
            link = None
    if link is not None:
        ids = {"webcrm": link.webcrm_id, "fortnox": link.fortnox_id}
    for side in ("webcrm", "fortnox"):
        if detail.get(f"{side}_id"):
            ids[side] = str(detail[f"{side}_id"])
    linked_name, number = name_and_number(link)
    named = _NAMED.match(failure.message)
    name = (
        detail.get("name")
        or (named.group("name") if named else None)
        or linked_name
        or (names or {}).get(name_key(failure))
    )
    waiting = detail.get("waiting")
    if waiting is None:
        waiting = detail.get("retry") == "on_change"
    return {
        "id": failure.id,
        "kind": failure.kind,
        "source": failure.source,
        "source_id": failure.source_id,
        "operation": failure.operation,
        "status": failure.status,
        "name": name,
        "number": number,
        "webcrm_id": ids["webcrm"],
        "fortnox_id": ids["fortnox"],
        "fortnox_type": link.fortnox_type if link else None,
        "field": detail.get("field")
        or failing_field(failure.source, failure.code, failure.message),
        "value": detail.get("value"),
        "message": failure.message,
        "vendor_message": vendor_message(failure.message),
        "explanation": explain_failure(failure.source, failure.code, failure.message),
        "code": failure.code,
        "waiting": bool(waiting),
        "attempts": failure.attempts,
        "first_seen": failure.first_seen,
        "last_seen": failure.last_seen,
    }
