"""Emails through the real broker, executed by a worker this test starts."""

import time
from decimal import Decimal

import pytest
from django.conf import settings

from portal.celery import app
from portal.lib.emails import queue_email, send_email
from portal.lib.models import OutboxMessage
from tests.services import family_message_email, family_message_subject

pytestmark = [
    pytest.mark.broker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="no CELERY_BROKER_URL: the real-broker test needs Redis"),
]


def wait_for(mailoutbox, count: int) -> None:
    deadline = time.monotonic() + 20
    while len(mailoutbox) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_an_email_queued_through_redis_is_sent_by_a_worker(mailoutbox):
    from celery.contrib.testing.worker import start_worker

    assert not app.conf.task_always_eager
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        name, context = family_message_email()
        queue_email(name, ["ecole@example.com"], context)
        wait_for(mailoutbox, 1)
    assert [m.subject for m in mailoutbox] == [family_message_subject()]
    assert mailoutbox[0].to == ["ecole@example.com"]
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT


def test_a_message_queued_before_the_outbox_existed_is_still_sent(mailoutbox):
    from celery.contrib.testing.worker import start_worker

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        send_email.delay("message-received", ["ecole@example.com"], family_message_email("Ancien")[1])
        wait_for(mailoutbox, 1)
    assert [m.subject for m in mailoutbox] == [family_message_subject("Ancien")]
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT


@pytest.mark.django_db(transaction=True)
def test_a_low_balance_alert_leaves_after_commit_through_redis_and_a_worker(mailoutbox, parent, lea):
    """The whole road on the production stack: the meal's booking crosses the threshold, the email is
    queued on commit, travels through Redis with its Decimal, and a worker renders and sends it."""
    from celery.contrib.testing.worker import start_worker

    from billing.ledger import book
    from billing.models import EntryKind

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        book(lea, kind=EntryKind.MEAL, amount=Decimal("-3.50"), label="Self")
        deadline = time.monotonic() + 20
        while not mailoutbox and time.monotonic() < deadline:
            time.sleep(0.05)
    assert [m.subject for m in mailoutbox] == ["Solde bas pour Léa — École d'Esvres"]
    assert "est bas : -3,50\u00a0€." in mailoutbox[0].body
