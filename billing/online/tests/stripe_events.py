"""Stripe objects and signed events for the tests, built from ``tests/fixtures/stripe/``."""

from __future__ import annotations

import copy
import itertools
import json
from decimal import Decimal
from functools import cache

import stripe
from django.conf import settings

from billing.models import Payment
from billing.online.providers.stripe import to_cents

FIXTURES = settings.BASE_DIR / "tests" / "fixtures" / "stripe"
SECRET = "whsec_test_openself"
_event_ids = itertools.count(1)


@cache
def _fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def session_object(payment: Payment, *, payment_status: str = "paid", status: str = "complete") -> dict:
    session = copy.deepcopy(_fixture("checkout_session"))
    metadata = {"payment_id": str(payment.pk), "order_number": payment.order_number}
    session.update(
        id=payment.provider_id,
        client_reference_id=str(payment.pk),
        amount_subtotal=to_cents(payment.amount),
        amount_total=to_cents(payment.amount),
        currency="eur",
        metadata=metadata,
        payment_status=payment_status,
        status=status,
        url=f"https://checkout.stripe.com/c/pay/{payment.provider_id}",
    )
    return session


def charge_object(payment: Payment, *, refunded: str, reason: str | None = None) -> dict:
    """A charge of ``payment`` of which ``refunded`` euros (a running total) have been refunded."""
    charge = copy.deepcopy(_fixture("charge"))
    cents = to_cents(payment.amount)
    refunded_cents = to_cents(Decimal(refunded))
    charge.update(
        amount=cents,
        amount_captured=cents,
        amount_refunded=refunded_cents,
        captured=True,
        currency="eur",
        metadata={"payment_id": str(payment.pk), "order_number": payment.order_number},
        payment_intent="pi_3OpenSelfTest",
        refunded=refunded_cents == cents,
    )
    charge["refunds"]["data"] = [
        {"id": "re_3OpenSelfTest", "object": "refund", "amount": refunded_cents, "currency": "eur", "reason": reason}
    ]
    return charge


def event(kind: str, obj: dict, event_id: str | None = None) -> dict:
    envelope = copy.deepcopy(_fixture("event"))
    envelope.update(id=event_id or f"evt_test_{next(_event_ids):06d}", type=kind)
    envelope["data"]["object"] = obj
    return envelope


def signature(payload: str, secret: str = SECRET, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)


def post_event(client, envelope: dict, *, header: str | None = None):
    payload = json.dumps(envelope)
    headers = {"HTTP_STRIPE_SIGNATURE": header if header is not None else signature(payload)}
    return client.post("/billing/stripe/webhook/", payload, content_type="application/json", **headers)
