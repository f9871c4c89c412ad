"""Articles: Fortnox → webCRM product catalogue only."""

from __future__ import annotations

from typing import Any

from tests.scenario.sync.conftest import World

P = "QuotationLineLinkedDataItem"


def catalogue(world: World) -> dict[str, dict[str, Any]]:
    return {item[f"{P}Data1"]: item for item in world.webcrm.ui.catalogue()}


def new_article(world: World, number: str, name: str, cost: int, price: int, **extra: Any) -> None:
    world.fortnox.ui.create_article(
        ArticleNumber=number, Description=name, PurchasePrice=cost, Unit="st", **extra
    )
    world.fortnox.ui.set_price("A", number, price)


async def test_import_publishes_active_articles_with_prices(world: World) -> None:
    new_article(world, "101", "Hammare", 80, 149)
    new_article(world, "102", "Skruvdragare", 900, 1495)
    new_article(world, "103", "Utgången", 10, 20, Active=False)
    await world.import_all()
    items = catalogue(world)
    assert sorted(items) == ["101", "102"]
    assert items["101"][f"{P}Data2"] == "Hammare"
    assert items["101"][f"{P}Data3"] == "st"
    assert items["101"][f"{P}Price"] == 149
    assert items["101"][f"{P}CostPrice"] == 80
    assert items["102"][f"{P}Price"] == 1495
    # Nothing is ever written to Fortnox's article register.
    assert [w for w in world.fortnox.writes() if "/articles" in w.path] == []


async def test_article_edits_flow_and_a_quiet_cycle_writes_nothing(world: World) -> None:
    new_article(world, "201", "Spik 100-pack", 20, 45)
    await world.import_all()
    world.fortnox.ui.update_article("201", Description="Spik 100 st", PurchasePrice=22)
    await world.sync()
    item = catalogue(world)["201"]
    assert (item[f"{P}Data2"], item[f"{P}CostPrice"]) == ("Spik 100 st", 22)
    await world.sync()
    assert world.last_writes == 0


async def test_price_only_change_is_caught_by_the_price_sweep(world: World) -> None:
    world.configure(price_check_every=2)
    new_article(world, "301", "Lim", 30, 60)
    await world.import_all()
    world.fortnox.ui.set_price("A", "301", 75)  # does not bump lastmodified
    await world.sync()
    await world.sync()
    assert catalogue(world)["301"][f"{P}Price"] == 75


async def test_inactive_article_leaves_the_catalogue_and_comes_back(world: World) -> None:
    new_article(world, "401", "Säsongsvara", 10, 25)
    await world.import_all()
    world.fortnox.ui.update_article("401", Active=False)
    await world.sync()
    assert "401" not in catalogue(world)
    (link,) = world.store.links("article")
    assert link.state == "paused"
    world.fortnox.ui.update_article("401", Active=True)
    await world.sync()
    assert catalogue(world)["401"][f"{P}Price"] == 25
    assert world.store.links("article")[0].state == "active"


async def test_new_article_after_import_flows(world: World) -> None:
    await world.import_all()
    new_article(world, "501", "Ny vara", 5, 9)
    await world.sync()
    assert catalogue(world)["501"][f"{P}Data2"] == "Ny vara"


async def test_price_change_of_an_old_article_reaches_webcrm_next_cycle(world: World) -> None:
    new_article(world, "601", "Gammal vara", 10, 30)
    world.clock.advance(86400)  # far outside any lastmodified overlap
    await world.import_all()
    await world.sync()
    world.fortnox.ui.set_price("A", "601", 35)  # does not bump lastmodified
    await world.sync()
    assert catalogue(world)["601"][f"{P}Price"] == 35


async def test_catalogue_item_edited_in_webcrm_is_put_back(world: World) -> None:
    """The catalogue is Fortnox's: a person's edit in webCRM is undone on the next
    Fortnox cycle, and a deleted item comes back, without touching Fortnox."""
    new_article(world, "701", "Borr 6 mm", 12, 39)
    new_article(world, "702", "Borr 8 mm", 14, 45)
    await world.import_all()
    items = catalogue(world)
    world.webcrm.ui.update_catalogue_item(
        items["701"][f"{P}Id"], **{f"{P}Price": 1, f"{P}Data2": "Fel namn"}
    )
    world.webcrm.ui.delete_catalogue_item(items["702"][f"{P}Id"])
    await world.sync()
    items = catalogue(world)
    assert (items["701"][f"{P}Price"], items["701"][f"{P}Data2"]) == (39, "Borr 6 mm")
    assert items["702"][f"{P}Price"] == 45
    assert [w for w in world.fortnox.writes() if "/articles" in w.path] == []
    await world.sync()
    assert world.last_writes == 0
