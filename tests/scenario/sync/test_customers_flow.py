"""Customers both ways through the engine, against both simulators."""

from __future__ import annotations

from typing import Any

import pytest

from tests.scenario.sync.conftest import World

ORG_FIELDS = dict(
    OrganisationName="Bergström Bygg AB",
    OrganisationType="Kund – Företag",
    OrganisationAddress="Storgatan 1\nBox 12",
    OrganisationPostCode="111 22",
    OrganisationCity="Stockholm",
    OrganisationCountry="Sverige",
    OrganisationTelephone="08-123 45 67",
    OrganisationWww="www.bergstrombygg.se",
    OrganisationFax="08-123 45 68",
    OrganisationVatNumber="SE556677889901",
    OrganisationExtraCustom2="556677-8899",
    OrganisationCustom1="Fakturavägen 5",
    OrganisationCustom2="Plan 3",
    OrganisationCustom3="411 05",
    OrganisationCustom4="Göteborg",
    OrganisationCustom5="Sverige",
    OrganisationCustom6="30",
    OrganisationCustom7="SEK",
)


async def test_new_webcrm_customer_reaches_fortnox_with_every_field(world: World) -> None:
    await world.import_all()
    org_id = world.webcrm.ui.create_organisation(**ORG_FIELDS)
    await world.sync()
    links = world.store.links("customer")
    assert [link.webcrm_id for link in links] == [str(org_id)]
    number = links[0].fortnox_id
    customer = world.fortnox.ui.customer(number)
    assert customer["Name"] == "Bergström Bygg AB"
    assert customer["Type"] == "COMPANY"
    assert customer["VisitingAddress"] == "Storgatan 1, Box 12"
    assert customer["VisitingZipCode"] == "111 22"
    assert customer["VisitingCity"] == "Stockholm"
    assert customer["VisitingCountryCode"] == "SE"
    assert customer["Phone1"] == "08-123 45 67"
    assert customer["WWW"] == "www.bergstrombygg.se"
    assert customer["Fax"] == "08-123 45 68"
    assert customer["VATNumber"] == "SE556677889901"
    assert customer["OrganisationNumber"] == "556677-8899"
    assert (customer["Address1"], customer["Address2"]) == ("Fakturavägen 5", "Plan 3")
    assert (customer["ZipCode"], customer["City"], customer["CountryCode"]) == (
        "411 05",
        "Göteborg",
        "SE",
    )
    assert customer["TermsOfPayment"] == "30"
    assert customer["Currency"] == "SEK"
    # Fortnox owns the number: it is written back to webCRM.
    org = world.webcrm.ui.organisation(org_id)
    assert org["OrganisationExtraCustom1"] == number


async def test_quiet_cycle_after_sync_writes_nothing(world: World) -> None:
    await world.import_all()
    world.webcrm.ui.create_organisation(**ORG_FIELDS)
    await world.sync()
    await world.sync()
    assert world.last_writes == 0


def company(name: str, **extra: object) -> dict[str, object]:
    return {"OrganisationName": name, "OrganisationType": "Kund – Företag", **extra}


async def test_fortnox_customer_reaches_webcrm_with_every_field(world: World) -> None:
    await world.import_all()
    number = world.fortnox.ui.create_customer(
        Name="Lindqvist Konsult AB",
        Type="COMPANY",
        OrganisationNumber="559012-3450",
        VATNumber="SE559012345001",
        Phone1="031-70 80 90",
        WWW="https://lindqvist.se",
        Fax="031-70 80 91",
        Address1="Box 4",
        Address2="c/o Ekonomi",
        ZipCode="411 01",
        City="Göteborg",
        CountryCode="SE",
        VisitingAddress="Kungsgatan 9",
        VisitingZipCode="411 19",
        VisitingCity="Göteborg",
        VisitingCountryCode="NO",
        TermsOfPayment="10",
        Currency="EUR",
    )
    await world.sync()
    (link,) = world.store.links("customer")
    assert link.fortnox_id == number
    org = world.webcrm.ui.organisation(int(link.webcrm_id or 0))
    assert org["OrganisationName"] == "Lindqvist Konsult AB"
    assert org["OrganisationType"] == "Kund – Företag"
    assert org["OrganisationExtraCustom1"] == number
    assert org["OrganisationExtraCustom2"] == "559012-3450"
    assert org["OrganisationVatNumber"] == "SE559012345001"
    assert org["OrganisationTelephone"] == "031-70 80 90"
    assert org["OrganisationWww"] == "https://lindqvist.se"
    assert org["OrganisationFax"] == "031-70 80 91"
    assert org["OrganisationAddress"] == "Kungsgatan 9"
    assert (org["OrganisationPostCode"], org["OrganisationCity"]) == ("411 19", "Göteborg")
    assert org["OrganisationCountry"] == "Norge"
    assert (org["OrganisationCustom1"], org["OrganisationCustom2"]) == ("Box 4", "c/o Ekonomi")
    assert (org["OrganisationCustom3"], org["OrganisationCustom4"]) == ("411 01", "Göteborg")
    assert org["OrganisationCustom6"] == "10" and org["OrganisationCustom7"] == "EUR"


