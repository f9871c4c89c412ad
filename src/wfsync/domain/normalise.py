"""When do two values mean the same thing?

webCRM and Fortnox store the same facts differently: a phone number typed
``08-123 45 67`` in one and ``+46 8 123 45 67`` in the other, an organisation
number with or without its dash, a country as a Swedish name (``Sverige``) or an
ISO code (``SE``), an empty field as ``""`` or ``null``. If the sync compared raw
strings, each of those would look like an edit and bounce between the systems
for ever. Here every field gets a *comparison key*; values whose keys are equal
are the same value. What a person typed is never rewritten for this.
"""

from __future__ import annotations

import gettext
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

import pycountry

__all__ = [
    "clean",
    "country_code",
    "country_name",
    "fingerprint",
    "key_of",
    "name_key",
    "org_number_key",
    "phone_key",
    "same",
    "vat_key",
]

_SPACES = re.compile(r"\s+")


def clean(value: Any) -> Any:
    """Trim strings; map ``""`` and whitespace-only to ``None``."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def text_key(value: Any) -> str | None:
    value = clean(value)
    if value is None:
        return None
    text = str(value)
    # Every whitespace character but the ASCII space is non-printable, so a printable
    # text without a double space is what the substitution would give back: skip it.
    if text.isprintable() and "  " not in text:
        return text
    return _SPACES.sub(" ", text)


def phone_key(value: Any) -> str | None:
    """Digits only, Swedish country prefix folded into the trunk ``0``."""
    text = text_key(value)
    if text is None:
        return None
    digits = re.sub(r"\D", "", text)
    if text.lstrip().startswith("+"):
        digits = "00" + digits
    if digits.startswith("0046"):
        digits = "0" + digits[4:].lstrip("0")
    return digits or None


def org_number_key(value: Any) -> str | None:
    """Swedish organisation/personal number: 10 digits, century dropped."""
    text = text_key(value)
    if text is None:
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) == 12 and digits[:2] in {"16", "18", "19", "20"}:
        digits = digits[2:]
    return digits or text.upper()


def vat_key(value: Any) -> str | None:
    text = text_key(value)
    return None if text is None else re.sub(r"[\s.\-]", "", text).upper()


def website_key(value: Any) -> str | None:
    text = text_key(value)
    if text is None:
        return None
    text = re.sub(r"^[a-z]+://", "", text.lower())
    return text.removeprefix("www.").rstrip("/")


def postcode_key(value: Any) -> str | None:
    text = text_key(value)
    return None if text is None else text.replace(" ", "").upper()


def code_key(value: Any) -> str | None:
    text = text_key(value)
    return None if text is None else text.upper()


def country_key(value: Any) -> str | None:
    return code_key(country_code(value))


def decimal_key(value: Any) -> str | None:
    if value is None or value == "":
        return None
    try:
        return str(Decimal(str(value)).normalize())
    except InvalidOperation:
        return str(value)


_COMPANY_SUFFIXES = re.compile(
    r"\b(ab|aktiebolag|publ|hb|kb|handelsbolag|kommanditbolag|ek för|ekonomisk förening|"
    r"inc|ltd|llc|gmbh|as|a/s|oy|aps)\b\.?",
)


def name_key(value: Any) -> str | None:
    """Loose company-name key for *matching* (never for change detection)."""
    text = text_key(value)
    if text is None:
        return None
    text = text.casefold().replace("&", " och ")
    text = re.sub(r"[()\"'´`,.]", " ", text)
    text = _COMPANY_SUFFIXES.sub(" ", text)
    return _SPACES.sub(" ", text).strip() or None


# --- countries -----------------------------------------------------------------

_LANGUAGES = ("sv", "da", "nb", "nn", "fi", "de")
_ALIASES = {
    "england": "GB",
    "storbritannien": "GB",
    "great britain": "GB",
    "uk": "GB",
    "usa": "US",
    "amerika": "US",
    "holland": "NL",
    "ryssland": "RU",
    "tjeckien": "CZ",
    "sydkorea": "KR",
}


@cache
def _country_index() -> dict[str, str]:
    index: dict[str, str] = {}
    translations = []
    for lang in _LANGUAGES:
        try:
            translations.append(
                gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
            )
        except OSError:
            continue
    for country in pycountry.countries:
        code = country.alpha_2
        names = {country.name, getattr(country, "common_name", None)}
        names.add(getattr(country, "official_name", None))
        for translation in translations:
            names.add(translation.gettext(country.name))
        for name in names:
            if name:
                index.setdefault(name.casefold(), code)
        index.setdefault(country.alpha_3.casefold(), code)
    index.update(_ALIASES)
    return index


def country_code(value: Any) -> str | None:
    """ISO alpha-2 code for a code or a country name in Swedish, Danish,
    Norwegian, Finnish, German or English; unknown names come back as typed."""
    text = text_key(value)
    if text is None:
        return None
    if len(text) == 2 and text.isalpha():
        return text.upper()
    return _country_index().get(text.casefold(), text)


@cache
def _swedish() -> gettext.NullTranslations:
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["sv"])
    except OSError:
        return gettext.NullTranslations()


def country_name(code: Any, lang: str = "sv") -> str | None:
    """Localised country name for an ISO code (Swedish by default, as webCRM shows it)."""
    text = text_key(code)
    if text is None:
        return None
    country = pycountry.countries.get(alpha_2=text.upper()) if len(text) == 2 else None
    if country is None:
        return text
    if lang == "en":
        return str(getattr(country, "common_name", None) or country.name)
    return _swedish().gettext(country.name)


# --- per-field sameness -----------------------------------------------------------

_KEYS: dict[str, Callable[[Any], Any]] = {
    "phone": phone_key,
    "fax": phone_key,
    "organisation_number": org_number_key,
    "vat_number": vat_key,
    "website": website_key,
    "invoice_postcode": postcode_key,
    "visiting_postcode": postcode_key,
    "invoice_country": country_key,
    "visiting_country": country_key,
    "terms_of_payment": code_key,
    "currency": code_key,
    "customer_number": code_key,
    "article_number": text_key,
    "cost_price": decimal_key,
    "list_price": decimal_key,
    "vat": decimal_key,
    "quantity": decimal_key,
    "price": decimal_key,
    "discount": decimal_key,
}


def key_of(field: str, value: Any) -> Any:
    """Comparison key of ``value`` in canonical field ``field``."""
    if value is None:  # every key of nothing is None (the common case: a fast path)
        return None
    if type(value) is str:  # the next most common: skip the other type checks
        return (_KEYS.get(field) or text_key)(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, list | tuple):
        return [
            {k: key_of(k, v) for k, v in item.items()} if isinstance(item, Mapping) else item
            for item in value
        ]
    if isinstance(value, Decimal | int | float) and field not in _KEYS:
        return decimal_key(value)
    keyer: Callable[[Any], Any] = _KEYS.get(field) or text_key
    return keyer(value)


def same(field: str, a: Any, b: Any) -> bool:
    return bool(key_of(field, a) == key_of(field, b))


def fingerprint(values: Mapping[str, Any]) -> str:
    """Content hash of a canonical record's comparison keys (echo/dedupe check)."""
    keyed = {name: key_of(name, value) for name, value in values.items()}  # dumps sorts
    blob = json.dumps(keyed, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]
