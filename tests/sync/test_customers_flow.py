"""Customers both ways through the engine, against both simulators."""

from __future__ import annotations

from tests.sync.conftest import World

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
