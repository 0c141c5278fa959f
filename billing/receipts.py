"""Receipts of online payments: the printable page and the email sent on success."""

from __future__ import annotations

from portal.emails import queue_email

from .models import Payment


def receipt_context(payment: Payment) -> dict:
    allocations = list(payment.allocations.select_related("pupil__establishment").order_by("pupil__first_name"))
    establishment = allocations[0].pupil.establishment if allocations else None
    return {"payment": payment, "allocations": allocations, "establishment": establishment}


def email_receipt(payment: Payment) -> None:
    """Queue the receipt for the parent who paid; it leaves once the transaction commits."""
    if payment.user_id and payment.user.email:
        queue_email("payment-receipt", payment.user.email, receipt_context(payment))