async def test_private_customer_gets_the_private_type(world: World) -> None:
    await world.import_all()
    world.fortnox.ui.create_customer(Name="Anna Svensson", Type="PRIVATE")
    await world.sync()
    (link,) = world.store.links("customer")
    org = world.webcrm.ui.organisation(int(link.webcrm_id or 0))
    assert org["OrganisationType"] == "Kund – Privat"
    world.webcrm.ui.create_organisation(OrganisationName="Bo Ek", OrganisationType="Kund – Privat")
    await world.sync()
    created = [lk for lk in world.store.links("customer") if lk.webcrm_id != link.webcrm_id]
    assert world.fortnox.ui.customer(created[0].fortnox_id or "")["Type"] == "PRIVATE"


async def test_edits_flow_both_ways_and_different_fields_are_both_kept(world: World) -> None:
    await world.import_all()
    org_id = world.webcrm.ui.create_organisation(**company("Alfa AB", OrganisationCity="Lund"))
    await world.sync()
    (link,) = world.store.links("customer")
    number = link.fortnox_id or ""
    world.webcrm.ui.update_organisation(org_id, OrganisationTelephone="046-11 22 33")
    world.fortnox.ui.update_customer(number, Name="Alfa Sverige AB")
    await world.sync()
    customer = world.fortnox.ui.customer(number)
    org = world.webcrm.ui.organisation(org_id)
    assert customer["Phone1"] == "046-11 22 33"
    assert customer["Name"] == "Alfa Sverige AB"
    assert org["OrganisationName"] == "Alfa Sverige AB"
    assert org["OrganisationTelephone"] == "046-11 22 33"
    assert world.store.conflicts() == []
    await world.sync()
    assert world.last_writes == 0


async def test_same_field_conflict_is_recorded_and_converges(world: World) -> None:
    await world.import_all()
    org_id = world.webcrm.ui.create_organisation(**company("Beta AB", OrganisationCity="Lund"))
    await world.sync()
    (link,) = world.store.links("customer")
    number = link.fortnox_id or ""
    world.webcrm.ui.update_organisation(org_id, OrganisationCity="Malmö")
    world.fortnox.ui.update_customer(number, VisitingCity="Ystad")
    await world.sync()
    (conflict,) = world.store.conflicts()
    assert conflict.field == "visiting_city"
    assert (conflict.webcrm_value, conflict.fortnox_value) == ("Malmö", "Ystad")
    assert conflict.base_value == "Lund"
    kept = conflict.resolved_value
    assert kept in {"Malmö", "Ystad"}
    assert world.fortnox.ui.customer(number)["VisitingCity"] == kept
    assert world.webcrm.ui.organisation(org_id)["OrganisationCity"] == kept
    await world.sync()
    assert world.last_writes == 0
    assert len(world.store.conflicts()) == 1


async def test_clearing_a_field_clears_it_on_the_other_side(world: World) -> None:
    await world.import_all()
    org_id = world.webcrm.ui.create_organisation(
        **company("Gamma AB", OrganisationFax="08-1", OrganisationWww="gamma.se")
    )
    await world.sync()
    (link,) = world.store.links("customer")
    world.webcrm.ui.update_organisation(org_id, OrganisationFax="")
    await world.sync()
    assert world.fortnox.ui.customer(link.fortnox_id or "")["Fax"] in (None, "")
    world.fortnox.ui.update_customer(link.fortnox_id or "", WWW="API_BLANK")
    await world.sync()
    assert world.webcrm.ui.organisation(org_id)["OrganisationWww"] == ""


async def test_only_configured_types_go_to_fortnox(world: World) -> None:
    await world.import_all()
    world.webcrm.ui.create_organisation(OrganisationName="Prospekt AB", OrganisationType="Prospekt")
    world.webcrm.ui.create_organisation(OrganisationName="Lev AB", OrganisationType="Leverantör")
    await world.sync()
    assert world.store.links("customer") == []
    assert world.fortnox.store.customers == {}


