"""The one function that moves money on a canteen account.

Every path that changes a balance (till, webhook, return page, cashier) calls
``book``. In one transaction it moves the cached balance (which locks the
wallet row) and inserts the entry carrying the new balance, so that a wallet's
balance always equals the sum of its entries. A source is booked at most once:
the entry's ``reference`` is unique, and a second booking of it rolls back and
returns the first entry.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
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
    try:
        with transaction.atomic():
            wallet_id, new_balance = _move_balance(pupil_id, amount)
            entry = LedgerEntry.objects.create(
                wallet_id=wallet_id,
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
    except IntegrityError:
        # The reference was already booked (perhaps a moment ago by a concurrent request): the
        # transaction above rolled back, balance included; answer with the first booking.
        existing = LedgerEntry.objects.filter(reference=reference).first() if reference is not None else None
        if existing is None:
            raise
        return Booking(existing, created=False)
    return Booking(entry, created=True)


def _move_balance(pupil_id: int, amount: Decimal) -> tuple[int, Decimal]:
    """Add ``amount`` to the wallet in one statement and return (wallet id, new balance).

    The UPDATE takes the wallet's row lock until the transaction ends, so concurrent bookings
    on one wallet queue up: no lost update, and the new balance read here is the one the
    entry records.
    """
    sql = (
        f"UPDATE {Wallet._meta.db_table} SET balance = balance + %s, updated_at = %s "
        "WHERE pupil_id = %s RETURNING id, balance"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [amount, timezone.now(), pupil_id])
        row = cursor.fetchone()
        if row is None:  # pupils get a wallet when created; this covers rows loaded without signals
            Wallet.objects.get_or_create(pupil_id=pupil_id)
            cursor.execute(sql, [amount, timezone.now(), pupil_id])
            row = cursor.fetchone()
    wallet_id, balance = row
    # SQLite hands back a float for a decimal column; PostgreSQL a Decimal already.
    return wallet_id, Decimal(str(balance)).quantize(CENT)


def wallets_out_of_balance():
    """Wallets whose cached balance differs from the sum of their entries, with both figures."""
    for wallet in Wallet.objects.annotate(total=Sum("entries__amount")).select_related("pupil").iterator():
        # SQLite sums decimal columns as floats: back to cents (every entry is a whole number of cents).
        total = Decimal(str(wallet.total or 0)).quantize(CENT)
        if wallet.balance != total:
            yield wallet, total
