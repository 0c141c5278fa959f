"""Starting a Stripe Checkout session and fulfilling on the return page, with a fake HTTP client."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.conf import settings
from django.urls import reverse

from billing.models import EntryKind, LedgerEntry, Payment, PaymentStatus, Wallet
from billing.online.providers import stripe as stripe_provider
from billing.online.providers.stripe import API_VERSION

from .fake_stripe_http import FakeStripeHTTP
from .payments_helpers import online_payment
from .stripe_events import session_object

pytestmark = pytest.mark.django_db


@pytest.fixture
def use_stripe(settings):
    settings.PAYMENT_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_openself"
    settings.STRIPE_API_BASE = "http://stripe.invalid:12111"


@pytest.fixture
def fake_http(monkeypatch, use_stripe):
    """Swaps the HTTP client of every Stripe client the code builds; tests script its answers."""
    fake = FakeStripeHTTP([])
    real_factory = stripe_provider.stripe_client
    monkeypatch.setattr(stripe_provider, "stripe_client", lambda http_client=None: real_factory(fake))
    return fake


def created_session(session_id: str = "cs_test_created") -> dict:
    return {"id": session_id, "object": "checkout.session", "url": f"https://checkout.stripe.com/c/pay/{session_id}"}


def test_a_refused_session_shows_a_french_message_and_credits_nothing(client, parent, lea, fake_http):
    fake_http.answers.append((400, {"error": {"type": "invalid_request_error", "message": "No such thing"}}))
    client.force_login(parent)
    response = client.post(reverse("billing:accounts"), {"pupil": lea.pk, "amount": "20,00", "pay": ""}, follow=True)
    assert "Le paiement n&#x27;a pas pu être lancé" in response.content.decode()
    assert Payment.objects.get().status == PaymentStatus.FAILED
    assert not LedgerEntry.objects.exists()


def test_paying_for_two_children_sends_one_session_with_exact_parameters(client, parent, lea, hugo, fake_http):
    fake_http.answers.append((200, created_session()))
    client.force_login(parent)
    response = client.post(
        reverse("billing:family"), {f"amount_{lea.pk}": "20", f"amount_{hugo.pk}": "25,50", "pay": ""}
    )
    payment = Payment.objects.get()
    assert response.status_code == 302 and response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_created"
    (call,) = fake_http.calls
    assert call["method"] == "post" and call["url"] == "http://stripe.invalid:12111/v1/checkout/sessions"
    assert call["headers"]["Idempotency-Key"] == f"openself-payment-{payment.pk}"
    assert call["headers"]["Stripe-Version"] == API_VERSION
    params = call["params"]
    lines = {
        params["line_items[0][price_data][product_data][name]"]: params["line_items[0][price_data][unit_amount]"],
        params["line_items[1][price_data][product_data][name]"]: params["line_items[1][price_data][unit_amount]"],
    }
    assert lines == {"Crédit du compte SELF de Hugo Martin": "2550", "Crédit du compte SELF de Léa Martin": "2000"}
    assert params["mode"] == "payment" and params["currency"] == "eur"
    assert params["line_items[0][price_data][currency]"] == "eur" and params["line_items[0][quantity]"] == "1"
    assert params["client_reference_id"] == str(payment.pk)
    assert params["metadata[payment_id]"] == params["payment_intent_data[metadata][payment_id]"] == str(payment.pk)
    assert params["payment_intent_data[description]"] == f"Commande n° {payment.order_number}"
    assert params["customer_email"] == parent.email and params["locale"] == "fr"
    site = settings.SITE_URL  # never the request's Host
    assert params["success_url"] == f"{site}/paiements/{payment.pk}/retour/?session_id={{CHECKOUT_SESSION_ID}}"
    assert params["cancel_url"] == f"{site}/paiements/{payment.pk}/annulation/"
    assert int(params["expires_at"]) - int(payment.created_at.timestamp()) == 31 * 60
    assert (payment.provider, payment.provider_id, payment.status) == (
        "stripe",
        "cs_test_created",
        PaymentStatus.PENDING,
    )
    assert not LedgerEntry.objects.exists()


def test_the_return_page_credits_when_the_webhook_has_not_arrived(client, parent, lea, fake_http):
    payment = online_payment(parent, {lea: "20.00"})
    fake_http.answers.append((200, session_object(payment)))
    client.force_login(parent)
    response = client.get(reverse("billing:payment_return", args=[payment.pk]) + "?session_id=cs_forged")
    assert "Paiement accepté" in response.content.decode()
    assert fake_http.calls[0]["url"].endswith(f"/v1/checkout/sessions/{payment.provider_id}")
    assert Wallet.objects.get(pupil=lea).balance == D("20.00")
    client.get(reverse("billing:payment_return", args=[payment.pk]))
    assert LedgerEntry.objects.filter(kind=EntryKind.ONLINE_PAYMENT).count() == 1
    assert len(fake_http.calls) == 1  # already paid: Stripe is not asked again


def test_the_return_page_of_an_unpaid_session_credits_nothing(client, parent, lea, fake_http):
    payment = online_payment(parent, {lea: "20.00"})
    fake_http.answers.append((200, session_object(payment, payment_status="unpaid", status="open")))
    client.force_login(parent)
    response = client.get(reverse("billing:payment_return", args=[payment.pk]))
    assert "Paiement en cours de traitement" in response.content.decode()
    assert not LedgerEntry.objects.exists()
