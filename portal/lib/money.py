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


def in_words(value: Decimal) -> str:
    """``Decimal("1250.50")`` → ``mille deux cent cinquante euros et cinquante centimes`` (French, for cheques).

    Shown when a large amount must be confirmed: a slip of the comma reads very differently in words.
    """
    from num2words import num2words  # imported here: only the cash desk's confirmation needs it

    value = Decimal(value).quantize(CENT)
    units, cents = divmod(abs(int(value * 100)), 100)
    words = f"{num2words(units, lang='fr')} euro{'s' if units > 1 else ''}"
    if units and units % 1_000_000 == 0:
        words = words.replace(" euros", " d'euros")  # "un million d'euros"
    if cents:
        cents_words = f"{num2words(cents, lang='fr')} centime{'s' if cents > 1 else ''}"
        words = f"{words} et {cents_words}" if units else cents_words
    return f"moins {words}" if value < 0 else words
