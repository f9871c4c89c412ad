"""The status page shows what the state store knows."""

from __future__ import annotations

from pathlib import Path

import httpx

from wfsync.state import Link, StateStore
from wfsync.web import create_app


async def test_status_page_and_api_show_runs_errors_and_conflicts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    store = StateStore.open(url)
    run = store.start_run("webcrm")
    store.finish_run(run.id, "ok", {"customer.updated_fortnox": 2})
    link = store.save_link(Link(kind="customer", webcrm_id="7", fortnox_id="12"))
    store.record_failure("customer", "webcrm", "9", "sync", "Kunde inte hitta valuta XYZ")
    store.record_conflict(
        kind="customer",
        link_id=link.id,
        webcrm_id="7",
        fortnox_id="12",
        field="phone",
        base_value="1",
        webcrm_value="2",
        fortnox_value="3",
        winner="fortnox",
        resolved_value="3",
        rule="conflict_winner = fortnox",
    )
    store.close()
    transport = httpx.ASGITransport(app=create_app(url))
    async with httpx.AsyncClient(transport=transport, base_url="http://wfsync") as client:
        api = (await client.get("/api/status")).json()
        page = (await client.get("/")).text
    assert api["runs"]["webcrm"]["counts"] == {"customer.updated_fortnox": 2}
    assert api["links"]["customer"]["active"] == 1
    assert [e["message"] for e in api["errors"]] == ["Kunde inte hitta valuta XYZ"]
    assert api["conflicts"][0]["field"] == "phone"
    assert "Kunde inte hitta valuta XYZ" in page
    assert "customer.updated_fortnox 2" in page
    assert "conflict_winner = fortnox" in page