async def test_type_changed_away_pauses_the_link_and_back_resumes(world: World) -> None:
    await world.import_all()
    org_id = world.webcrm.ui.create_organisation(**company("Delta AB"))
    await world.sync()
    (link,) = world.store.links("customer")
    number = link.fortnox_id or ""
    world.webcrm.ui.update_organisation(
        org_id, OrganisationType="Leverantör", OrganisationCity="Kiruna"
    )
    await world.sync()
    (paused,) = world.store.links("customer")
    assert paused.state == "paused" and "Type" in (paused.note or "")
    assert world.fortnox.ui.customer(number)["VisitingCity"] in (None, "")
    world.fortnox.ui.update_customer(number, Phone1="0980-123")
    await world.sync()
    assert world.webcrm.ui.organisation(org_id)["OrganisationTelephone"] == ""
    world.webcrm.ui.update_organisation(org_id, OrganisationType="Kund – Företag")
    await world.sync()
    (resumed,) = world.store.links("customer")
    assert resumed.state == "active"
    assert world.fortnox.ui.customer(number)["VisitingCity"] == "Kiruna"
    assert world.webcrm.ui.organisation(org_id)["OrganisationTelephone"] == "0980-123"


async def test_customers_changed_in_fortnox_cost_one_query_and_one_batch_write_on_webcrm(
    world: World,
) -> None:
    """k changed customers: organisation reads by ``Queries … IN`` (⌈k/100⌉ before the
    merge, and ⌈k/100⌉ more just before the write to see that nobody edited them
    meanwhile) and ⌈k/250⌉ batch writes (PATCH) on webCRM; none written one by one."""
    numbers = [
        world.fortnox.ui.create_customer(Name=f"Kund {n:02d} AB", City="Uppsala") for n in range(30)
    ]
    world.clock.advance(86400)
    await world.import_all()
    for _ in range(3):
        await world.sync()
    for number in numbers:
        world.fortnox.ui.update_customer(number, VisitingCity="Västerås")
    world.clock.advance(360)
    before = len(world.webcrm.requests)
    async with world.engine() as engine:
        await engine.sync_fortnox()
    calls = [(r.method, r.path) for r in world.webcrm.requests[before:]]
    assert calls.count(("GET", "/Queries")) == 2
    assert calls.count(("PATCH", "/Organisations")) == 1
    # One GET per session proves a query row is the whole record (PUT replaces).
    assert [c for c in calls if c[1].startswith("/Organisations/")] == [
        ("GET", f"/Organisations/{world.store.links('customer')[0].webcrm_id}")
    ]
    cities = {
        world.webcrm.ui.organisation(int(link.webcrm_id or 0))["OrganisationCity"]
        for link in world.store.links("customer")
    }
    assert cities == {"Västerås"}
    await world.sync()
    assert world.last_writes == 0


