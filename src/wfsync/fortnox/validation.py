"""What Fortnox would refuse in a customer, checked before writing (for ``--dry-run``).

A dry run that promises a create which then fails is worse than none: the
admin acts on the promise. Fortnox rejects a customer whose terms-of-payment
or currency code is not in its registers, whose name is empty, or whose
Swedish organisation number is malformed (reference §4, §11). These are the
checks a dry run can make without writing; the registers are read once per
run. Anything Fortnox refuses that is not listed here still surfaces in the
real run's error inbox.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wfsync.domain.models import Customer

if TYPE_CHECKING:
    from wfsync.fortnox.client import FortnoxClient

__all__ = ["FortnoxRegisters", "customer_problems", "load_registers"]

_SWEDISH_NUMBER = re.compile(r"^(\d{6}|\d{8})-?(\d{4})$")


@dataclass(frozen=True)
class FortnoxRegisters:
    """The codes a customer may refer to, as the tenant has them."""

    terms_of_payment: frozenset[str]
    currencies: frozenset[str]


async def load_registers(client: FortnoxClient) -> FortnoxRegisters:
    """Read the tenant's terms-of-payment and currency registers (two small calls)."""
    terms = [item.code async for item in client.terms_of_payments.list()]
    currencies = [item.code async for item in client.currencies.list()]
    return FortnoxRegisters(
        terms_of_payment=frozenset(str(code) for code in terms),
        currencies=frozenset(code.upper() for code in currencies),
    )


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _organisation_number_ok(number: str) -> bool:
    match = _SWEDISH_NUMBER.fullmatch(number.replace(" ", ""))
    if not match:
        return False
    return _luhn_ok(match.group(1)[-6:] + match.group(2))


def customer_problems(
    customer: Customer, registers: FortnoxRegisters, fields: Iterable[str] | None = None
) -> list[str]:
    """Why Fortnox would refuse ``customer`` (empty: nothing we can see).

    ``fields``: only check these canonical fields (an update writes a few);
    ``None`` checks everything a create sends.
    """
    wanted = set(fields) if fields is not None else None

    def checks(name: str) -> bool:
        return wanted is None or name in wanted

    problems: list[str] = []
    if checks("name") and not (customer.name or "").strip():
        problems.append("name is empty (Fortnox requires one)")
    terms = (customer.terms_of_payment or "").strip()
    if checks("terms_of_payment") and terms and terms not in registers.terms_of_payment:
        known = ", ".join(sorted(registers.terms_of_payment))
        problems.append(f"terms_of_payment {terms!r} is not a Fortnox code (known: {known})")
    currency = (customer.currency or "").strip().upper()
    if checks("currency") and currency and currency not in registers.currencies:
        known = ", ".join(sorted(registers.currencies))
        problems.append(f"currency {currency!r} is not a Fortnox currency (known: {known})")
    number = (customer.organisation_number or "").strip()
    swedish = (customer.invoice_country or "SE") == "SE"
    if checks("organisation_number") and number and swedish and not _organisation_number_ok(number):
        problems.append(
            f"organisation_number {number!r} is not a valid Swedish organisation or "
            "personal number (NNNNNN-NNNN with a check digit)"
        )
    return problems
