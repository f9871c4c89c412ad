"""Fortnox's error bodies, as the real service sends them.

Fortnox uses two spellings of the same envelope: not-found errors come with
*capitalised* keys (``Error``/``Message``/``Code``) while validation errors use
lower-case keys (reference §11.1). A client that parses only one spelling works
against a lenient fake and breaks in production, so every error raised inside
the simulator carries which spelling it needs.

Codes marked "simulator-chosen" are not in any source; they are listed in
docs/fortnox-simulator.md. Clients must classify by HTTP status, not by them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ApiProblem", "Code"]


class Code:
    """Numeric ``ErrorInformation`` codes (documented unless marked chosen)."""

    SYSTEM_EXCEPTION = 1000003
    INVALID_RESPONSE_TYPE = 1000030
    INVALID_CONTENT_TYPE = 1000031
    NOT_ALPHANUMERIC = 2000106
    NOT_NUMERIC = 2000108
    NOT_BOOLEAN = 2000134
    INVALID_CHARACTERS = 2000359
    ARTICLE_NOT_FOUND = 2000428
    TERMS_NOT_FOUND = 2000429
    PRICELIST_NOT_FOUND = 2000430  # [I] guessed by the reference
    PRICE_NOT_FOUND = 2000431  # [I] guessed by the reference
    CUSTOMER_NOT_FOUND = 2000433
    INVOICE_NOT_FOUND = 2000434
    ORDER_NOT_FOUND = 2000439
    INVALID_FILTER = 2000587
    INVALID_PARAMETER = 2000588
    CUSTOMER_NUMBER_TAKEN = 2000637
    SCOPE_MISSING = 2000663
    INVALID_IDENTIFIER = 2000729
    ACCOUNT_NOT_FOUND = 2001304
    WRONG_ROOT = 2001392
    UNKNOWN_FIELD = 2001399
    JSON_SYNTAX = 2002115
    # Simulator-chosen codes (no source documents them):
    INVALID_VALUE = 2000900
    REFERENCE_NOT_FOUND = 2000901
    INVALID_EMAIL = 2000902
    INVALID_ORGANISATION_NUMBER = 2000903
    NUMBER_TAKEN = 2000904
    REQUIRED_FIELD = 2000905
    DOCUMENT_LOCKED = 2000906
    ROWS_LINKED_TO_ORDER = 2000907
    RECORD_IN_USE = 2000908
    UNIT_NOT_FOUND = 2000909
    CURRENCY_NOT_FOUND = 2000910
    UNKNOWN_ROW = 2000911


class ApiProblem(Exception):
    """An error response: raise it anywhere below the router to answer with it."""

    def __init__(self, status: int, code: int, message: str, *, capitalised: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.capitalised = capitalised

    def body(self) -> dict[str, Any]:
        if self.capitalised:
            info = {"Error": 1, "Message": self.message, "Code": self.code}
        else:
            info = {"error": 1, "message": self.message, "code": self.code}
        return {"ErrorInformation": info}

    @classmethod
    def not_found(cls, code: int, message: str) -> ApiProblem:
        """404 with the capitalised keys recorded for every not-found case."""
        return cls(404, code, message, capitalised=True)

    @classmethod
    def invalid(cls, code: int, message: str) -> ApiProblem:
        """400 with lower-case keys: validation and business-rule violations."""
        return cls(400, code, message)

    @classmethod
    def bad_parameter(cls) -> ApiProblem:
        return cls(400, Code.INVALID_PARAMETER, "Ogiltig parameter i anropet.")

    @classmethod
    def unknown_field(cls) -> ApiProblem:
        return cls(400, Code.UNKNOWN_FIELD, "Felaktigt fältnamn")

    @classmethod
    def wrong_root(cls) -> ApiProblem:
        return cls(400, Code.WRONG_ROOT, "Ingen eller felaktig typ av data.")

    @classmethod
    def locked(cls, message: str) -> ApiProblem:
        return cls(400, Code.DOCUMENT_LOCKED, message)

    @classmethod
    def reference_missing(cls, what: str, code: int = Code.REFERENCE_NOT_FOUND) -> ApiProblem:
        """Unknown referenced code: "Kunde inte hitta …" (reference §4.3, §11.2)."""
        return cls(400, code, f"Kunde inte hitta {what}")
