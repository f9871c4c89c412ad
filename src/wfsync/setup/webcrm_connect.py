"""Connect to webCRM: prove the API token works and show what the tenant offers.

webCRM needs no consent flow — an admin creates an application token in the
webCRM UI and puts it in ``[webcrm] auth_code``. What goes wrong in practice
is the tenant's set-up, so ``wfsync connect webcrm`` (and ``wfsync check``)
also read ``/FieldsMetadata`` and report:

* the organisation **Type** options, and which configured customer types
  (``[sync] customer_types``, ``company_type``, ``private_type``) are not among
  them — an organisation can never carry a Type that does not exist, so such a
  customer would never sync;
* each ``[webcrm.custom_fields]`` slot and whether the tenant has configured it
  (webCRM's API cannot create custom fields, §4.3 of the reference).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from wfsync.clock import Clock
from wfsync.config import Settings, SyncSettings
from wfsync.http.errors import AuthError
from wfsync.http.retry import RetryPolicy
from wfsync.webcrm.client import WebcrmClient
from wfsync.webcrm.custom_fields import check_custom_fields, is_configurable_slot

__all__ = [
    "SlotStatus",
    "WebcrmConnection",
    "configured_types",
    "connect_webcrm",
    "inspect_webcrm",
    "with_token_hint",
]

#: A person is waiting: two quick tries, not five slow ones.
PROBE_RETRY = RetryPolicy(attempts=2, base=0.5, cap=2.0)


@dataclass(frozen=True)
class SlotStatus:
    """One ``[webcrm.custom_fields]`` entry as found in the tenant."""

    logical: str
    slot: str
    #: True/False for a Custom/Plus/ExtraCustom slot; None for a built-in column (always there).
    found: bool | None
    #: The admin's label in webCRM ("" when unknown or built-in).
    label: str


@dataclass(frozen=True)
class WebcrmConnection:
    """What the tenant looks like to wfsync."""

    #: Type options as webCRM lists them (placeholder first); [] when the metadata lacks them.
    organisation_types: list[str]
    #: Configured types that are not options; [] when the options are unknown.
    unknown_types: list[str]
    slots: list[SlotStatus]
    #: One line per configured slot missing in the tenant (from check_custom_fields).
    slot_problems: list[str]

    @property
    def types_known(self) -> bool:
        return bool(self.organisation_types)

    def slot(self, logical: str) -> SlotStatus:
        return next(s for s in self.slots if s.logical == logical)


def configured_types(sync: SyncSettings) -> list[str]:
    """Every Type value the configuration relies on, in config order, without repeats."""
    named = [*sync.customer_types, sync.company_type, sync.private_type]
    return list(dict.fromkeys(t for t in named if t))


async def inspect_webcrm(client: WebcrmClient, settings: Settings) -> WebcrmConnection:
    """Log in and read the tenant's Type options and custom-field slots (4–5 requests).

    Raises :class:`~wfsync.http.errors.AuthError` for a bad token and
    :class:`~wfsync.http.errors.ConfigError` when none is configured.
    """
    await client.check_connection()
    problems = await check_custom_fields(client, settings.webcrm.custom_fields)
    slots = [
        SlotStatus(
            logical=logical,
            slot=slot,
            found=client.custom_fields.exists(slot) if is_configurable_slot(slot) else None,
            label=client.custom_fields.label(slot),
        )
        for logical, slot in settings.webcrm.custom_fields.model_dump().items()
    ]
    options = await client.organisation_types()
    unknown = [t for t in configured_types(settings.sync) if options and t not in options]
    return WebcrmConnection(options, unknown, slots, problems)


async def connect_webcrm(
    settings: Settings,
    *,
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> WebcrmConnection:
    """``wfsync connect webcrm``: validate the token and describe the tenant."""
    async with WebcrmClient(
        settings.webcrm, clock=clock, transport=transport, retry=PROBE_RETRY
    ) as client:
        try:
            return await inspect_webcrm(client, settings)
        except AuthError as exc:
            raise AuthError(
                with_token_hint(exc.message), system=exc.system, status=exc.status
            ) from None


def with_token_hint(message: str) -> str:
    """``message`` plus where the token is configured, unless it already says so."""
    if "auth_code" in message:
        return message
    return message + ": check [webcrm] auth_code (an API token created in webCRM)"
