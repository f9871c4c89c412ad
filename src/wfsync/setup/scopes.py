"""Which Fortnox OAuth scopes wfsync needs, and why (reference §2.8).

A token's scopes are fixed at consent (§2.4): a scope missing from the app in
the Developer Portal, or one the customer has no licence for, is silently left
out of the grant and only shows up later as error 2000663 on the first call to
that resource. ``connect`` and ``check`` compare the granted list (the token
response's ``scope``) with this table so the admin learns it on day one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["SCOPE_NEEDS", "ScopeReport", "compare_scopes"]

#: Scope → (required for syncing?, what wfsync uses it for).
SCOPE_NEEDS: Final[dict[str, tuple[bool, str]]] = {
    "customer": (True, "customers"),
    "article": (True, "articles"),
    "price": (True, "list prices"),
    "order": (True, "orders"),
    "invoice": (True, "invoices (also invoice number and booked flag in order mode)"),
    "companyinformation": (False, "`wfsync check`/`connect` show the company"),
    "settings": (False, "terms-of-payment codes"),
    "currency": (False, "currency codes"),
}


@dataclass(frozen=True)
class ScopeReport:
    """Granted scopes against :data:`SCOPE_NEEDS`."""

    granted: tuple[str, ...]
    #: Required scopes not granted: syncing fails on the first call that needs them.
    missing_required: tuple[str, ...]
    #: Useful scopes not granted: some checks or validations are skipped.
    missing_optional: tuple[str, ...]

    @property
    def known(self) -> bool:
        """Whether the token response said which scopes were granted at all."""
        return bool(self.granted)

    def advice(self) -> str:
        """One sentence on what to do about missing scopes."""
        names = " ".join(self.missing_required + self.missing_optional)
        return (
            f"add the scope(s) {names} to the app in the Fortnox Developer Portal and to "
            "[fortnox] scopes, then run `wfsync connect fortnox` again "
            "(scopes are fixed at consent)"
        )


def compare_scopes(granted: str) -> ScopeReport:
    """Compare a space-separated ``scope`` string from a token response with our needs."""
    names = tuple(dict.fromkeys(granted.split()))
    have = set(names)
    required = tuple(s for s, (needed, _) in SCOPE_NEEDS.items() if needed and s not in have)
    optional = tuple(s for s, (needed, _) in SCOPE_NEEDS.items() if not needed and s not in have)
    return ScopeReport(names, required, optional)
