"""Payments as the pages create them, for the tests."""

from __future__ import annotations

from decimal import Decimal as D

from billing.models import Payment, PaymentAllocation, PaymentMethod, PaymentStatus


def online_payment(parent, amounts: dict, *, provider: str = "stripe", session_id: str | None = None) -> Payment:
    """A pending online payment of ``parent`` split as ``{pupil: "20.00"}``."""
    payment = Payment.objects.create(
        method=PaymentMethod.ONLINE,
        status=PaymentStatus.PENDING,
        amount=sum((D(amount) for amount in amounts.values()), D("0.00")),
        user=parent,
        provider=provider,
    )
    for pupil, amount in amounts.items():
        PaymentAllocation.objects.create(payment=payment, pupil=pupil, amount=D(amount))
    if provider == "stripe":
        payment.provider_id = session_id or f"cs_test_openself_{payment.pk:06d}"
        payment.save(update_fields=["provider_id"])
    return payment
