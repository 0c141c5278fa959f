"""What the apps below tell the family's app, turned into notifications (and alert emails)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import reverse

from accounts.signals import request_approved
from billing.models import LedgerEntry, LowBalanceAlert, Payment, PaymentMethod
from billing.signals import (
    balance_low,
    correction_booked,
    direct_debit_announced,
    direct_debit_returned,
    payment_credited,
)
from canteen.models import Establishment, Guardianship
from canteen.quotient import FamilyQuotient
from canteen.signals import quotient_decided
from portal.lib.money import euros

from .alerts import notify_low_balances
from .establishments import forget_establishment as forget_school
from .models import Notification, NotificationKind
from .notifications import notify
from .quotient import notify_decision


@receiver(payment_credited, dispatch_uid="portal.notify_payment")
def notify_payment(sender, payment: Payment, **kwargs) -> None:
    """The parent who paid online hears it was credited; for a cheque, cash, transfer or direct debit
    recorded by the school, every guardian of a child it credits hears of their children's part."""
    allocations = list(payment.allocations.select_related("pupil").order_by("pupil__first_name"))
    link = reverse("portal:home")
    if payment.method == PaymentMethod.ONLINE:
        if payment.user_id:
            notify(
                [
                    Notification(
                        user_id=payment.user_id,
                        kind=NotificationKind.PAYMENT_CREDITED,
                        params={
                            "amount": str(payment.amount),
                            "pupils": ", ".join(a.pupil.first_name for a in allocations),
                        },
                        link=link,
                    )
                ]
            )
        return
    shares: dict[int, list] = defaultdict(list)
    guardians = Guardianship.objects.filter(pupil_id__in=[a.pupil_id for a in allocations]).values_list(
        "user_id", "pupil_id"
    )
    by_pupil = {a.pupil_id: a for a in allocations}
    for user_id, pupil_id in guardians:
        shares[user_id].append(by_pupil[pupil_id])
    notify(
        Notification(
            user_id=user_id,
            kind=NotificationKind.OFFLINE_PAYMENT,
            params={
                "method": payment.method,
                "amount": str(sum((a.amount for a in parts), Decimal("0.00"))),
                "pupils": ", ".join(a.pupil.first_name for a in parts),
            },
            link=link,
        )
        for user_id, parts in shares.items()
    )


@receiver(correction_booked, dispatch_uid="portal.notify_correction")
def notify_correction(sender, entry: LedgerEntry, **kwargs) -> None:
    """Every guardian of the child hears of a correction and why, with a link to the child's history."""
    pupil = entry.wallet.pupil
    params = {"amount": str(entry.amount), "pupil": pupil.first_name, "reason": entry.note}
    link = reverse("billing:history", args=[pupil.pk])
    notify(
        Notification(user_id=user_id, kind=NotificationKind.CORRECTION, params=params, link=link)
        for user_id in Guardianship.objects.filter(pupil=pupil).values_list("user_id", flat=True)
    )


@receiver(direct_debit_announced, dispatch_uid="portal.notify_debit_announced")
def notify_debit_announced(sender, debits, **kwargs) -> None:
    """Each parent reads what will be taken, when, and under which mandate: "Prochain prélèvement : 45,00 € le
    05/01/2027 (Hugo 20,00 €, Léa 25,00 €)"."""
    link = reverse("portal:other_payments")
    notify(
        Notification(
            user_id=debit.mandate.user_id,
            kind=NotificationKind.DEBIT_ANNOUNCED,
            params={
                "amount": str(debit.payment.amount),
                "date": f"{debit.collection_date:%d/%m/%Y}",
                "parts": ", ".join(
                    f"{a.pupil.first_name} {euros(a.amount)}"
                    for a in sorted(debit.payment.allocations.all(), key=lambda a: a.pupil.first_name)
                ),
                "rum": debit.mandate.reference,
                "ics": debit.mandate.establishment.creditor_identifier,
            },
            link=link,
        )
        for debit in debits
    )


@receiver(direct_debit_returned, dispatch_uid="portal.notify_debit_returned")
def notify_debit_returned(sender, debit, reason: str, **kwargs) -> None:
    notify(
        [
            Notification(
                user_id=debit.mandate.user_id,
                kind=NotificationKind.DEBIT_RETURNED,
                params={"amount": str(debit.payment.amount), "reason": str(reason)},
                link=reverse("portal:other_payments"),
            )
        ]
    )


@receiver(request_approved, dispatch_uid="portal.notify_request_approved")
def notify_request_approved(sender, user, pupil, **kwargs) -> None:
    notify(
        [
            Notification(
                user=user,
                kind=NotificationKind.REQUEST_APPROVED,
                params={"pupil": pupil.full_name},
                link=reverse("portal:home"),
            )
        ]
    )


@receiver(post_save, sender=Guardianship, dispatch_uid="portal.notify_guardian_added")
def notify_guardian_added(sender, instance: Guardianship, created: bool, raw: bool = False, **kwargs) -> None:
    """The other guardians of a child hear that a new login now sees and pays for that child."""
    if not created or raw:
        return
    others = Guardianship.objects.filter(pupil_id=instance.pupil_id).exclude(user_id=instance.user_id)
    notify(
        Notification(
            user_id=user_id,
            kind=NotificationKind.GUARDIAN_ADDED,
            params={"email": instance.user.email, "pupil": instance.pupil.first_name},
            link=reverse("portal:home"),
        )
        for user_id in others.values_list("user_id", flat=True)
    )


@receiver(balance_low, sender=LowBalanceAlert, dispatch_uid="portal.low_balance_alerts")
def low_balance_alerts(sender, alerts, **kwargs) -> None:
    """Billing found guardians to tell (after the booking's commit, once per crossing)."""
    notify_low_balances(alerts)


def forget_now_and_after_commit(forget) -> None:
    """Forget at once (this transaction's next reads) and again after the commit: a page served meanwhile
    by another transaction may have cached the old rows again."""
    forget()
    transaction.on_commit(forget)


@receiver([post_save, post_delete], sender=Establishment, dispatch_uid="portal.forget_establishment")
def forget_establishment(sender, instance: Establishment, **kwargs) -> None:
    """The header shows the school's new name or logo on the next page."""
    code = instance.code
    forget_now_and_after_commit(lambda: forget_school(code))


@receiver(quotient_decided, sender=FamilyQuotient, dispatch_uid="portal.notify_quotient_decided")
def notify_quotient_decided(sender, quotient: FamilyQuotient, **kwargs) -> None:
    """Staff validated or refused a family's QF: the parent is told, with the dates or the reason."""
    notify_decision(quotient)
