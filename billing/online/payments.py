"""Crediting an online payment: the provider's webhook and the return page both end here."""

from __future__ import annotations

from billing.ledger import credit_payment
from billing.models import Payment, PaymentStatus

# Money received is credited even when the payment was cancelled or had expired locally meanwhile.
CREDITABLE = (PaymentStatus.CREATED, PaymentStatus.PENDING, PaymentStatus.CANCELED, PaymentStatus.FAILED)


def credit(payment: Payment) -> bool:
    """Credit each child's wallet once; True if this call did it, False if it was already done."""
    return credit_payment(payment, from_statuses=CREDITABLE)
