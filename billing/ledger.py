"""The one place that moves money on a canteen account.

Every movement goes through ``book_many``: in one transaction, the wallets of all the
pupils concerned are locked in pupil order (so that concurrent operations queue up
instead of deadlocking), the entries are inserted carrying their running balances, and
the cached balances move to match, so that a wallet's balance always equals the sum of
its entries. A source is booked at most once: the entry's ``reference`` is unique, and
booking it again returns the first entry and changes nothing.

On top of it, the operations on a payment, whatever its method (online, cheque, cash,
transfer, direct debit): ``credit_payment`` is the only code that marks a payment paid,
and it books all of the payment's allocations in one ``book_many``; ``reverse_payment``
takes them back (cancellation, unpaid direct debit) and ``refund_payment`` books a
provider's refund pro rata, each in one ``book_many`` too.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from canteen.models import Pupil
from portal.lib.money import CENT, ZERO

from . import references
from .after_booking import follow_booking
from .models import EntryKind, LedgerEntry, Payment, PaymentAllocation, PaymentStatus, Wallet
from .signals import payment_credited


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
    entry. The first attempt expects none booked before (the till has already answered those): the
    unique constraint stops one that was, or one a concurrent transaction books in between, and the
    whole batch is then retried once, looking its references up: it finds those entries.
    """
    try:
        with transaction.atomic():
            return _book_locked(movements, look_up=False)
    except IntegrityError:
        with transaction.atomic():
            return _book_locked(movements, look_up=True)


def _book_locked(movements: list[Movement], *, look_up: bool) -> list[Booking]:
    balances = lock_wallets(sorted({m.pupil_id for m in movements}))
    before = {pupil_id: balance for pupil_id, (_, balance) in balances.items()}
    references = [m.reference for m in movements if m.reference is not None] if look_up else []
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
        _insert_entries(new_entries, now)
        moved = {e.wallet_id for e in new_entries}
        _set_balances([(wallet_id, balance) for wallet_id, balance in balances.values() if wallet_id in moved], now)
        changes = [
            (pupil_id, before[pupil_id], balance)
            for pupil_id, (wallet_id, balance) in balances.items()
            if wallet_id in moved and balance != before[pupil_id]
        ]
        if changes:
            follow_booking(changes)  # after the commit: nothing more is done under the wallet locks
    return [Booking(entry, created) for entry, created in results]


# What an entry is made of, in the order ``_insert_entries`` writes it.
ENTRY_COLUMNS = ("wallet_id", "occurred_at", "recorded_at", "kind", "amount", "balance_after", "label", "reference")
ENTRY_COLUMNS += ("payment_id", "recorded_by_id", "note")


def _insert_entries(entries: list[LedgerEntry], now: datetime.datetime) -> None:
    """Insert the entries and give them their ids: one statement written here on PostgreSQL, ``bulk_create``
    elsewhere. (A till batch's fifty entries cost the ORM more to build than the database takes to insert.)"""
    if connection.vendor != "postgresql":
        LedgerEntry.objects.bulk_create(entries)
        return
    row = "(" + ", ".join(["%s"] * len(ENTRY_COLUMNS)) + ")"
    values = [
        (e.wallet_id, e.occurred_at, now, str(e.kind), e.amount, e.balance_after, e.label, e.reference)
        + (e.payment_id, e.recorded_by_id, e.note)
        for e in entries
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {LedgerEntry._meta.db_table} ({', '.join(ENTRY_COLUMNS)}) "
            f"VALUES {', '.join([row] * len(entries))} RETURNING id",
            [value for entry in values for value in entry],
        )
        for entry, (pk,) in zip(entries, cursor.fetchall(), strict=True):  # RETURNING keeps the VALUES' order
            entry.pk, entry.recorded_at = pk, now
            entry._state.adding, entry._state.db = False, connection.alias


def _set_balances(balances: list[tuple[int, Decimal]], now: datetime.datetime) -> None:
    """Write the wallets' new balances: one statement on PostgreSQL, one per wallet elsewhere.

    (The ORM's Case/When over hundreds of wallets costs more to build than the database takes to run.)
    """
    if connection.vendor != "postgresql":
        for wallet_id, balance in balances:
            Wallet.objects.filter(pk=wallet_id).update(balance=balance, updated_at=now)
        return
    rows = ", ".join(["(%s::bigint, %s::numeric)"] * len(balances))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Wallet._meta.db_table} AS w SET balance = v.balance, updated_at = %s "
            f"FROM (VALUES {rows}) AS v(id, balance) WHERE w.id = v.id",
            [now, *(value for pair in balances for value in pair)],
        )


def lock_wallets(pupil_ids: list[int]) -> dict[int, tuple[int, Decimal]]:
    """Lock the pupils' wallets, in pupil order so that concurrent batches queue up instead of
    deadlocking, and return {pupil id: (wallet id, balance)} as read under the lock. In the caller's
    transaction: an operation that must read balances before booking (the desk's year-end closing) locks
    them the same way, in the same order."""
    locked = Wallet.objects.select_for_update().filter(pupil_id__in=pupil_ids).order_by("pupil_id")
    wallets = {pupil_id: (pk, balance) for pk, pupil_id, balance in locked.values_list("pk", "pupil_id", "balance")}
    if len(wallets) < len(pupil_ids):  # pupils get a wallet when created; this covers rows loaded without signals
        for pupil_id in set(pupil_ids) - set(wallets):
            Wallet.objects.get_or_create(pupil_id=pupil_id)
        return lock_wallets(pupil_ids)
    return wallets


