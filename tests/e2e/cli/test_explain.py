"""`explain_failure`: the common inbox messages get a plain cause and fix; unknown ones
get None (the vendor's own words are always shown beside it)."""

from __future__ import annotations

import pytest

from wfsync.explain import explain_failure, failing_field, vendor_message


@pytest.mark.parametrize(
    ("source", "code", "message", "words", "field"),
    [
        (
            "webcrm",
            2000901,
            "fortnox 400 code 2000901: Kunde inte hitta betalningsvillkor (POST https://f/3/c)",
            "terms-of-payment code",
            "terms_of_payment",
        ),
        ("webcrm", None, "fortnox 400: Kunde inte hämta/hitta valuta", "currency", "currency"),
        (
            "webcrm",
            2000637,
            "fortnox 400 code 2000637: Kundnummer 1 används redan.",
            "reserves numbers forever",
            "customer_number",
        ),
        (
            "webcrm",
            2000428,
            "fortnox 404 code 2000428: Kan inte hitta artikeln.",
            "create the article there",
            "article_number",
        ),
        ("webcrm", 2001101, "fortnox 403 code 2001101: …", "licence", None),
        ("webcrm", 1000003, "fortnox 500 code 1000003: System exception", "temporary", None),
        (
            "fortnox",
            None,
            "webcrm 400: OrganisationName is required. (POST https://w/Organisations)",
            "requires this field",
            None,
        ),
        (
            "webcrm",
            None,
            "Acme AB (webCRM 5): not created in Fortnox, 7 matches but its customer number "
            "differs (7 vs 1005)",
            "different customer numbers",
            "customer_number",
        ),
        (
            "webcrm",
            None,
            "webCRM delivery 1 (X) waits for its organisation 1, which could not be synced",
            "its own entry",
            None,
        ),
    ],
)
def test_common_messages_are_explained(
    source: str, code: int | None, message: str, words: str, field: str | None
) -> None:
    explanation = explain_failure(source, code, message)
    assert explanation is not None and words in explanation
    assert failing_field(source, code, message) == field


def test_unknown_messages_are_not_guessed() -> None:
    assert explain_failure("fortnox", 4711, "fortnox 400 code 4711: Något helt nytt") is None


def test_vendor_message_drops_our_prefix_and_the_request() -> None:
    message = "fortnox 400 code 2000901: Kunde inte hitta betalningsvillkor (POST https://f/3/c)"
    assert vendor_message(message) == "Kunde inte hitta betalningsvillkor"
