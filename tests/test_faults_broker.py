"""The broker stops mid-test: a parent resets a password, staff validate a request and a payment is
credited, with no error shown; once Redis is back, every email leaves through it, exactly once.

A redis-server of the test's own on a free port; the worker is Celery's test worker on that broker.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountRequest
from billing.ledger import wallets_out_of_balance
from billing.models import EntryKind, LedgerEntry, Wallet
from billing.online.tests.payments_helpers import online_payment
from billing.online.tests.stripe_events import SECRET, event, post_event, session_object
from portal.lib.emails import deliver_email, requeue_pending_emails
from portal.lib.models import OutboxMessage

from .services import RedisServer, celery_on, needs_redis_server, wait_until

pytestmark = [needs_redis_server, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


def test_with_redis_stopped_nothing_fails_and_every_email_leaves_once_it_is_back(
    client, parent, administrator, lea, redis_server, settings, mailoutbox
):
    from celery.contrib.testing.worker import start_worker

    settings.STRIPE_WEBHOOK_SECRET = SECRET
    request = AccountRequest.objects.create(
        establishment=lea.establishment,
        last_name="Durand",
        first_name="Léa",
        email="nouveau.parent@example.com",
        card_digits="10001",
        terms_accepted=True,
    )
    payment = online_payment(parent, {lea: "20.00"})
    with celery_on(redis_server.url) as app:
        redis_server.stop()

        # A parent asks for a new password.
        response = client.post(reverse("portal:password_reset"), {"email": parent.email})
        assert response.status_code == 302
        # Staff validate an account request.
        client.force_login(administrator)
        response = client.post(reverse("admin:accounts_accountrequest_validate", args=[request.pk]), {"pupil": lea.pk})
        assert response.status_code == 302
        request.refresh_from_db()
        assert request.status == AccountRequest.Status.APPROVED
        # Stripe says the payment is paid.
        response = post_event(client, event("checkout.session.completed", session_object(payment)))
        assert response.status_code == 200
        assert Wallet.objects.get(pupil=lea).balance == D("20.00")
        assert LedgerEntry.objects.filter(kind=EntryKind.ONLINE_PAYMENT).count() == 1

        names = sorted(OutboxMessage.objects.values_list("name", flat=True))
        # The new guardian's activation link, and the notice to Léa's existing guardian.
        assert names == ["account-activation", "guardian-added", "password-reset", "payment-receipt"]
        assert not OutboxMessage.objects.exclude(status=OutboxMessage.Status.PENDING).exists()
        assert mailoutbox == []

        redis_server.start()  # the same port, empty: whatever was "sent" while it was down is gone
        # Two minutes later, the beat task finds them due (the first hand-over was lost).
        OutboxMessage.objects.update(next_attempt_at=timezone.now())
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            requeue_pending_emails.delay()  # what beat sends every minute
            assert wait_until(lambda: len(mailoutbox) == 4, 60), [m.subject for m in mailoutbox]
            # A second run of the beat task, and a duplicate delivery, send nothing more.
            requeue_pending_emails.delay()
            for pk in OutboxMessage.objects.values_list("pk", flat=True):
                deliver_email.delay(pk)
            wait_until(lambda: False, 3)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([parent.email] * 3 + ["nouveau.parent@example.com"])
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).count() == 4
    assert list(OutboxMessage.objects.values_list("attempts", flat=True)) == [1, 1, 1, 1]
    assert list(wallets_out_of_balance()) == []
