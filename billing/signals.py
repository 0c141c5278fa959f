"""What billing tells the apps above it, and the wallet every pupil gets."""

from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from canteen.models import Pupil

from .models import Wallet

# Sent inside the transaction that credited a payment (receivers queue their emails from there).
payment_credited = Signal()  # payment=Payment
# Sent inside the transaction of each booking that moved balances, the wallets still locked, once per
# booking: changes=[(pupil_id, old balance, new balance), ...] (receivers decide what a crossing means).
balances_changed = Signal()


@receiver(post_save, sender=Pupil, dispatch_uid="billing.open_wallet")
def open_wallet(sender, instance: Pupil, created: bool, raw: bool = False, **kwargs) -> None:
    """Every pupil has a canteen account (the "SELF" wallet) from the start."""
    if created and not raw:
        Wallet.objects.get_or_create(pupil=instance)
