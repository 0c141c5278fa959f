"""Euros: the one cent, and the French way of writing amounts (18,40 €, -3,50, +20,00)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def euros(value: Decimal | None) -> str:
    """``Decimal("1234.5")`` → ``1 234,50 €`` in French."""
    if value is None:
        return ""
    return f"{number_format(Decimal(value), 2, force_grouping=True)}\u00a0€"


def signed(value: Decimal | None) -> str:
    """``Decimal("-3.5")`` → ``-3,50``; ``Decimal("20")`` → ``+20,00``."""
    if value is None:
        return ""
    value = Decimal(value)
    sign = "+" if value > 0 else "-" if value < 0 else ""
    return f"{sign}{number_format(abs(value), 2, force_grouping=True)}"
