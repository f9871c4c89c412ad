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


def article_reads(world: World, since: int = 0) -> list[str]:
    """Per-article Fortnox reads (GET of one article or of one price) after request ``since``."""
    return [
        r.path
        for r in world.fortnox.requests[since:]
        if r.method == "GET"
        and (r.path.startswith("/3/articles/") or r.path.startswith("/3/prices/"))
    ]


async def test_import_and_quiet_cycles_read_articles_from_the_list_alone(world: World) -> None:
    for n in range(12):
        new_article(world, str(700 + n), f"Vara {n}", 10 + n, 20 + n)
    new_article(world, "799", "Utgången", 1, 2, Active=False)
    await world.import_all()
    assert len(catalogue(world)) == 12
    assert article_reads(world) == []
    # An hour of cycles: the article scan pages the list, never one call per article.
    before = len(world.fortnox.requests)
    for _ in range(10):
        await world.sync()
        assert world.last_writes == 0
    assert article_reads(world, before) == []


async def test_a_price_only_edit_is_synced_from_the_list_without_a_get(world: World) -> None:
    new_article(world, "801", "Lim", 30, 60)
    new_article(world, "802", "Tejp", 5, 12)
    world.clock.advance(86400)  # outside any lastmodified overlap
    await world.import_all()
    await world.sync()
    before = len(world.fortnox.requests)
    world.fortnox.ui.set_price("A", "801", 75)  # does not bump lastmodified
    await world.sync()
    assert catalogue(world)["801"][f"{P}Price"] == 75
    assert article_reads(world, before) == []
    assert world.calls[-1]["webcrm_writes"] == 1  # only the changed item


async def test_a_targeted_read_agrees_with_the_list(world: World) -> None:
    """The GET of an event and the list of a poll give the same article: an event for an
    unchanged article writes nothing (no echo between the two readings)."""
    new_article(world, "811", "Skruv", 1, 3)
    await world.import_all()
    async with world.engine() as engine:
        await engine.sync_record("fortnox", "article", "811")
    assert world.last_writes == 0
    assert article_reads(world) == ["/3/articles/811"]


async def test_a_deleted_article_is_seen_by_the_scan(world: World) -> None:
    new_article(world, "821", "Borttagen", 1, 3)
    world.clock.advance(86400)
    await world.import_all()
    world.fortnox.ui.delete_article("821")
    await world.sync()
    assert "821" not in catalogue(world)


async def test_with_another_price_list_the_sweep_reads_prices_once_an_hour(world: World) -> None:
    world.settings = world.settings.model_copy(
        update={"fortnox": world.settings.fortnox.model_copy(update={"price_list": "B"})}
    )
    world.fortnox.store.pricelists["B"] = {
        "Code": "B",
        "Description": "Återförsäljare",
        "PreSelected": False,
    }
    for n in range(3):
        new_article(world, str(900 + n), f"Vara {n}", 1, 2)
        world.fortnox.ui.set_price("B", str(900 + n), 5 + n)
    world.clock.advance(86400)
    await world.import_all()
    before = len(world.fortnox.requests)
    for _ in range(20):  # two hours of 6-minute cycles
        await world.sync()
    prices = [p for p in article_reads(world, before) if p.startswith("/3/prices/")]
    assert len(prices) == 3 * 2  # hourly means hourly: twice in two hours, not 18 times
    world.fortnox.ui.set_price("B", "901", 50)
    for _ in range(10):
        await world.sync()
    assert catalogue(world)["901"][f"{P}Price"] == 50


async def test_the_catalogue_check_writes_nothing_twice_and_never_loops(world: World) -> None:
    """An article changed in Fortnox is written once in its cycle (the check does not
    put back what the feed just wrote), and a name that is the catalogue's own
    placeholder ("-") compares equal instead of being rewritten every cycle."""
    new_article(world, "901", "Mutter", 1, 2)
    new_article(world, "902", "-", 1, 2)
    await world.import_all()
    await world.sync()
    world.fortnox.ui.update_article("901", Description="Mutter M6")
    await world.sync()
    assert catalogue(world)["901"][f"{P}Data2"] == "Mutter M6"
    assert world.calls[-1]["webcrm_writes"] == 1
    for _ in range(2):
        await world.sync()
        assert world.last_writes == 0
