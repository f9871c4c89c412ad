"""Alerts once per condition, auto-pause of a failing direction, resume, heartbeat."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from typer.testing import CliRunner

from tests.scenario.sync.conftest import World
from wfsync.cli import app as cli_app
from wfsync.clock import FakeClock
from wfsync.config import AlertSettings
from wfsync.fortnox.tokens import TokenSet
from wfsync.http.errors import WfsyncError
from wfsync.runtime.alerts import Alerter, active_alerts
from wfsync.runtime.events_health import SourceHealth
from wfsync.runtime.heartbeat import read_heartbeat
from wfsync.runtime.pause import paused
from wfsync.runtime.runner import Runner
from wfsync.state import SqlTokenStore, StateStore


class Webhook:
    """A Slack-like receiver: records every JSON body posted to it."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []

        async def hook(request: Request) -> Response:
            self.posts.append(await request.json())
            return Response("ok")

        self.app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])

    def alerter(self, store: StateStore, **settings: Any) -> Alerter:
        config = AlertSettings(webhook_url=SecretStr("https://hooks.example/hook"), **settings)
        return Alerter(store, config, transport=httpx.ASGITransport(app=self.app))


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    clock = FakeClock()
    return StateStore.open(f"sqlite:///{tmp_path / 'state.db'}", clock=clock)


def failed_run(store: StateStore, direction: str = "fortnox") -> None:
    run = store.start_run(direction)
    store.finish_run(run.id, "failed", {}, error="fortnox 503: unavailable")


async def test_failing_direction_alerts_once_then_again_after_it_recovered(
    store: StateStore,
) -> None:
    hook = Webhook()
    alerter = hook.alerter(store, failed_runs=3)
    now = store.clock.now()
    for _ in range(2):
        failed_run(store)
    assert await alerter.update(now) == [] and hook.posts == []
    failed_run(store)
    await alerter.update(now)
    await alerter.update(now)
    failed_run(store)
    await alerter.update(now)
    assert len(hook.posts) == 1  # once per condition, not once per cycle
    assert "fortnox" in hook.posts[0]["text"] and "3 runs in a row" in hook.posts[0]["text"]
    assert [a["key"] for a in active_alerts(store)] == ["failing.fortnox"]
    ok = store.start_run("fortnox")
    store.finish_run(ok.id, "ok", {"customer.updated_webcrm": 1})
    await alerter.update(now)
    assert active_alerts(store) == []
    for _ in range(3):
        failed_run(store)
    await alerter.update(now)
    assert len(hook.posts) == 2


async def test_other_conditions_token_inbox_events(store: StateStore) -> None:
    hook = Webhook()
    alerter = hook.alerter(store, inbox_threshold=2, events_disconnected_minutes=5)
    clock = store.clock
    assert isinstance(clock, FakeClock)
    now = clock.now()
    await SqlTokenStore(store).save(
        TokenSet(access_token="a", refresh_token="r", refresh_expires_at=now + timedelta(days=5))
    )
    for n in range(3):
        store.record_failure("customer", "webcrm", str(n), "sync", "bad")
    SourceHealth("fortnox", store, clock).disconnected("connection refused")
    SourceHealth("webcrm", store, clock).stopped()  # the runner ended: not a fault
    await alerter.update(clock.now())
    assert {a["key"] for a in active_alerts(store)} == {"token.expiring", "inbox.growing"}
    clock.advance(6 * 60)
    SourceHealth("fortnox", store, clock).disconnected("connection refused")  # still down
    await alerter.update(clock.now())
    keys = {a["key"] for a in active_alerts(store)}
    assert keys == {"token.expiring", "inbox.growing", "events.fortnox"}
    assert all(post["text"] for post in hook.posts) and len(hook.posts) == 3
    SourceHealth("fortnox", store, clock).connected()
    await alerter.update(clock.now())
    assert "events.fortnox" not in {a["key"] for a in active_alerts(store)}


async def test_webhook_down_keeps_the_alert_to_send_later(store: StateStore) -> None:
    async def broken(request: Request) -> Response:
        return Response("nope", status_code=500)

    app = Starlette(routes=[Route("/hook", broken, methods=["POST"])])
    config = AlertSettings(webhook_url=SecretStr("https://hooks.example/hook"), failed_runs=1)
    failed_run(store)
    alerter = Alerter(store, config, transport=httpx.ASGITransport(app=app))
    assert await alerter.update(store.clock.now()) == []
    (alert,) = active_alerts(store)
    assert alert["sent"] is False  # still shown on the banner; posted when the hook is back
    hook = Webhook()
    await hook.alerter(store, failed_runs=1).update(store.clock.now())
    assert len(hook.posts) == 1


async def test_a_direction_that_keeps_failing_is_paused_until_resumed(
    world: World, tmp_path: Path
) -> None:
    await world.import_all()
    world.settings.alerts = AlertSettings(failed_runs=2, pause_after_failed_runs=3)
    fault = world.fortnox.faults.add("/3/customers", method="GET", status=400, times=None)
    async with world.engine() as engine:
        runner = Runner(engine, world.clock)
        for _ in range(3):
            with pytest.raises(WfsyncError):
                await runner.cycle("fortnox")
        assert paused(world.store, "fortnox") is not None
        calls, runs_before = len(world.fortnox.requests), len(world.store.last_runs(100))
        assert await runner.cycle("fortnox") is None  # skipped: no calls, no run
        assert len(world.fortnox.requests) == calls
        assert len(world.store.last_runs(100)) == runs_before
        assert {a["key"] for a in active_alerts(world.store)} == {"paused.fortnox"}
        assert await runner.cycle("webcrm") is not None  # the other direction goes on
        # `wfsync sync --once` skips it too (the armed fault would fail a Fortnox run).
        webcrm_report, fortnox_report = await runner.once()
        assert "paused" in fortnox_report.warnings[0] and not webcrm_report.warnings
    world.fortnox.faults.clear()
    assert fault.fired >= 3
    config = tmp_path / "wfsync.toml"
    config.write_text(f'[state]\nurl = "{world.settings.state.url}"\n', encoding="utf-8")
    result = CliRunner().invoke(cli_app, ["--config", str(config), "resume"])
    assert result.exit_code == 0 and "fortnox" in result.output
    assert paused(world.store, "fortnox") is None
    async with world.engine() as engine:
        runner = Runner(engine, world.clock)
        assert await runner.cycle("fortnox") is not None
        failed_run(world.store, "fortnox")
        await runner.after_cycle("fortnox")  # old failures no longer count
        assert paused(world.store, "fortnox") is None


async def test_heartbeat_while_watching_and_gone_after_a_clean_stop(world: World) -> None:
    await world.import_all()
    async with world.engine() as engine:
        runner = Runner(engine, world.clock)
        stop = asyncio.Event()
        watcher = asyncio.create_task(
            runner.watch(stop, lambda: {"webcrm": world.clock.now()}, poll_seconds=0.01)
        )
        while read_heartbeat(world.store) is None:
            await asyncio.sleep(0)
        beat = read_heartbeat(world.store)
        assert beat is not None and beat.alive(world.clock.now()) and "webcrm" in beat.next_runs
        assert not beat.alive(world.clock.now() + timedelta(minutes=5))
        stop.set()
        await watcher
    assert read_heartbeat(world.store) is None
