"""Stripe Checkout: a hosted card page, then a webhook that credits the payment.

Amounts are integer cents only here, at the boundary with Stripe.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal

import stripe
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.ledger import refund_payment
from billing.models import Payment, PaymentStatus
from portal.lib.money import CENT

from .. import payments
from .base import GatewayError, PaymentProvider

logger = logging.getLogger(__name__)

# Pinned so that a Stripe upgrade never changes the shape of what we send and receive.
API_VERSION = "2026-10-28.endive"
SESSION_LIFETIME = datetime.timedelta(minutes=31)  # Stripe accepts 30 minutes at the least
REFUND_REASONS = {
    "duplicate": gettext_lazy("Paiement en double"),
    "fraudulent": gettext_lazy("Paiement frauduleux"),
    "requested_by_customer": gettext_lazy("Remboursement à la demande du responsable légal"),
}


def stripe_client(http_client: stripe.HTTPClient | None = None) -> stripe.StripeClient:
    """The one place a Stripe client is built; tests pass a fake ``http_client``."""
    base_addresses = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY or "",
        stripe_version=API_VERSION,
        base_addresses=base_addresses,
        max_network_retries=2,
        http_client=http_client,
    )


class MalformedEvent(ValueError):
    """A correctly signed event whose shape is not Stripe's: answered 400, logged with its id, nothing changed."""


MAX_ID_LENGTH = 255  # Payment.provider_id, StripeEvent.event_id
MAX_CENTS = 10**12  # far above any payment, far below what a bigint or a Decimal(12, 2) holds


def event_envelope(event) -> tuple[str, str, dict]:
    """The id, type and ``data.object`` of a verified event, or ``MalformedEvent`` saying what is wrong."""
    if not isinstance(event, dict):
        raise MalformedEvent("the event is not a JSON object")
    event_id, kind, data = event.get("id"), event.get("type"), event.get("data")
    if not _short_text(event_id):
        raise MalformedEvent("id is not a short text")
    if not _short_text(kind):
        raise MalformedEvent("type is not a short text")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise MalformedEvent("data.object is not an object")
    return event_id, kind, data["object"]


def _short_text(value) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH and "\x00" not in value


def _object(value) -> dict:
    """A nested Stripe object that may be absent (``None``); anything but an object is malformed."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedEvent("a nested object is not an object")
    return value


def _local_id(value) -> int | None:
    """Our payment's number as Stripe echoes it (metadata, client_reference_id); None when not one."""
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def to_cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


class StripeProvider(PaymentProvider):
    name = "stripe"

    def __init__(self, client: stripe.StripeClient | None = None):
        self.client = client or stripe_client()

    def session_params(self, payment: Payment, request) -> dict:
        metadata = {"payment_id": str(payment.pk), "order_number": payment.order_number}
        # From SITE_URL, as every link the portal gives away: never from the request's Host.
        return_url = settings.SITE_URL + reverse("billing:payment_return", args=[payment.pk])
        return {
            "mode": "payment",
            "currency": "eur",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "eur",
                        "unit_amount": to_cents(allocation.amount),
                        "product_data": {"name": _("Crédit du compte SELF de %(name)s") % {"name": allocation.pupil}},
                    },
                }
                for allocation in payment.allocations.select_related("pupil").order_by("pk")
            ],
            "client_reference_id": str(payment.pk),
            "metadata": metadata,
            "payment_intent_data": {
                "metadata": metadata,
                "description": _("Commande n° %(number)s") % {"number": payment.order_number},
            },
            "customer_email": payment.user.email,
            "locale": "fr",
            "success_url": return_url + "?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": settings.SITE_URL + reverse("billing:payment_cancel", args=[payment.pk]),
            # Derived from the payment, not from now: a retried call sends the same parameters.
            "expires_at": int((payment.created_at + SESSION_LIFETIME).timestamp()),
        }

    def start(self, payment: Payment, request) -> str:
        try:
            session = self.client.v1.checkout.sessions.create(
                params=self.session_params(payment, request),
                options={"idempotency_key": f"openself-payment-{payment.pk}"},
            )
        except stripe.StripeError as error:
            logger.warning("Stripe refused the session of payment %s: %s", payment.pk, error)
            raise GatewayError() from error
        Payment.objects.filter(pk=payment.pk).update(provider_id=session.id, status=PaymentStatus.PENDING)
        payment.show_to_payer()
        return session.url

    def fulfil_on_return(self, payment: Payment) -> None:
        if payment.is_paid or not payment.provider_id:
            return
        try:
            session = self.client.v1.checkout.sessions.retrieve(payment.provider_id)
        except stripe.StripeError as error:
            logger.warning("Could not retrieve the session of payment %s: %s", payment.pk, error)
            return  # the webhook will credit it
        fulfil_session(payment, session.to_dict())


