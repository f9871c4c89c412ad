"""/Queries scripts: values are quoted so they neither break nor inject; names are checked."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from wfsync.webcrm.query import Script, identifier, literal, quote


def test_quote_doubles_single_quotes() -> None:
    assert quote("O'Brien") == "'O''Brien'"
    assert quote("") == "''"
    assert quote("''") == "''''''"


def test_injection_attempt_stays_inside_the_literal() -> None:
    hostile = "x' OR OrganisationId > '0"
    script = str(Script.select("Organisation").where_eq("OrganisationName", hostile))
    assert script == (
        "SELECT * FROM Organisation WHERE OrganisationName = 'x'' OR OrganisationId > ''0'"
    )
    # Exactly one literal: outside quoted text nothing but the one comparison remains.
    outside = script.split("'")[0::2]
    assert " OR " not in "".join(outside)


def test_nul_is_refused() -> None:
    with pytest.raises(ValueError):
        quote("a\x00b")


@pytest.mark.parametrize("name", ["Organisation Name", "x;DROP", "", "1abc", "a'b", "a-b"])
def test_identifiers_must_be_plain(name: str) -> None:
    with pytest.raises(ValueError):
        identifier(name)
    with pytest.raises(ValueError):
        Script.select("Organisation").where_eq(name, "v")


def test_literals_of_each_type() -> None:
    assert literal(7) == "7"
    assert literal(Decimal("12.50")) == "12.50"
    assert literal(1.5) == "1.5"
    assert literal(datetime(2024, 5, 1, 8, tzinfo=UTC)) == "'2024-05-01T08:00:00Z'"
    with pytest.raises(TypeError):
        literal(True)
    with pytest.raises(ValueError):
        literal(float("nan"))


def test_change_window_script() -> None:
    since = datetime(2024, 5, 1, 8, tzinfo=UTC)
    script = (
        Script.select("Delivery")
        .where_ge("DeliveryUpdatedAt", since)
        .order_by("DeliveryId")
        .render()
    )
    assert script == (
        "SELECT * FROM Delivery WHERE DeliveryUpdatedAt >= '2024-05-01T08:00:00Z' "
        "ORDER BY DeliveryId ASC"
    )


def test_columns_in_and_null_and_descending() -> None:
    script = (
        Script.select("Person", "PersonId", "PersonEmail")
        .where_in("PersonOrganisationId", [1, 2])
        .where_eq("PersonEmail", None)
        .order_by("PersonId", descending=True)
    )
    assert str(script) == (
        "SELECT PersonId, PersonEmail FROM Person WHERE PersonOrganisationId IN (1, 2) "
        "AND PersonEmail IS NULL ORDER BY PersonId DESC"
    )
    with pytest.raises(ValueError):
        Script.select("Person").where_in("PersonId", [])


def test_scripts_are_immutable_values() -> None:
    base = Script.select("Organisation")
    narrowed = base.where_eq("OrganisationType", "Kund")
    assert str(base) == "SELECT * FROM Organisation"
    assert str(narrowed).endswith("WHERE OrganisationType = 'Kund'")
