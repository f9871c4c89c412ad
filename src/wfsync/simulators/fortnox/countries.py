"""Country codes and names the way Fortnox uses them.

Customers take an ISO 3166-1 alpha-2 code and Fortnox derives the Swedish name
(``SE`` → ``Sverige``); documents take a country *name*, English or Swedish
(``Norway``, ``Sverige``). pycountry ships the ISO list with a Swedish
translation, so no hand-kept table can drift.
"""

from __future__ import annotations

import gettext
from functools import lru_cache

import pycountry

__all__ = ["is_country_name", "swedish_name"]


@lru_cache(maxsize=1)
def _swedish() -> gettext.NullTranslations:
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["sv"])
    except OSError:  # pragma: no cover - pycountry always ships sv
        return gettext.NullTranslations()


def swedish_name(code: str) -> str | None:
    """Swedish name for an upper-case alpha-2 code; None if no such country."""
    if len(code) != 2 or not code.isascii() or not code.isupper():
        return None
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return None
    return _swedish().gettext(country.name)


@lru_cache(maxsize=1)
def _known_names() -> frozenset[str]:
    names: set[str] = set()
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            if value:
                names.add(value)
                names.add(_swedish().gettext(value))
    return frozenset(names)


def is_country_name(name: str) -> bool:
    """True for an English or Swedish country name as written on documents."""
    return name in _known_names()