def credit_payment(
    payment: Payment,
    *,
    from_statuses: tuple[str, ...],
    label: str | None = None,
    recorded_by=None,
) -> bool:
    """Credit every pupil of the payment in one booking and mark it paid; True if this call did it.

    Only a payment in one of ``from_statuses`` is credited: an online payment is credited even
    when it was cancelled or expired locally (the money did arrive), a direct debit only while
    pending. Safe to call twice and concurrently: the second call finds the payment paid.
    """
    with transaction.atomic():
        # The row lock serialises the webhook and the return page (or two cashiers): the second waits, then sees PAID.
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.is_paid or locked.status not in from_statuses:
            payment.refresh_from_db()
            return False
        allocations = list(locked.allocations.all())
        if sum((a.amount for a in allocations), ZERO) != locked.amount:
            raise ValueError(f"Payment {locked.pk}: its allocations do not add up to its amount.")
        book_many(
            [
                Movement(
                    a.pupil_id,
                    locked.entry_kind,
                    a.amount,
                    label or str(locked.get_method_display()),
                    references.payment_credit(locked.pk, a.pupil_id),
                    payment=locked,
                    recorded_by=recorded_by,
                )
                for a in allocations
            ]
        )
        now = timezone.now()
        Payment.objects.filter(pk=locked.pk).update(
            status=PaymentStatus.PAID, paid_at=now, recorded_by=recorded_by or locked.recorded_by
        )
        payment.refresh_from_db()
        payment.show_to_payer()
        payment_credited.send(sender=Payment, payment=payment)
    return True


def reverse_payment(payment: Payment, *, why: str, label: str, note: str, recorded_by, status: PaymentStatus) -> None:
    """Take back every part of a paid payment in one booking and move it to ``status``.

    ``why`` names the reversal in its references ("cancel", "rejected"). Raises ``ValueError``
    when the payment is not paid (anymore): nothing is booked twice.
    """
    with transaction.atomic():
        # The row lock makes two staff reversing the same payment reverse it once.
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != PaymentStatus.PAID:
            raise ValueError(f"Payment {locked.pk} is not paid.")
        book_many(
            [
                Movement(
                    a.pupil_id,
                    locked.entry_kind,
                    -a.amount,
                    label,
                    references.payment_reversal(locked.pk, why, a.pupil_id),
                    payment=locked,
                    recorded_by=recorded_by,
                    note=note,
                )
                for a in locked.allocations.all()
            ]
        )
        Payment.objects.filter(pk=locked.pk).update(status=status)
        payment.show_to_payer()
    payment.refresh_from_db()


def refund_payment(payment: Payment, total_refunded: Decimal, reason: str) -> Decimal:
    """Book what the provider refunded beyond what is already booked; returns that difference.

    ``total_refunded`` is the provider's running total, so repeated or out-of-order
    notifications book nothing twice. The difference is split over the pupils pro rata to
    their share of the payment, to the cent, in one booking.
    """
    with transaction.atomic():
        # The row lock serialises two refund notifications: each sees the other's refunded_amount.
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        total = min(total_refunded, locked.amount)
        difference = total - locked.refunded_amount
        if not locked.is_paid or difference <= 0:
            return ZERO
        allocations = list(locked.allocations.order_by("-amount", "pupil_id"))
        shares = split_pro_rata(difference, allocations, locked.amount)
        book_many(
            [
                Movement(
                    a.pupil_id,
                    EntryKind.REFUND,
                    -share,
                    _("Remboursement"),
                    references.payment_refund(locked.pk, total, a.pupil_id),
                    payment=locked,
                    note=reason,
                )
                for a, share in zip(allocations, shares, strict=True)
                if share
            ]
        )
        status = PaymentStatus.REFUNDED if total == locked.amount else locked.status
        Payment.objects.filter(pk=locked.pk).update(refunded_amount=total, status=status)
        payment.show_to_payer()
    payment.refresh_from_db()
    return difference


def split_pro_rata(amount: Decimal, allocations: list[PaymentAllocation], whole: Decimal) -> list[Decimal]:
    """Split ``amount`` over the allocations in proportion to their amounts; the shares add up to it exactly."""
    shares = [(amount * allocation.amount / whole).quantize(CENT, rounding=ROUND_DOWN) for allocation in allocations]
    leftover = amount - sum(shares)
    index = 0
    while leftover > 0:
        shares[index % len(shares)] += CENT
        leftover -= CENT
        index += 1
    return shares


def wallets_out_of_balance():
    """Wallets whose cached balance differs from the sum of their entries, with both figures."""
    for wallet in Wallet.objects.annotate(total=Sum("entries__amount")).select_related("pupil").iterator():
        # SQLite sums decimal columns as floats: back to cents (every entry is a whole number of cents).
        total = Decimal(str(wallet.total or 0)).quantize(CENT)
        if wallet.balance != total:
            yield wallet, total
