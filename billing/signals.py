"""What billing tells the apps above it, the wallet every pupil gets, the forecasts' calendar, and the
payments their payer sees."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from canteen.models import ClosedPeriod, Establishment, Pupil

from . import precomputed
from .models import Payment, Wallet

# Sent inside the transaction that credited a payment (receivers queue their emails from there).
payment_credited = Signal()  # payment=Payment
# Sent once per crossing, after the booking that made it committed, in the transaction that records the
# crossing (billing.thresholds): alerts=[LowBalance(user_id, pupil_id, balance), ...], the balances as they
# stood when checked. Receivers write their notifications and emails in that transaction.
balance_low = Signal()
# Sent inside the transaction that booked a correction by the cash desk: entry=LedgerEntry (its ``note`` is the
# reason the family reads).
correction_booked = Signal()
# Sent in the transaction that announces direct debits to their parents (debits=[DirectDebit], their payments'
# allocations loaded) and in the one that records a return by the bank (debit=DirectDebit, reason=the French
# reason): receivers leave notifications.
direct_debit_announced = Signal()
direct_debit_returned = Signal()


@receiver(post_save, sender=Pupil, dispatch_uid="billing.open_wallet")
def open_wallet(sender, instance: Pupil, created: bool, raw: bool = False, **kwargs) -> None:
    """Every pupil has a canteen account (the "SELF" wallet) from the start."""
    if created and not raw:
        Wallet.objects.get_or_create(pupil=instance)


@receiver(post_save, sender=Payment, dispatch_uid="billing.show_payment_to_payer")
def payment_saved(sender, instance: Payment, raw: bool = False, **kwargs) -> None:
    """A payment started online shows on its payer's "Mes paiements" (its state changes call the same)."""
    if not raw:
        instance.show_to_payer()


@receiver([post_save, post_delete], sender=ClosedPeriod, dispatch_uid="billing.forget_calendar_closed_period")
@receiver([post_save, post_delete], sender=Establishment, dispatch_uid="billing.forget_calendar_establishment")
def forget_calendar(sender, **kwargs) -> None:
    """A closed period added, moved or removed, a school's time zone changed: every forecast is computed again,
    forgotten at once (this transaction's next reads) and again after the commit (a page served meanwhile by
    another transaction may have kept the old calendar)."""
    precomputed.forget_calendar()
    transaction.on_commit(precomputed.forget_calendar)
