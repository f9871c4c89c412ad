"""Plain-language explanations for error-inbox entries: what went wrong, and the fix.

Vendors answer in terse, mostly Swedish messages ("Kunde inte hitta
betalningsvillkor", code 2000901) that tell an admin nothing about which field
of which record to change. :func:`explain_failure` turns the common ones —
Fortnox's documented codes, the "could not find <register>" family whose codes
Fortnox does not document, webCRM's validation answers and wfsync's own
"waits for" and "matches but" messages — into one or two sentences that say
what to change and where. It is a lookup, not a parser: it never invents, and
answers ``None`` for anything it does not recognise, so the vendor's own
message is always shown next to it.

Sources: Fortnox's published error list and FAQ (shared/reference/fortnox-api.md
§11), webCRM's reference (§3.6: bodies are ``{"Message", "Type"}``), and the
messages wfsync's sync code writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["explain_failure", "failing_field", "vendor_message"]


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str] | None
    codes: frozenset[int]
    text: str
    #: Canonical field the error is about, when it is about one.
    field: str | None = None


def _rule(
    pattern: str | None, codes: tuple[int, ...], text: str, field: str | None = None
) -> _Rule:
    compiled = re.compile(pattern, re.IGNORECASE) if pattern else None
    return _Rule(compiled, frozenset(codes), text, field)


_TERMS_FIX = (
    "Fortnox does not know this terms-of-payment code. Fortnox stores terms as short codes "
    "(30, 20, 10, K, …: Settings → Terms of payment in Fortnox); put one of those codes in the "
    "organisation's terms-of-payment field in webCRM (not a text such as '30 dagar'), or add "
    "the code in Fortnox. The entry is retried every cycle."
)

#: Fortnox answers, most specific first. Unknown-reference messages have no documented
#: code ("Kunde inte hitta/hämta …"), so they are recognised by their words.
_FORTNOX: tuple[_Rule, ...] = (
    _rule(r"betalningsvillkor", (2000429,), _TERMS_FIX, "terms_of_payment"),
    _rule(
        r"valuta",
        (2000910,),
        "Fortnox does not know this currency code. Use an ISO code Fortnox has "
        "(SEK, EUR, USD, NOK, DKK, GBP …: Settings → Currencies in Fortnox) in the "
        "organisation's currency field in webCRM.",
        "currency",
    ),
    _rule(
        r"landskod",
        (),
        "Fortnox does not know this country. Write the country as its name in webCRM "
        "(Sverige, Norge, …) so wfsync can turn it into a country code.",
        "invoice_country",
    ),
    _rule(
        r"leveranss[äa]tt|leveransvillkor",
        (),
        "The customer in Fortnox refers to a way or terms of delivery that no longer exists "
        "in Fortnox (a known Fortnox quirk after a register entry is removed). Pick an "
        "existing one on the customer in Fortnox.",
    ),
    _rule(
        r"prislista",
        (2000430,),
        "The price list does not exist in Fortnox. Set [fortnox] price_list to a price list "
        "code that exists (Settings → Price lists; 'A' by default).",
    ),
    _rule(
        r"enhet",
        (2000909,),
        "An article or row uses a unit Fortnox does not have. Use a unit code from "
        "Settings → Units in Fortnox (st, h, km, …).",
    ),
    _rule(
        r"moms",
        (),
        "The VAT rate is not set up in Fortnox (only 25, 12 and 6 % exist by default). Use one "
        "of those on the product or add the rate in Fortnox.",
    ),
    _rule(
        r"kunde inte hitta konto",
        (2001304,),
        "Fortnox has no account to book this on. Set the preferred accounts in Fortnox "
        "(Settings → Bookkeeping → Preferred accounts); nothing needs to change in wfsync.",
    ),
    _rule(
        r"organisationsnummer",
        (2000903,),
        "Fortnox refuses the organisation number: a Swedish one must be 10 or 12 digits with a "
        "valid check digit (NNNNNN-NNNN). Correct it in webCRM, or clear it if unknown.",
        "organisation_number",
    ),
    _rule(
        r"e-postadress|e-post",
        (2000902,),
        "Fortnox refuses an e-mail address as invalid. Correct it on the record.",
        "email",
    ),
    _rule(
        r"kundnummer|används redan",
        (2000637,),
        "Fortnox refuses the customer number: it is in use, or was used by a deleted customer "
        "(Fortnox reserves numbers forever). Give the organisation another number in webCRM, "
        "or leave it empty so that Fortnox assigns one. Fortnox sends the same code when the "
        "name is empty: check that the organisation has a name.",
        "customer_number",
    ),
    _rule(
        r"kan inte hitta artikeln",
        (2000428,),
        "A line refers to an article number that does not exist in Fortnox. Articles are made "
        "in Fortnox only: create the article there (it then reaches the webCRM catalogue), or "
        "pick a product from the catalogue on the webCRM line.",
        "article_number",
    ),
    _rule(
        r"kan inte hitta kunden",
        (2000433,),
        "The Fortnox customer no longer exists (deleted in Fortnox). The link is paused; "
        "re-create the customer or unlink the record.",
    ),
    _rule(
        r"kan inte hitta (fakturan|ordern)",
        (2000434, 2000439),
        "The order or invoice no longer exists in Fortnox (deleted or never created).",
    ),
    _rule(
        r"bokförd|låst|locked",
        (2000906,),
        "The Fortnox document is locked (booked, cancelled, or an order already invoiced) and "
        "cannot change. Make the change as a credit invoice in Fortnox; wfsync leaves it alone.",
    ),
    _rule(
        None,
        (2000106, 2000108, 2000134, 2000359),
        "Fortnox refuses the value's format (letters where digits are needed, a character it "
        "does not allow, …; the value is in the message). Correct it on the record.",
    ),
    _rule(
        r"ingen aktiv licens|api-licens|scope",
        (2001101, 2001103, 2000663),
        "The Fortnox integration lacks a licence or permission for this part of Fortnox. "
        "Have the Fortnox admin buy/enable it, then run `wfsync connect fortnox` again.",
    ),
    _rule(
        r"felaktigt fältnamn|felaktig typ av data|deserializ",
        (2001399, 2001392, 2002115),
        "Fortnox did not understand the request itself. This is a wfsync bug, not your data: "
        "please report it with this message.",
    ),
    _rule(
        r"system exception",
        (1000003,),
        "A temporary error inside Fortnox. Nothing to fix: the entry is retried every cycle.",
    ),
)

#: webCRM answers (``{"Message": …}``), recognised by status and words.
_WEBCRM: tuple[_Rule, ...] = (
    _rule(
        r"is required",
        (),
        "webCRM requires this field (named in the message). Fill it in on the record.",
    ),
    _rule(
        r"unexpected value|expected a",
        (),
        "webCRM refuses the value's type or format (named in the message). If it comes from "
        "Fortnox, correct it there.",
    ),
    _rule(
        r"too long|maximum length|exceeds",
        (),
        "The value is longer than webCRM allows in that field (most text fields hold 50 "
        "characters). Shorten it on the Fortnox record.",
    ),
    _rule(
        r"custom field|not (enabled|configured)",
        (),
        "The webCRM custom field wfsync writes to is not set up. Run `wfsync check` to see "
        "which ones are missing and create them in webCRM (Configurations → Custom fields).",
    ),
    _rule(
        r"\b404\b|not found",
        (),
        "The webCRM record no longer exists (deleted in webCRM). The link is paused.",
    ),
)

#: Messages wfsync itself writes (see sync/), recognised by their words.
_WFSYNC: tuple[_Rule, ...] = (
    _rule(
        r"waits for its (organisation|customer)",
        (),
        "Nothing to fix here: this record waits for its customer, which has its own entry in "
        "the inbox. Fix that one; this one follows by itself on the next cycle.",
    ),
    _rule(
        r"customer number differs",
        (),
        "Two records look like the same company (same organisation number, VAT number or "
        "name) but carry different customer numbers. If they are the same company, type "
        "Fortnox's customer number into the webCRM organisation; if they are not, correct the "
        "organisation number on the wrong one. Retried after either record is edited.",
        "customer_number",
    ),
    _rule(
        r"already linked to",
        (),
        "This record matches one that is already linked to another record: there are "
        "duplicates. Merge them, or correct the organisation/customer number on one. Retried "
        "after the record is edited.",
    ),
    _rule(
        r"matches|ambiguous|several",
        (),
        "More than one record on the other side could be this one, so wfsync does not guess. "
        "Make the customer number or organisation number unique. Retried after an edit.",
    ),
    _rule(
        r"no customer number: customer numbers are owned by webcrm",
        (),
        'With customer_number_owner = "webcrm", numbers are typed in webCRM: fill in the '
        "organisation's customer-number field.",
        "customer_number",
    ),
    _rule(
        r"not one of the synced customer types|type .* not one of",
        (),
        "Its organisation's Type is not one of [sync] customer_types, so it does not sync. "
        "Change the Type in webCRM if it is a customer.",
    ),
    _rule(
        r"has no name",
        (),
        "The organisation has no name; Fortnox requires one. Fill it in in webCRM.",
        "name",
    ),
    _rule(
        r"neither an invoice date nor an order date",
        (),
        "In invoice mode a delivery needs an invoice date (or at least an order date). Fill "
        "in the invoice date on the webCRM delivery.",
        "invoice_date",
    ),
    _rule(
        r"did not confirm",
        (),
        "The other system did not answer the create in time. Nothing to fix: the next cycle "
        "first checks whether the record was made, then creates it if not.",
    ),
)

_PREFIX = re.compile(r"^(fortnox|webcrm)\s+(\d{3})(?:\s+code\s+(\d+))?:\s*", re.IGNORECASE)
_SUFFIX = re.compile(r"\s*\((GET|POST|PUT|PATCH|DELETE)\s+\S+\)\s*$")


def _vendor(source: str, code: int | None, message: str) -> str:
    """Which system answered: the message says so when it came from an API call."""
    prefix = _PREFIX.match(message)
    if prefix:
        return prefix.group(1).lower()
    if code is not None and 1_000_000 <= code < 3_000_000:
        return "fortnox"
    return source.lower()


def vendor_message(message: str) -> str:
    """The vendor's own words, without wfsync's status/code prefix and request suffix."""
    return _SUFFIX.sub("", _PREFIX.sub("", message)).strip()


def _find(source: str, code: int | None, message: str) -> _Rule | None:
    vendor = _vendor(source, code, message)
    text = vendor_message(message)
    own = _PREFIX.match(message) is None and code is None
    groups = [_WFSYNC] if own else []
    groups.append(_FORTNOX if vendor == "fortnox" else _WEBCRM)
    if not own:
        groups.append(_WFSYNC)
    for rules in groups:
        # A documented code is the surest sign; the words decide when there is none.
        by_code = [rule for rule in rules if code is not None and code in rule.codes]
        by_words = [rule for rule in rules if rule.pattern and rule.pattern.search(text)]
        if by_code or by_words:
            return (by_code or by_words)[0]
    return None


def explain_failure(source: str, code: int | None, message: str) -> str | None:
    """What the error means and how to fix it, or ``None`` when we do not know.

    ``source`` is the inbox entry's source system (``"fortnox"`` or ``"webcrm"``);
    the system that refused the write is read from the message when it names one.
    """
    rule = _find(source, code, message)
    return rule.text if rule else None


def failing_field(source: str, code: int | None, message: str) -> str | None:
    """The canonical field the error is about (``terms_of_payment``, …), if it is clear."""
    rule = _find(source, code, message)
    return rule.field if rule else None
