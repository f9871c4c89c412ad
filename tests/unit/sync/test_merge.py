"""Three-way merge rules, field by field."""

from __future__ import annotations

from typing import Any

from wfsync.sync.merge import Side, three_way

FIELDS = ("name", "phone", "city", "customer_number")


def fortnox_wins(field: str) -> tuple[Side, str]:
    return "fortnox", "test"


def merge(webcrm: dict[str, Any], fortnox: dict[str, Any], base: dict[str, Any] | None, **kw: Any):
    return three_way(
        FIELDS,
        webcrm=webcrm,
        fortnox=fortnox,
        webcrm_snapshot=base,
        fortnox_snapshot=base,
        winner=fortnox_wins,
        **kw,
    )


BASE = {"name": "Acme AB", "phone": "08-123 45 67", "city": "Stockholm", "customer_number": "7"}


def test_quiet_when_nothing_changed() -> None:
    result = merge(dict(BASE), dict(BASE), BASE)
    assert result.quiet and not result.conflicts


def test_one_side_change_is_copied_to_the_other() -> None:
    result = merge({**BASE, "city": "Uppsala"}, dict(BASE), BASE)
    assert result.to_fortnox == {"city": "Uppsala"}
    assert result.to_webcrm == {}


def test_different_fields_changed_on_both_sides_are_both_kept() -> None:
    result = merge({**BASE, "city": "Uppsala"}, {**BASE, "name": "Acme Sverige AB"}, BASE)
    assert result.to_fortnox == {"city": "Uppsala"}
    assert result.to_webcrm == {"name": "Acme Sverige AB"}
    assert result.merged["city"] == "Uppsala" and result.merged["name"] == "Acme Sverige AB"
    assert not result.conflicts


def test_same_field_to_different_values_is_a_recorded_conflict() -> None:
    result = merge({**BASE, "city": "Uppsala"}, {**BASE, "city": "Lund"}, BASE)
    assert len(result.conflicts) == 1
    conflict = result.conflicts[0]
    assert (conflict.field, conflict.base, conflict.webcrm, conflict.fortnox) == (
        "city",
        "Stockholm",
        "Uppsala",
        "Lund",
    )
    assert conflict.winner == "fortnox"
    assert result.to_webcrm == {"city": "Lund"} and result.to_fortnox == {}


def test_same_change_on_both_sides_is_no_conflict() -> None:
    result = merge({**BASE, "city": "Lund"}, {**BASE, "city": "Lund"}, BASE)
    assert result.quiet and not result.conflicts


def test_formatting_difference_is_not_a_change() -> None:
    result = merge({**BASE, "phone": "+46 8 123 45 67"}, dict(BASE), BASE)
    assert result.quiet


def test_clearing_a_field_propagates() -> None:
    result = merge({**BASE, "phone": None}, dict(BASE), BASE)
    assert result.to_fortnox == {"phone": None}


def test_owned_field_always_takes_the_owner_value() -> None:
    result = merge(
        {**BASE, "customer_number": "99"},
        dict(BASE),
        BASE,
        ownership={"customer_number": "fortnox"},
    )
    assert result.to_webcrm == {"customer_number": "7"}
    assert not result.conflicts


def test_lossy_side_does_not_ping_pong() -> None:
    long_name = "A" * 80
    webcrm_side = {**BASE, "name": long_name[:50]}
    fortnox_side = {**BASE, "name": long_name}
    result = three_way(
        FIELDS,
        webcrm=webcrm_side,
        fortnox=fortnox_side,
        webcrm_snapshot=webcrm_side,
        fortnox_snapshot=fortnox_side,
        winner=fortnox_wins,
    )
    assert result.quiet


def test_first_sync_fills_gaps_and_flags_real_differences() -> None:
    result = merge({**BASE, "phone": None, "city": "Uppsala"}, dict(BASE), None)
    assert result.to_webcrm == {"phone": "08-123 45 67", "city": "Stockholm"}
    assert [c.field for c in result.conflicts] == ["city"]
