"""The one place that moves money on a canteen account.

Every path that changes a balance (till, webhook, return page, cashier) calls
``book`` for one entry or ``book_many`` for a batch (a till's passages); ``book``
is ``book_many`` of one. In one transaction, the wallets are locked in pupil
order, the entries are inserted carrying their running balances, and the cached
balances move to match, so that a wallet's balance always equals the sum of its
entries. A source is booked at most once: the entry's ``reference`` is unique,
and booking it again returns the first entry and changes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Movement:
    """One entry to book: what ``book`` takes, as a value."""

    pupil_id: int
    kind: EntryKind | str
    amount: Decimal
    label: str
    reference: str | None = None
    occurred_at: datetime.datetime | None = None
    payment: Payment | None = None
    recorded_by: object = None
    note: str = field(default="")

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Amounts are Decimals, never floats.")
        if self.amount != self.amount.quantize(CENT) or self.amount == 0:
            raise ValueError(f"An entry's amount must be a non-zero number of cents, not {self.amount}.")


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
    pupil_id = pupil if isinstance(pupil, int) else pupil.pk
    movement = Movement(pupil_id, kind, amount, label, reference, occurred_at, payment, recorded_by, note)
    return book_many([movement])[0]


def book_many(movements: list[Movement]) -> list[Booking]:
    """Book the movements in order, in one transaction and a handful of statements whatever their number.

    A reference already booked (before, or earlier in the same list) is answered with its first
    entry. Should a concurrent transaction book the same reference in between, the unique
    constraint stops it and the whole batch is retried once: it then finds that entry.
    """
    try:
        with transaction.atomic():
            return _book_locked(movements)
    except IntegrityError:
        with transaction.atomic():
            return _book_locked(movements)


def _book_locked(movements: list[Movement]) -> list[Booking]:
    balances = _lock_wallets(sorted({m.pupil_id for m in movements}))
    references = [m.reference for m in movements if m.reference is not None]
    booked = {e.reference: e for e in LedgerEntry.objects.filter(reference__in=references)} if references else {}
    now = timezone.now()
    results: list[tuple[LedgerEntry, bool]] = []
    new_entries: list[LedgerEntry] = []
    for m in movements:
        if m.reference is not None and m.reference in booked:
            results.append((booked[m.reference], False))
            continue
        wallet_id, balance = balances[m.pupil_id]
        balances[m.pupil_id] = (wallet_id, balance + m.amount)
        entry = LedgerEntry(
            wallet_id=wallet_id,
            kind=m.kind,
            amount=m.amount,
            balance_after=balance + m.amount,
            label=m.label,
            reference=m.reference,
            occurred_at=m.occurred_at or now,
            payment=m.payment,
            recorded_by=m.recorded_by,
            note=m.note,
        )
        if m.reference is not None:
            booked[m.reference] = entry
        new_entries.append(entry)
        results.append((entry, True))
    if new_entries:
        LedgerEntry.objects.bulk_create(new_entries)
        moved = {e.wallet_id for e in new_entries}
        _set_balances([(wallet_id, balance) for wallet_id, balance in balances.values() if wallet_id in moved], now)
    return [Booking(entry, created) for entry, created in results]


def _set_balances(balances: list[tuple[int, Decimal]], now: datetime.datetime) -> None:
    """Write the wallets' new balances: one statement on PostgreSQL, one per wallet elsewhere.

    (The ORM's Case/When over hundreds of wallets costs more to build than the database takes to run.)
    """
    table = Wallet._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            rows = ", ".join(["(%s::bigint, %s::numeric)"] * len(balances))
            cursor.execute(
                f"UPDATE {table} AS w SET balance = v.balance, updated_at = %s "
                f"FROM (VALUES {rows}) AS v(id, balance) WHERE w.id = v.id",
                [now, *(value for pair in balances for value in pair)],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET balance = %s, updated_at = %s WHERE id = %s",
                [(balance, now, wallet_id) for wallet_id, balance in balances],
            )


def _lock_wallets(pupil_ids: list[int]) -> dict[int, tuple[int, Decimal]]:
    """Lock the pupils' wallets, in pupil order so that concurrent batches queue up instead of
    deadlocking, and return {pupil id: (wallet id, balance)} as read under the lock."""
    locked = Wallet.objects.select_for_update().filter(pupil_id__in=pupil_ids).order_by("pupil_id")
    wallets = {pupil_id: (pk, balance) for pk, pupil_id, balance in locked.values_list("pk", "pupil_id", "balance")}
    if len(wallets) < len(pupil_ids):  # pupils get a wallet when created; this covers rows loaded without signals
        for pupil_id in set(pupil_ids) - set(wallets):
            Wallet.objects.get_or_create(pupil_id=pupil_id)
        return _lock_wallets(pupil_ids)
    return wallets


def wallets_out_of_balance():
    """Wallets whose cached balance differs from the sum of their entries, with both figures."""
    for wallet in Wallet.objects.annotate(total=Sum("entries__amount")).select_related("pupil").iterator():
        # SQLite sums decimal columns as floats: back to cents (every entry is a whole number of cents).
        total = Decimal(str(wallet.total or 0)).quantize(CENT)
        if wallet.balance != total:
            yield wallet, total
