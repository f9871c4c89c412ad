"""Alerts: say once, loudly, what needs a person — before it breaks.

Whichever process notices a condition (``wfsync run`` after each cycle,
``wfsync sync --once``, a worker) evaluates :func:`conditions` and hands them
to :class:`Alerter`, which posts each *new* condition once to
``[alerts] webhook_url`` (a JSON body with a non-empty ``text``, which Slack and
most chat tools accept) and keeps it in the state store, where the console shows
it as a banner. A condition that clears is forgotten, so it alerts again if it
comes back. "Once per condition, not once per cycle" holds across processes
because the memory of what was sent is in the shared store.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import httpx

from wfsync.config import AlertSettings
from wfsync.runtime.events_health import read_health
from wfsync.runtime.pause import DIRECTIONS, failing_streak, paused
from wfsync.state import StateStore

__all__ = ["ALERT_PREFIX", "TOKEN_REJECTED_KEY", "Alert", "Alerter", "active_alerts", "conditions"]

log = logging.getLogger("wfsync.alerts")

ALERT_PREFIX: Final = "alert."
#: Set by the runner when Fortnox refuses the refresh token (a new consent is needed).
TOKEN_REJECTED_KEY: Final = "fortnox.token_rejected"
#: When an event source was first seen down (``events.down_since.<source>``).
DOWN_SINCE_PREFIX: Final = "events.down_since."
WEBHOOK_TIMEOUT: Final = 10.0


@dataclass(frozen=True)
class Alert:
    """One condition: ``key`` names it (one alert per key), ``text`` says what to do."""

    key: str
    text: str


def conditions(store: StateStore, settings: AlertSettings, now: datetime) -> list[Alert]:
    """Every condition that holds right now."""
    found: list[Alert] = []
    rejected = store.get_value(TOKEN_REJECTED_KEY)
    if rejected:
        found.append(
            Alert(
                "token.rejected",
                f"Fortnox rejected the refresh token ({rejected}): run `wfsync connect fortnox`.",
            )
        )
    times = store.token_times("fortnox")
    if times is not None and times[1] is not None and not rejected:
        left = times[1] - now
        if left < timedelta(days=settings.token_expiry_days):
            found.append(
                Alert(
                    "token.expiring",
                    f"The Fortnox refresh token expires {times[1]:%Y-%m-%d %H:%M} UTC: "
                    "run `wfsync connect fortnox` before then.",
                )
            )
    for direction in DIRECTIONS:
        pause = paused(store, direction)
        if pause is not None:
            found.append(
                Alert(
                    f"paused.{direction}",
                    f"The {direction} direction is paused: {pause['reason']}. Resume it in the "
                    "console or with `wfsync resume` once the cause is fixed.",
                )
            )
            continue
        streak = failing_streak(store, direction)
        if streak >= settings.failed_runs:
            found.append(
                Alert(
                    f"failing.{direction}",
                    f"The {direction} direction has failed {streak} runs in a row; "
                    "see the Runs page of the console.",
                )
            )
    open_errors = len(store.failures(status="open"))
    if open_errors > settings.inbox_threshold:
        found.append(
            Alert(
                "inbox.growing",
                f"The error inbox holds {open_errors} open entries "
                f"(threshold {settings.inbox_threshold}).",
            )
        )
    found += _events_down(store, settings, now)
    return found


def _events_down(store: StateStore, settings: AlertSettings, now: datetime) -> list[Alert]:
    """An event source down for a while (``stopped`` with the runner is not a fault).

    The health record says *that* a source is down, not since when (each failed
    reconnect saves it again), so the first sighting is remembered here."""
    found = []
    for source, health in read_health(store, now).items():
        key = f"{DOWN_SINCE_PREFIX}{source}"
        if health.get("state") != "down":
            store.delete_value(key)
            continue
        seen: Any = store.get_value(key)
        if not isinstance(seen, str):
            store.set_value(key, now.isoformat())
            continue
        since = datetime.fromisoformat(seen)
        if now - since >= timedelta(minutes=settings.events_disconnected_minutes):
            why = health.get("error") or "not connected"
            found.append(
                Alert(
                    f"events.{source}",
                    f"{source} change events have been down since {since:%Y-%m-%d %H:%M} UTC "
                    f"({why}); polling goes on as the safety net.",
                )
            )
    return found


def active_alerts(store: StateStore) -> list[dict[str, Any]]:
    """What the console's banner shows: ``{"key", "text", "since", "sent"}``, oldest first."""
    rows = [
        {"key": key.removeprefix(ALERT_PREFIX), **value}
        for key, value in store.values(ALERT_PREFIX).items()
        if isinstance(value, dict)
    ]
    return sorted(rows, key=lambda row: str(row.get("since", "")))


class Alerter:
    """Posts each new condition once and remembers it in the state store."""

    def __init__(
        self,
        store: StateStore,
        settings: AlertSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self._transport = transport

    async def update(self, now: datetime) -> list[Alert]:
        """Evaluate the conditions; send the new ones. Returns those sent now."""
        current = conditions(self.store, self.settings, now)
        known = {
            key.removeprefix(ALERT_PREFIX): value
            for key, value in self.store.values(ALERT_PREFIX).items()
        }
        for key in set(known) - {alert.key for alert in current}:
            self.store.delete_value(ALERT_PREFIX + key)  # cleared: may alert again later
        sent = []
        for alert in current:
            previous = known.get(alert.key)
            if isinstance(previous, dict) and previous.get("sent"):
                continue
            delivered = await self._post(alert)
            since = previous.get("since") if isinstance(previous, dict) else None
            self.store.set_value(
                ALERT_PREFIX + alert.key,
                {"text": alert.text, "since": since or now.isoformat(), "sent": delivered},
            )
            if delivered:
                sent.append(alert)
        return sent

    async def _post(self, alert: Alert) -> bool:
        """True when delivered (or when there is no webhook: the banner is the delivery)."""
        url = self.settings.webhook_url.get_secret_value()
        log.warning("alert: %s", alert.text)
        if not url:
            return True
        try:
            async with httpx.AsyncClient(
                transport=self._transport, timeout=WEBHOOK_TIMEOUT
            ) as client:
                response = await client.post(url, json={"text": f"wfsync: {alert.text}"})
            response.raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("alert webhook failed (%s); will try again", type(exc).__name__)
            return False
        return True
