"""On PostgreSQL: the return page and 8 webhook deliveries for one session, all at once, credit once."""

from __future__ import annotations

import threading
from decimal import Decimal as D

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from billing.ledger import wallets_out_of_balance
from billing.models import EntryKind, LedgerEntry, PaymentStatus, Wallet
from billing.online.models import StripeEvent
from billing.online.providers import stripe as stripe_provider

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
    start = threading.Barrier(len(deliveries) + 1)
    statuses: list[int] = []

    def deliver(envelope):
        try:
            client = Client()
            start.wait()
            statuses.append(post_event(client, envelope).status_code)
        finally:
            connections.close_all()

    def come_back():
        try:
            client = Client()
            client.force_login(parent)
            start.wait()
            statuses.append(client.get(reverse("billing:payment_return", args=[payment.pk])).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=(envelope,)) for envelope in deliveries]
    threads.append(threading.Thread(target=come_back))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [200] * 9
    assert LedgerEntry.objects.filter(kind=EntryKind.ONLINE_PAYMENT).count() == 2
    assert Wallet.objects.get(pupil=lea).balance == D("20.00")
    assert Wallet.objects.get(pupil=hugo).balance == D("30.00")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert StripeEvent.objects.count() == 5
    assert list(wallets_out_of_balance()) == []
