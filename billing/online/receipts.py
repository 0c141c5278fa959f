"""Receipts of online payments: the printable page and the email sent once a payment is credited."""

from __future__ import annotations

from django.dispatch import receiver

from billing.models import Payment, PaymentMethod
from billing.signals import payment_credited
from portal.lib.emails import queue_email


def receipt_context(payment: Payment) -> dict:
    allocations = list(payment.allocations.select_related("pupil__establishment").order_by("pupil__first_name"))
    establishment = allocations[0].pupil.establishment if allocations else None
    return {"payment": payment, "allocations": allocations, "establishment": establishment}


@receiver(payment_credited, dispatch_uid="billing.online.email_receipt")
def email_receipt(sender, payment: Payment, **kwargs) -> None:
    """Queue the receipt for the parent who paid online; it leaves once the transaction commits."""
    if payment.method != PaymentMethod.ONLINE or not (payment.user_id and payment.user.email):
        return
    context = receipt_context(payment)
    establishment = context["establishment"]
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
            "establishment": {"beneficiary": establishment.beneficiary, "address": establishment.address}
            if establishment
            else None,
        },
    )
