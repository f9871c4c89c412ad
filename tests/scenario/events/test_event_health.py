"""Event-source health: visible in status and metrics; a dead source never stops a sync."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from tests.scenario.events.conftest import COMPANY, running, until
from tests.scenario.sync.conftest import World
from wfsync.cli.status_view import collect_status, print_status
from wfsync.config import Settings, load_config
from wfsync.fortnox.event_socket import EventSocket, EventSocketClosed
from wfsync.http.errors import ConfigError
from wfsync.runtime.events import EventRuntime
from wfsync.runtime.events_health import SourceHealth
from wfsync.runtime.heartbeat import STALE_AFTER, beat
from wfsync.runtime.metrics import SyncMetrics


@asynccontextmanager
async def _unreachable(url: str) -> AsyncIterator[EventSocket]:
    raise EventSocketClosed(f"cannot connect to {url}: connection refused")
    yield  # pragma: no cover


async def test_a_dead_event_source_is_a_warning_and_the_polls_carry_the_edit(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    org_id, number = await world.linked_customer(**COMPANY)
    metrics = SyncMetrics()
    async with world.engine() as engine:
        runtime = EventRuntime(
            engine, world.settings, metrics=metrics, connector=_unreachable, listen=False
        )
        stop = asyncio.Event()
        runtime.start(stop)
        await until(lambda: runtime.fortnox_health.record.state == "down")
        await until(runtime.hooks_ready.is_set)
        world.fortnox.ui.update_customer(number, VisitingCity="Borås")
        async with runtime.turn:  # a poll cycle, in turn as `wfsync run` runs it
            await engine.sync_fortnox()
        status = collect_status(world.store)
        up = metrics.render().decode()
        stop.set()
        await runtime.close()
    assert world.webcrm.ui.organisation(org_id)["OrganisationCity"] == "Borås"
    assert status["events"]["fortnox"]["state"] == "down"
    assert "connection refused" in status["events"]["fortnox"]["error"]
    print_status(status)
    err = capsys.readouterr().err
    assert "warning: fortnox events are down; changes still sync" in " ".join(err.split())
    assert 'wfsync_event_source_up{source="fortnox"} 0.0' in up
    assert collect_status(world.store)["events"]["fortnox"]["state"] == "stopped"


async def test_health_and_metrics_follow_events_and_polls_keep_their_cursors(
    world: World,
) -> None:
    org_id, number = await world.linked_customer(**COMPANY)
    poll_cursors = {
        (source, entity): world.store.get_cursor(source, entity)
        for source, entity in [("webcrm", "organisations"), ("fortnox", "customers")]
    }
    async with running(world):
        world.webcrm.ui.update_organisation(org_id, OrganisationCity="Falun")
        await until(lambda: world.fortnox.ui.customer(number)["VisitingCity"] == "Falun")
        world.fortnox.ui.update_customer(number, VisitingCity="Gävle")
        await until(lambda: world.webcrm.ui.organisation(org_id)["OrganisationCity"] == "Gävle")
    for (source, entity), value in poll_cursors.items():
        assert world.store.get_cursor(source, entity) == value  # events never move a poll
    events = collect_status(world.store)["events"]
    assert events["webcrm"]["events"] >= 1 and events["fortnox"]["events"] >= 1
    assert events["fortnox"]["lag_seconds"] is not None
    assert collect_status(world.store)["runs"]["event"]["status"] == "ok"
    # The poll that follows finds the event-synced records unchanged.
    await world.sync()
    assert world.last_writes == 0


async def test_event_metrics_are_published(world: World) -> None:
    org_id, number = await world.linked_customer(**COMPANY)
    metrics = SyncMetrics()
    async with world.engine() as engine:
        from wfsync.fortnox.event_socket import asgi_connector

        runtime = EventRuntime(
            engine,
            world.settings,
            metrics=metrics,
            connector=asgi_connector(world.fortnox.app),
            token_check_seconds=0.01,
            listen=False,
        )
        stop = asyncio.Event()
        runtime.start(stop)
        await until(runtime.fortnox.subscribed.is_set)
        world.fortnox.ui.update_customer(number, VisitingCity="Växjö")
        await until(lambda: world.webcrm.ui.organisation(org_id)["OrganisationCity"] == "Växjö")
        await until(lambda: runtime.fortnox_health.record.events >= 1)
        stop.set()
        await runtime.close()
    text = metrics.render().decode()
    assert 'wfsync_events_total{result="synced",source="fortnox"} 1.0' in text
    assert 'wfsync_event_lag_seconds{source="fortnox"}' in text


@pytest.mark.parametrize(
    ("key", "value"),
    [("WEBHOOK_LISTEN", "localhost"), ("WEBHOOK_LISTEN", "h:99999"), ("WEBHOOK_URL", "ftp://x")],
)
def test_bad_event_settings_are_one_line_naming_the_key(key: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config("/nonexistent.toml", environ={f"WFSYNC_EVENTS__{key}": value})
    assert f"[events] {key.lower()}" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_hook_base_url_defaults_to_the_receiver() -> None:
    settings = Settings()
    assert settings.events.enabled is True
    assert settings.events.base_url == "http://127.0.0.1:8766"
    assert Settings(events={"webhook_url": "https://sync.example.com/"}).events.base_url == (
        "https://sync.example.com"
    )


def test_hooks_are_not_registered_where_webcrm_cannot_call_them() -> None:
    from wfsync.runtime.events import unreachable_hook_url

    real = Settings()  # webCRM on the internet, receiver on 127.0.0.1, no webhook_url
    assert "set [events] webhook_url" in (unreachable_hook_url(real) or "")
    public = Settings(events={"webhook_url": "https://sync.example.com"})
    assert unreachable_hook_url(public) is None
    local = Settings(webcrm={"base_url": "http://127.0.0.1:8082"})  # a simulator
    assert unreachable_hook_url(local) is None


async def test_an_unreachable_hook_url_is_a_warning_and_registers_nothing(world: World) -> None:
    await world.linked_customer(**COMPANY)
    async with world.engine() as engine:
        runtime = EventRuntime(engine, world.settings, connector=_unreachable, listen=False)
        stop = asyncio.Event()
        runtime.start(stop)
        await until(runtime.hooks_ready.is_set)
        stop.set()
        await runtime.close()
    assert world.webcrm.hooks._hooks == {}
    assert [r for r in world.webcrm.requests if "/Hooks" in r.path] == []


def test_a_run_killed_while_connected_is_not_shown_as_connected(world: World) -> None:
    """`kill -9` leaves the saved health at "connected": without a live heartbeat from
    a runner, status and the console say stopped, and why."""
    health = SourceHealth("fortnox", world.store, world.clock)
    health.connected()
    beat(world.store, world.clock.now(), next_runs={})
    alive = collect_status(world.store, world.clock.now())["events"]["fortnox"]
    world.clock.advance(STALE_AFTER.total_seconds() + 1)  # the runner died silently
    dead = collect_status(world.store, world.clock.now())["events"]["fortnox"]
    assert alive["state"] == "connected"
    assert dead["state"] == "stopped" and dead["connected_since"] is None
    assert "without closing" in dead["error"]


async def test_a_state_store_that_is_away_does_not_end_the_event_stream(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    from wfsync.runtime.events_fortnox import FortnoxEventStream

    store = world.store
    with store.engine.begin() as conn:  # the health rows cannot be written any more
        conn.exec_driver_sql("DROP TABLE cursors")
    health = SourceHealth("fortnox", store, world.clock)
    stop = asyncio.Event()

    async def tokens() -> dict[str, str]:
        return {"default": "token"}

    async def handle(_tenant: str, _entity: str, _record_id: str) -> None:
        return None

    stream = FortnoxEventStream(
        url="wss://ws.example.invalid/topics-v1",
        client_secret="s",
        access_tokens=tokens,
        store=store,
        handle=handle,
        health=health,
        clock=world.clock,
        connector=_unreachable,
    )
    task = asyncio.create_task(stream.run(stop))
    await until(lambda: "health not saved" in caplog.text)
    assert not task.done()  # still trying to connect, not dead
    stop.set()
    await task
    assert health.record.state == "stopped"
