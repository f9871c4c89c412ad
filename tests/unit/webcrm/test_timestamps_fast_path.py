"""The fast path for webCRM's usual timestamp shapes gives what the general pattern gives."""

from __future__ import annotations

import random

import pytest

from wfsync.webcrm.timestamps import _parse_text, parse_timestamp


def shapes(rng: random.Random) -> list[str]:
    out = []
    for _ in range(3000):
        year = rng.choice([1, 2, 1999, 2024, 2026, 9999])
        base = (
            f"{year:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        )
        fraction = rng.choice(["", ".123", ".000", ".123456", ".1234567", ".12"])
        zone = rng.choice(["", "Z", "+00:00", "+02:00", "-05:30", "+14:00", "z", "+0200"])
        out.append(base + fraction + zone)
    return out


def test_fast_path_agrees_with_the_pattern() -> None:
    for value in shapes(random.Random(12)):
        try:
            expected = _parse_text(value)
        except (ValueError, OverflowError) as exc:
            with pytest.raises(type(exc)):
                parse_timestamp(value)
            continue
        assert parse_timestamp(value) == expected, value
        got = parse_timestamp(value)
        assert got is None or got.utcoffset() is not None
