"""Receipts of online payments: the printable page and the email sent once a payment is credited."""

from __future__ import annotations

from decimal import Decimal

from django.dispatch import receiver
from django.utils import timezone

from billing.models import Payment, PaymentMethod
from billing.signals import payment_credited
from portal.lib.emails import queue_email
from portal.lib.localtime import local


def receipt_context(payment: Payment, for_user=None) -> dict:
    """What a receipt shows. For a payment the school recorded (a cheque may pay for two families), only the
    children of ``for_user`` and their part, their sum as the total."""
    allocations = payment.allocations.select_related("pupil__establishment").order_by("pupil__first_name")
    if for_user is not None and payment.method != PaymentMethod.ONLINE:
        allocations = allocations.filter(pupil__guardianships__user=for_user)
    allocations = list(allocations)
    establishment = allocations[0].pupil.establishment if allocations else None
    total = sum((a.amount for a in allocations), Decimal("0.00"))
    offline = getattr(payment, "offline", None) if payment.method != PaymentMethod.ONLINE else None
    return {
        "payment": payment,
        "allocations": allocations,
        "establishment": establishment,
        "total": total,
        "method": "" if payment.method == PaymentMethod.ONLINE else payment.get_method_display(),
        "cheque_number": offline.cheque_number if offline is not None else "",
    }


@receiver(payment_credited, dispatch_uid="billing.online.email_receipt")
def email_receipt(sender, payment: Payment, **kwargs) -> None:
    """Queue the receipt for the parent who paid online; it leaves once the transaction commits."""
    if payment.method != PaymentMethod.ONLINE or not (payment.user_id and payment.user.email):
        return
    context = receipt_context(payment)
    establishment = context["establishment"]
    paid_at = local(payment.paid_at, establishment) if establishment else timezone.localtime(payment.paid_at)
    queue_email(
        "payment-receipt",
        payment.user.email,
        {  # the receipt template's names, as plain values
            "payment": {
                "order_number": payment.order_number,
                "amount": payment.amount,
                "refunded_amount": payment.refunded_amount,
                "paid_at": payment.paid_at,
                "payer_name": payment.payer_name,
            },
            "allocations": [
                {"pupil": {"first_name": a.pupil.first_name, "last_name": a.pupil.last_name}, "amount": a.amount}
                for a in context["allocations"]
            ],
            "establishment": {
                "name": establishment.name,
                "beneficiary": establishment.beneficiary,
                "address": establishment.address,
            }
            if establishment
            else None,
            "date": paid_at.strftime("%d/%m/%Y"),
            "time": paid_at.strftime("%H:%M"),
        },
        reply_to=[establishment.contact_email] if establishment else None,
        sender_name=establishment.name if establishment else "",
    )