def fulfil_session(payment: Payment, session: dict) -> bool:
    """Credit the payment if the session is paid for the amount we asked; True when credited now."""
    if session.get("payment_status") != "paid":
        return False
    if session.get("amount_total") != to_cents(payment.amount) or session.get("currency") != "eur":
        logger.error(
            "Session %s of payment %s: amount %s %s does not match",
            session.get("id"),
            payment.pk,
            session.get("amount_total"),
            session.get("currency"),
        )
        return False
    return payments.credit(payment)


def payment_for_session(session: dict) -> Payment | None:
    if not _short_text(session.get("id")):
        raise MalformedEvent("the session has no id")
    payment = Payment.objects.filter(provider=StripeProvider.name, provider_id=session["id"]).first()
    local_id = _local_id(session.get("client_reference_id"))
    if payment is None and local_id is not None:
        payment = Payment.objects.filter(provider=StripeProvider.name, pk=local_id, provider_id__isnull=True).first()
    return payment


def handle_event(event: dict) -> str:
    """Apply one verified Stripe event; returns a short word for the logs. Unknown events are ignored.

    ``MalformedEvent`` when a field it needs does not have Stripe's shape (nothing changed then).
    """
    _event_id, kind, obj = event_envelope(event)
    if kind == "charge.refunded":
        return handle_refund(obj)
    if not kind.startswith("checkout.session."):
        return "ignored"
    payment = payment_for_session(obj)
    if payment is None:
        logger.warning("Stripe event %s for an unknown session %s", event.get("id"), obj.get("id"))
        return "unknown session"
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        if fulfil_session(payment, obj):
            return "credited"
        if kind == "checkout.session.completed" and obj.get("payment_status") == "unpaid":
            payment.mark_unpaid(PaymentStatus.PENDING)
        return "unchanged"
    if kind == "checkout.session.async_payment_failed":
        return "failed" if payment.mark_unpaid(PaymentStatus.FAILED) else "unchanged"
    if kind == "checkout.session.expired":
        return "canceled" if payment.mark_unpaid(PaymentStatus.CANCELED) else "unchanged"
    return "ignored"


def handle_refund(charge: dict) -> str:
    payment_id = _local_id(_object(charge.get("metadata")).get("payment_id"))
    payment = Payment.objects.filter(provider=StripeProvider.name, pk=payment_id).first() if payment_id else None
    if payment is None:
        logger.warning("Refund of charge %s for no known payment", charge.get("id"))
        return "unknown payment"
    cents = charge.get("amount_refunded")
    if isinstance(cents, bool) or not isinstance(cents, int) or not 0 <= cents <= MAX_CENTS:
        raise MalformedEvent("amount_refunded is not a number of cents")
    refunds = _object(charge.get("refunds")).get("data") or []
    if not isinstance(refunds, list):
        raise MalformedEvent("refunds.data is not a list")
    code = _object(refunds[0]).get("reason") if refunds else None
    reason = str(REFUND_REASONS.get(code, gettext_lazy("Remboursement du paiement en ligne")))
    refunded = refund_payment(payment, from_cents(cents), reason)
    return "refunded" if refunded else "unchanged"
