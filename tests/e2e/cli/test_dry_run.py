"""An honest dry run: it refuses what Fortnox would refuse, shows each record once,
and its counts are its plan's rows."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from wfsync.cli.sync_cmds import _print_report
from wfsync.clock import FakeClock
from wfsync.config import FortnoxSettings, Settings, StateSettings, WebcrmSettings
from wfsync.simulators.fortnox import FortnoxSimulator
from wfsync.simulators.webcrm import WebcrmSimulator
from wfsync.simulators.webcrm.standalone import SAMPLES
from wfsync.state import StateStore
from wfsync.sync.engine import SyncEngine


@pytest.fixture
def world(tmp_path: Path, clock: FakeClock):  # type: ignore[no-untyped-def]
    fortnox = FortnoxSimulator(clock=clock, seed=True)
    fortnox.register_client("c", "s")
    webcrm = WebcrmSimulator(clock=clock)
    webcrm.load_seed(SAMPLES["trial"]())
    url = f"sqlite:///{tmp_path / 'state.db'}"
    settings = Settings(
        fortnox=FortnoxSettings(
            client_id="c", client_secret="s", refresh_token=fortnox.issue_refresh_token("c")
        ),
        webcrm=WebcrmSettings(auth_code=webcrm.add_api_token()),
        state=StateSettings(url=url),
    )
    store = StateStore.open(url, clock=clock)

    def engine() -> SyncEngine:
        return SyncEngine.open(
            settings,
            clock=clock,
            store=store,
            fortnox_transport=httpx.ASGITransport(app=fortnox.app),
            webcrm_transport=httpx.ASGITransport(app=webcrm.app),
        )

    yield engine, webcrm, store
    store.close()


async def test_dry_run_predicts_what_fortnox_refuses(world, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    engine, webcrm, store = world
    async with engine() as e:
        await e.import_all()
    # A person types a text where Fortnox wants a code, and a currency Fortnox lacks.
    bad_terms = webcrm.ui.create_organisation(
        OrganisationName="Ny Kund AB",
        OrganisationType="Kund – Företag",
        OrganisationCustom6="30 dagar",
        OrganisationCustom7="SEK",
    )
    webcrm.ui.update_organisation(1, OrganisationCustom7="XYZ")  # linked: an update
    clock.advance(360)
    async with engine() as e:
        planned, _ = await e.sync_once(dry_run=True)
    failing = {op.ident: op.detail for op in planned.planned if op.action == "fail"}
    assert "terms_of_payment '30 dagar' is not a Fortnox code" in failing[f"webcrm {bad_terms}"]
    assert "currency 'XYZ'" in failing["webcrm 1"]
    assert not [
        op
        for op in planned.planned
        if op.action == "create" and op.target == "fortnox" and "Ny Kund" in op.ident
    ]
    # Each record once: one plan row per record, and nothing counted twice.
    idents = [(op.entity, op.ident) for op in planned.planned]
    assert len(idents) == len(set(idents))
    assert planned.counts["customer.planned_fail"] == 2 and "customer.failed" not in planned.counts
    assert store.failures(status="open") == []  # a dry run records nothing
    # And the real run fails exactly where the dry run said it would.
    async with engine() as e:
        await e.sync_once()
    assert {(f.source, f.source_id) for f in store.failures(status="open")} == {
        ("webcrm", str(bad_terms)),
        ("webcrm", "1"),
    }


async def test_printed_counts_are_the_plans_rows(world, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    engine, _, _ = world
    async with engine() as e:
        report = await e.import_all(dry_run=True)
    _print_report("import (dry run)", report)
    err = capsys.readouterr().err
    by_action: dict[tuple[str, str], int] = {}
    for op in report.planned:
        by_action[(op.entity, op.action)] = by_action.get((op.entity, op.action), 0) + 1
    for (entity, action), count in by_action.items():
        assert f"{entity} would {action}" in err
        assert report.counts[f"{entity}.planned_{action}"] == count
    assert by_action[("customer", "link")] == 4 and by_action[("customer", "create")] == 11


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"name": " "}, "name is empty"),
        ({"terms_of_payment": "30 dagar"}, "terms_of_payment '30 dagar'"),
        ({"currency": "xyz"}, "currency 'XYZ'"),
        ({"organisation_number": "556123-4568"}, "not a valid Swedish organisation"),
    ],
)
def test_customer_problems_name_what_fortnox_refuses(fields: dict[str, str], problem: str) -> None:
    from wfsync.domain.models import Customer
    from wfsync.fortnox.validation import FortnoxRegisters, customer_problems

    registers = FortnoxRegisters(frozenset({"30", "K"}), frozenset({"SEK", "EUR"}))
    good = {
        "name": "Nordlund Bygg AB",
        "terms_of_payment": "30",
        "currency": "SEK",
        "organisation_number": "556123-4567",
    }
    assert customer_problems(Customer(**good), registers) == []
    [found] = customer_problems(Customer(**{**good, **fields}), registers)
    assert problem in found
    # A foreign customer's number is free text; an update checks only what it writes.
    foreign = Customer(**{**good, "organisation_number": "NO 923 609 016", "invoice_country": "NO"})
    assert customer_problems(foreign, registers) == []
    assert customer_problems(Customer(**{**good, **fields}), registers, ["phone"]) == []
