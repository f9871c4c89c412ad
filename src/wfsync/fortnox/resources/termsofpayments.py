"""``/3/termsofpayments`` (reference §9.1): codes a customer's ``TermsOfPayment`` may take."""

from __future__ import annotations

from wfsync.fortnox.models import TermsOfPayment
from wfsync.fortnox.resources._base import RegisterResource

__all__ = ["TermsOfPayments"]


class TermsOfPayments(RegisterResource[TermsOfPayment]):
    path = "termsofpayments"
    root = "TermsOfPayment"
    collection = "TermsOfPayments"
    item_model = TermsOfPayment