async def test_short_query_rows_are_never_written_back_whole(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If webCRM's query rows lacked a property a GET has, a PUT of a row would reset
    it: then every write re-reads its record first, and nothing goes by batch."""
    from wfsync.webcrm.resources import entity

    full = entity.entity_dto

    def short(row: dict[str, Any], prefix: str) -> dict[str, Any]:
        return {k: v for k, v in full(row, prefix).items() if k != "OrganisationMemo"}

    numbers = [
        world.fortnox.ui.create_customer(Name=f"Kort {n} AB", City="Uppsala") for n in range(3)
    ]
    world.clock.advance(86400)
    await world.import_all()
    for link in world.store.links("customer"):
        world.webcrm.ui.update_organisation(int(link.webcrm_id or 0), OrganisationMemo="Viktig")
    for _ in range(3):
        await world.sync()
    monkeypatch.setattr(entity, "entity_dto", short)
    for number in numbers:
        world.fortnox.ui.update_customer(number, VisitingCity="Västerås")
    world.clock.advance(360)
    before = len(world.webcrm.requests)
    async with world.engine() as engine:
        await engine.sync_fortnox()
    calls = [(r.method, r.path) for r in world.webcrm.requests[before:]]
    assert ("PATCH", "/Organisations") not in calls
    assert sum(1 for m, p in calls if m == "PUT" and p.startswith("/Organisations/")) == 3
    for link in world.store.links("customer"):
        org = world.webcrm.ui.organisation(int(link.webcrm_id or 0))
        assert (org["OrganisationMemo"], org["OrganisationCity"]) == ("Viktig", "Västerås")


async def test_a_feed_page_loads_its_links_in_one_query_not_one_per_record(
    world: World,
) -> None:
    import sqlalchemy as sa

    for n in range(40):
        world.fortnox.ui.create_customer(Name=f"Radkund {n:02d} AB", City="Uppsala")
    world.clock.advance(86400)
    await world.import_all()
    link_queries: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "FROM links" in statement:
            link_queries.append(statement)

    sa.event.listen(world.store.engine, "before_cursor_execute", count)
    try:
        world.clock.advance(360)
        async with world.engine() as engine:
            report = await engine.sync_webcrm()  # re-reads the 40 the import wrote
    finally:
        sa.event.remove(world.store.engine, "before_cursor_execute", count)
    assert report.counts["customer.unchanged"] == 40
    assert len(link_queries) < 10


async def test_an_edit_made_while_the_cycle_runs_is_not_written_over(world: World) -> None:
    """Organisations read early in a Fortnox cycle are written in one batch at its end.
    A person's edit that lands in between must survive: the batch skips the record
    (its UpdatedAt moved) and the next cycle merges both edits."""
    org_id = world.webcrm.ui.create_organisation(**company("Delta AB", OrganisationCity="Lund"))
    await world.import_all()
    await world.sync()
    (link,) = world.store.links("customer")
    number = link.fortnox_id
    assert number is not None
    sim = world.webcrm
    plain = type(sim).__call__
    reads = []

    async def person_edits_after_our_read(self: Any, scope: Any, receive: Any, send: Any) -> None:
        await plain(self, scope, receive, send)
        if scope["type"] == "http" and " IN " in scope.get("query_string", b"").decode(
            "latin-1"
        ).replace("+", " ").replace("%20", " "):
            reads.append(scope["path"])
            if len(reads) == 1:
                sim.ui.update_organisation(org_id, OrganisationTelephone="040-999 99 99")

    world.fortnox.ui.update_customer(number, Name="Delta Sverige AB")
    type(sim).__call__ = person_edits_after_our_read  # type: ignore[method-assign]
    try:
        await world.sync()
    finally:
        type(sim).__call__ = plain  # type: ignore[method-assign]
    assert reads, "the cycle read the organisations by query"
    for _ in range(2):
        await world.sync()
    org = sim.ui.organisation(org_id)
    assert (org["OrganisationName"], org["OrganisationTelephone"]) == (
        "Delta Sverige AB",
        "040-999 99 99",
    )
    assert world.fortnox.ui.customer(number)["Phone1"] == "040-999 99 99"


async def test_an_edit_behind_the_feed_pages_during_a_cycle_is_not_skipped(world: World) -> None:
    """The webCRM feed is read whole before it is processed: an organisation edited
    while the cycle writes to Fortnox (on a page already read), followed minutes
    later by an edit on a later page, is still synced — the cursor never moves past
    an edit that was not processed."""
    webcrm = world.settings.webcrm.model_copy(update={"page_size": 2})
    world.settings = world.settings.model_copy(update={"webcrm": webcrm})
    await world.import_all()
    ids = [
        world.webcrm.ui.create_organisation(**company(f"Firma {i} AB", OrganisationCity="Lund"))
        for i in range(4)
    ]
    for _ in range(3):
        await world.sync()
    numbers = {link.webcrm_id: link.fortnox_id for link in world.store.links("customer")}
    sim = world.fortnox
    plain = type(sim.app).__call__
    armed = [True]

    async def person_edits_during_our_write(self: Any, scope: Any, receive: Any, send: Any) -> None:
        if armed[0] and scope["type"] == "http" and scope["method"] == "PUT":
            armed[0] = False
            world.webcrm.ui.update_organisation(ids[0], OrganisationCity="Edit A")
            world.clock.advance(180)
            world.webcrm.ui.update_organisation(ids[3], OrganisationCity="Edit D")
        await plain(self, scope, receive, send)

    world.clock.advance(60)
    for i in (1, 2, 3):
        world.webcrm.ui.update_organisation(ids[i], OrganisationCity=f"Stad {i}")
    type(sim.app).__call__ = person_edits_during_our_write  # type: ignore[method-assign]
    try:
        await world.sync()
    finally:
        type(sim.app).__call__ = plain  # type: ignore[method-assign]
    assert not armed[0], "the person's edits were made during the cycle"
    for _ in range(3):
        await world.sync()
    cities = [sim.ui.customer(numbers[str(i)] or "")["VisitingCity"] for i in ids]
    assert cities == ["Edit A", "Stad 1", "Stad 2", "Edit D"]
