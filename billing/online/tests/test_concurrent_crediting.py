"""On PostgreSQL: the return page and 8 webhook deliveries for one session, all at once, credit once."""

from __future__ import annotations

from decimal import Decimal as D
from functools import partial

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from billing.ledger import wallets_out_of_balance
from billing.models import EntryKind, LedgerEntry, PaymentStatus, Wallet
from billing.online.models import StripeEvent
from billing.online.providers import stripe as stripe_provider
from tests.threads import at_once

from .fake_stripe_http import FakeStripeHTTP
from .payments_helpers import online_payment
from .stripe_events import SECRET, event, post_event, session_object

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks under real concurrency need PostgreSQL"),
]


def test_the_return_page_and_eight_concurrent_webhooks_credit_once(parent, lea, hugo, settings, monkeypatch):
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.STRIPE_SECRET_KEY = "sk_test_openself"
    payment = online_payment(parent, {lea: "20.00", hugo: "30.00"})
    session = session_object(payment)
    fake = FakeStripeHTTP([(200, session)])
    real_factory = stripe_provider.stripe_client
    monkeypatch.setattr(stripe_provider, "stripe_client", lambda http_client=None: real_factory(fake))

    replayed = event("checkout.session.completed", session)
    deliveries = [replayed] * 4 + [event("checkout.session.completed", session) for _ in range(3)]
    deliveries.append(event("checkout.session.async_payment_succeeded", session))
    coming_back = Client()
    coming_back.force_login(parent)

    statuses = at_once(
        *(partial(lambda envelope: post_event(Client(), envelope).status_code, envelope) for envelope in deliveries),
        lambda: coming_back.get(reverse("billing:payment_return", args=[payment.pk])).status_code,
    )

    assert statuses == [200] * 9
    assert LedgerEntry.objects.filter(kind=EntryKind.ONLINE_PAYMENT).count() == 2
    assert Wallet.objects.get(pupil=lea).balance == D("20.00")
    assert Wallet.objects.get(pupil=hugo).balance == D("30.00")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert StripeEvent.objects.count() == 5
    assert list(wallets_out_of_balance()) == []
