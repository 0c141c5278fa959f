"""The one function that moves money on a canteen account.

Every path that changes a balance (till, webhook, return page, cashier) calls
``book``. It locks the wallet row, refuses a source already booked, inserts the
entry and moves the cached balance in the same transaction, so that a
wallet's balance always equals the sum of its entries.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from canteen.models import Pupil

from .models import EntryKind, LedgerEntry, Payment, Wallet

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Booking:
    entry: LedgerEntry
    created: bool  # False when the reference had already been booked: nothing changed


def book(
    pupil: Pupil | int,
    *,
    kind: EntryKind | str,
    amount: Decimal,
    label: str,
    reference: str | None = None,
    occurred_at: datetime.datetime | None = None,
    payment: Payment | None = None,
    recorded_by=None,
    note: str = "",
) -> Booking:
    """Append an entry to the pupil's wallet and move its balance, exactly once per ``reference``."""
    if not isinstance(amount, Decimal):
        raise TypeError("Amounts are Decimals, never floats.")
    if amount != amount.quantize(CENT) or amount == 0:
        raise ValueError(f"An entry's amount must be a non-zero number of cents, not {amount}.")
    pupil_id = pupil if isinstance(pupil, int) else pupil.pk
    with transaction.atomic():
        # The row lock serialises concurrent bookings on this wallet: no lost update of the balance.
        wallet = Wallet.objects.select_for_update().filter(pupil_id=pupil_id).first()
        if wallet is None:  # pupils get a wallet when created; this covers rows loaded without signals
            Wallet.objects.get_or_create(pupil_id=pupil_id)
            wallet = Wallet.objects.select_for_update().get(pupil_id=pupil_id)
        if reference is not None:
            existing = LedgerEntry.objects.filter(reference=reference).first()
            if existing is not None:
                return Booking(existing, created=False)
        new_balance = wallet.balance + amount
        entry = LedgerEntry.objects.create(
            wallet=wallet,
            kind=kind,
            amount=amount,
            balance_after=new_balance,
            label=label,
            reference=reference,
            occurred_at=occurred_at or timezone.now(),
            payment=payment,
            recorded_by=recorded_by,
            note=note,
        )
        Wallet.objects.filter(pk=wallet.pk).update(balance=new_balance, updated_at=timezone.now())
    return Booking(entry, created=True)


def wallets_out_of_balance():
    """Wallets whose cached balance differs from the sum of their entries, with both figures."""
    for wallet in Wallet.objects.annotate(total=Sum("entries__amount")).select_related("pupil").iterator():
        total = wallet.total or Decimal("0.00")
        if wallet.balance != total:
            yield wallet, total
