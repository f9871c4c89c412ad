"""The console in a real browser (Debian's chromium driven by Playwright), on the simulators.

One story, as an admin lives it: log in (a wrong password first), find the record
Fortnox refused, fix it "in webCRM", press retry and watch it resolve; skip and
unskip; overrule a conflict and see the other value written after the next
cycle. Also: a POST without the CSRF token fails. With ``WFSYNC_SCREENSHOTS=DIR``
each page is saved there (docs/img/ holds the ones in docs/console.md).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.scenario.sync.conftest import CLIENT_ID, CLIENT_SECRET, World
from tests.scenario.web.conftest import PASSWORD, set_password, sim_engine
from tests.servers import serve
from wfsync.clock import FakeClock
from wfsync.config import FortnoxSettings, Settings, StateSettings, WebcrmSettings
from wfsync.runtime.heartbeat import beat
from wfsync.runtime.runner import Runner
from wfsync.simulators.fortnox import FortnoxSimulator
from wfsync.simulators.webcrm import WebcrmSimulator
from wfsync.state import StateStore
from wfsync.web import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
FORETAG = "Kund – Företag"
WAIT_MS = 20_000

sync_api = pytest.importorskip("playwright.sync_api")
if not shutil.which(CHROMIUM):
    if os.environ.get("WFSYNC_REQUIRE_SERVICES") == "1":
        raise RuntimeError(f"{CHROMIUM} is required in CI (apt-get install chromium)")
    pytest.skip(f"{CHROMIUM} not installed", allow_module_level=True)

expect = sync_api.expect
pytestmark = pytest.mark.slow


@pytest.fixture
def sims(tmp_path: Path) -> Iterator[World]:
    clock = FakeClock()
    fortnox = FortnoxSimulator(clock=clock)
    fortnox.register_client(CLIENT_ID, CLIENT_SECRET)
    webcrm = WebcrmSimulator(clock=clock)
    url = f"sqlite:///{tmp_path / 'state.db'}"
    settings = Settings(
        fortnox=FortnoxSettings(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            refresh_token=fortnox.issue_refresh_token(CLIENT_ID),
        ),
        webcrm=WebcrmSettings(auth_code=webcrm.add_api_token()),
        state=StateSettings(url=url),
    )
    store = StateStore.open(url, clock=clock)
    try:
        yield World(clock, fortnox, webcrm, settings, store)
    finally:
        store.close()


def cycle(world: World) -> None:
    """The next cycle of `wfsync run` (both directions), a few minutes later."""

    async def both() -> None:
        world.clock.advance(360)
        async with world.engine() as engine:
            runner = Runner(engine, world.clock)
            await runner.cycle("webcrm")
            await runner.cycle("fortnox")

    # Playwright's sync API owns this thread's event loop: run the cycle beside it.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, both()).result()


def shoot(page: object, name: str) -> None:
    folder = os.environ.get("WFSYNC_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"console-{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_an_admin_runs_the_integration_from_the_browser(sims: World) -> None:
    world = sims
    asyncio.run(world.import_all())
    set_password(world.store)
    bad = world.webcrm.ui.create_organisation(
        OrganisationName="Fel Valuta AB", OrganisationType=FORETAG, OrganisationCustom7="XYZ"
    )
    beta = world.webcrm.ui.create_organisation(
        OrganisationName="Beta AB", OrganisationType=FORETAG, OrganisationCity="Lund"
    )
    cycle(world)
    app = create_app(world.settings, clock=world.clock, engine_factory=lambda: sim_engine(world))
    with serve(app) as base, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})

        # Log in: every page sends us to the login form; a wrong password is refused.
        page.goto(base + "/inbox")
        expect(page.locator("#password")).to_be_visible()
        shoot(page, "login")
        page.fill("#password", "not-the-password")
        page.click("button[type=submit]")
        expect(page.locator("#error")).to_contain_text("Wrong password")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(base + "/inbox")

        # The record Fortnox refused is in the inbox, explained.
        (failure,) = world.store.failures()
        entry = page.locator(f"#failure-{failure.id}")
        expect(entry).to_contain_text(str(bad))
        expect(entry).to_contain_text("Fel Valuta AB")
        expect(entry).to_contain_text("Kunde inte hitta valuta")  # the vendor's own words
        expect(entry).to_contain_text("Fortnox does not know this currency")
        shoot(page, "inbox")

        # A POST without the CSRF token fails, even with the session cookie.
        forged = page.request.post(base + f"/inbox/{failure.id}/skip")
        assert forged.status == 403
        assert [f.id for f in world.store.failures()] == [failure.id]

        # Fixed in webCRM; retry now: resolved without waiting for a cycle.
        world.webcrm.ui.update_organisation(bad, OrganisationCustom7="EUR")
        entry.get_by_role("button", name="Retry now").click()
        expect(page.locator("#empty")).to_be_visible(timeout=WAIT_MS)
        assert world.store.failures() == []
        assert "Fel Valuta AB" in [c["Name"] for c in world.fortnox.store.customers.values()]
        page.goto(base + "/inbox?status=resolved")
        expect(page.locator(f"#failure-{failure.id}")).to_be_visible()

        # Skip and unskip another bad record.
        world.webcrm.ui.create_organisation(
            OrganisationName="Trasig AB", OrganisationType=FORETAG, OrganisationCustom7="QQQ"
        )
        cycle(world)
        (second,) = world.store.failures()
        page.goto(base + "/inbox")
        page.locator(f"#failure-{second.id}").get_by_role("button", name="Skip").click()
        expect(page.locator("#empty")).to_be_visible()
        page.goto(base + "/inbox?status=skipped")
        page.locator(f"#failure-{second.id}").get_by_role("button", name="Unskip").click()
        expect(page.locator(f"#failure-{second.id}")).to_be_visible()
        assert [f.id for f in world.store.failures()] == [second.id]

        # A conflict: both sides changed the city; Fortnox's value won. Apply webCRM's.
        link = world.store.get_link("customer", webcrm_id=str(beta))
        assert link is not None and link.fortnox_id is not None
        world.webcrm.ui.update_organisation(beta, OrganisationCity="Malmö")
        world.fortnox.ui.update_customer(link.fortnox_id, VisitingCity="Ystad")
        cycle(world)
        (conflict,) = world.store.conflicts()
        page.goto(base + "/conflicts")
        row = page.locator(f"#conflict-{conflict.id}")
        for text in ("Lund", "Malmö", "Ystad", conflict.rule):
            expect(row).to_contain_text(text)
        shoot(page, "conflicts")
        row.get_by_role("button", name="Apply webcrm's “Malmö” instead").click()
        expect(row).to_contain_text("written on the next cycle")
        assert world.fortnox.ui.customer(link.fortnox_id)["VisitingCity"] == "Ystad"
        cycle(world)
        page.goto(base + "/conflicts?all=1")
        expect(page.locator(f"#conflict-{conflict.id}")).to_contain_text("done")
        assert world.fortnox.ui.customer(link.fortnox_id)["VisitingCity"] == "Malmö"
        assert world.webcrm.ui.organisation(beta)["OrganisationCity"] == "Malmö"

        # The other pages read fine (and without JavaScript: plain HTML tables and forms).
        beat(world.store, world.clock.now(), next_runs={"webcrm": world.clock.now()})
        page.goto(base + "/")
        expect(page.locator("#directions")).to_contain_text("webcrm")
        expect(page.locator("#runner")).to_contain_text("alive")
        shoot(page, "overview")
        page.goto(base + "/records?q=beta")
        page.get_by_role("link", name="Beta AB").click()
        expect(page.locator("#history")).to_contain_text("an admin chose")
        shoot(page, "record")
        page.goto(base + "/runs")
        expect(page.locator("#runs")).to_contain_text("fortnox")
        shoot(page, "runs")
        page.goto(base + "/settings")
        expect(page.locator("#settings")).to_contain_text("client_secret")
        expect(page.locator("#settings")).not_to_contain_text(CLIENT_SECRET)
        shoot(page, "settings")
        browser.close()
    app.state.console.store.close()
