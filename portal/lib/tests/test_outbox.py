"""The email outbox: written with the change, sent once, retried, given up on in the admin, never a 500."""

from __future__ import annotations

import smtplib
import sys
import time
from datetime import timedelta
from decimal import Decimal
from html import unescape

import kombu.transport
import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from portal.lib import broker
from portal.lib.emails import (
    MAX_ATTEMPTS,
    deliver,
    purge_sent_emails,
    queue_email,
    requeue_pending_emails,
    retry_delay,
)
from portal.lib.models import OutboxMessage
from tests.services import celery_on, family_message_email, family_message_subject, free_port, reset_broker_connections

pytestmark = pytest.mark.django_db(transaction=True)

OUTBOX = reverse("admin:lib_outboxmessage_changelist")


def contact(subject="Cantine"):
    name, context = family_message_email(subject)
    queue_email(name, "ecole@example.com", context)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("exploitant@openself.example", "un-mot-de-passe-solide-42")


@pytest.fixture
def dead_broker():
    """A broker address where nothing listens: what a stopped Redis looks like."""
    with celery_on(f"redis://127.0.0.1:{free_port()}/0") as app:
        yield app


def test_the_email_is_a_row_of_the_transaction_that_causes_it(mailoutbox):
    with transaction.atomic():
        contact()
        row = OutboxMessage.objects.get()
        assert row.status == OutboxMessage.Status.PENDING and mailoutbox == []
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.SENT and row.attempts == 1 and row.sent_at is not None
    assert [m.subject for m in mailoutbox] == [family_message_subject()]


def test_a_rolled_back_change_leaves_no_email(mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        contact()
        raise RuntimeError("abandoned")
    assert OutboxMessage.objects.count() == 0 and mailoutbox == []


def test_a_context_that_is_not_plain_values_fails_in_the_caller():
    with pytest.raises(TypeError):
        queue_email("message-received", "ecole@example.com", {"user": object()})
    assert OutboxMessage.objects.count() == 0


@pytest.fixture
def broker_transport_missing(monkeypatch):
    """A broker whose transport cannot be imported: kombu's Redis transport without ``packaging``, as a venv
    made from an incomplete requirements.txt had it."""
    with celery_on("redis://127.0.0.1:6379/15") as app:
        monkeypatch.setitem(sys.modules, "packaging", None)
        monkeypatch.setitem(sys.modules, "packaging.version", None)
        monkeypatch.delitem(sys.modules, "kombu.transport.redis", raising=False)
        monkeypatch.setattr(kombu.transport, "_transport_cache", {})  # kombu keeps the classes it loaded
        reset_broker_connections(app)
        yield app


def test_a_broker_transport_that_cannot_be_loaded_is_named_as_such(client, broker_transport_missing, caplog, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    broker.forget_failures()
    contact()
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.PENDING
    logged = [r for r in caplog.records if r.name == "portal.lib.broker" and r.levelname == "ERROR"]
    assert logged and "the broker's transport cannot be loaded" in logged[0].getMessage()
    assert "packaging" in logged[0].getMessage() and "unreachable" not in logged[0].getMessage()
    readiness = client.get(reverse("readyz")).json()["broker"]
    assert readiness.startswith("error: the transport cannot be loaded") and "packaging" in readiness


def test_with_the_broker_down_a_password_reset_succeeds_and_the_email_waits(client, parent, dead_broker, mailoutbox):
    started = time.monotonic()
    response = client.post(reverse("portal:password_reset"), {"email": parent.email})
    first = time.monotonic() - started
    assert response.status_code == 302
    row = OutboxMessage.objects.get()
    assert row.name == "password-reset" and row.recipients == [parent.email]
    assert row.status == OutboxMessage.Status.PENDING and row.attempts == 0 and mailoutbox == []
    # The next request does not wait for the broker again: its email goes straight to the beat task.
    started = time.monotonic()
    assert client.post(reverse("portal:password_reset"), {"email": parent.email}).status_code == 302
    second = time.monotonic() - started
    assert first < 5 and second < 1, (first, second)
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).count() == 2


def test_the_rows_keep_their_language_and_decimal_values(mailoutbox):
    from django.utils import translation

    with translation.override("en"):
        queue_email(
            "payment-receipt",
            "p@x.fr",
            {
                "payment": {"order_number": "N1", "amount": Decimal("20.50"), "paid_at": None},
                "allocations": [],
                "establishment": None,
            },
        )
    row = OutboxMessage.objects.get()
    assert row.language == "en" and row.status == OutboxMessage.Status.SENT
    from kombu.utils.json import loads

    amount = loads(row.context)["payment"]["amount"]
    assert isinstance(amount, Decimal) and amount == Decimal("20.50")  # never a float on the way
    assert "20.50" in mailoutbox[0].body or "20,50" in mailoutbox[0].body


def test_a_failing_mail_server_is_retried_with_back_off(mailoutbox, monkeypatch, dead_broker):
    def down(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("the server went away")

    monkeypatch.setattr(EmailMultiAlternatives, "send", down)
    contact()
    row = OutboxMessage.objects.get()
    before = timezone.now()
    assert deliver(row.pk) == "retry"
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.PENDING and row.attempts == 1
    assert row.last_error == "SMTPServerDisconnected: the server went away"
    assert before + timedelta(seconds=55) < row.next_attempt_at < before + timedelta(seconds=65)
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 7, 15)] == [60, 120, 240, 3600, 3600]


def test_an_email_refused_every_time_ends_failed_for_staff_to_resend(
    client, superuser, mailoutbox, monkeypatch, dead_broker
):
    real_send = EmailMultiAlternatives.send
    monkeypatch.setattr(
        EmailMultiAlternatives,
        "send",
        lambda self, *a, **k: (_ for _ in ()).throw(ConnectionRefusedError(111, "refusé")),
    )
    contact()
    row = OutboxMessage.objects.get()
    outcomes = [deliver(row.pk) for _ in range(MAX_ATTEMPTS + 1)]
    assert outcomes == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed", "skipped"]
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.FAILED and row.attempts == MAX_ATTEMPTS
    # The beat task leaves failed rows alone.
    OutboxMessage.objects.update(next_attempt_at=timezone.now() - timedelta(hours=1))
    assert requeue_pending_emails() == 0

    client.force_login(superuser)
    page = client.get(OUTBOX + "?status__exact=failed").content.decode()
    assert "En échec : 1" in page and "ConnectionRefusedError" in page and "ecole@example.com" in page
    # "Renvoyer", the mail server back.
    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    response = client.post(OUTBOX, {"action": "resend", ACTION_CHECKBOX_NAME: [row.pk]}, follow=True)
    assert "1 e-mail remis en file d'envoi." in unescape(response.content.decode())
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.PENDING and row.attempts == 0 and mailoutbox == []
    dead_broker.conf.task_always_eager = True  # the broker is back: the beat task's hand-over runs the task
    assert requeue_pending_emails() == 1
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.SENT and len(mailoutbox) == 1


def test_resending_skips_emails_already_sent(client, superuser, mailoutbox):
    contact()
    row = OutboxMessage.objects.get(status=OutboxMessage.Status.SENT)
    client.force_login(superuser)
    response = client.post(OUTBOX, {"action": "resend", ACTION_CHECKBOX_NAME: [row.pk]}, follow=True)
    assert "1 email déjà envoyé n'a pas été renvoyé." in unescape(response.content.decode())
    assert len(mailoutbox) == 1


def test_a_template_that_does_not_exist_fails_at_once(dead_broker):
    queue_email("no-such-email", "p@x.fr", {})
    row = OutboxMessage.objects.get()
    assert deliver(row.pk) == "failed"
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.FAILED and row.last_error.startswith("TemplateDoesNotExist")


def test_the_beat_task_queues_only_pending_emails_that_are_due(mailoutbox, dead_broker):
    for subject in ("due", "not yet", "failed", "sent"):
        contact(subject)
    past = timezone.now() - timedelta(minutes=1)
    OutboxMessage.objects.update(next_attempt_at=past)
    OutboxMessage.objects.filter(context__contains='"not yet"').update(
        next_attempt_at=timezone.now() + timedelta(minutes=1)
    )
    OutboxMessage.objects.filter(context__contains='"failed"').update(status=OutboxMessage.Status.FAILED)
    OutboxMessage.objects.filter(context__contains='"sent"').update(status=OutboxMessage.Status.SENT)
    dead_broker.conf.task_always_eager = True
    assert requeue_pending_emails() == 1
    assert [m.subject for m in mailoutbox] == [family_message_subject("due")]
    assert requeue_pending_emails() == 0


def test_the_beat_task_with_the_broker_still_down_keeps_every_email(dead_broker):
    contact()
    contact()
    OutboxMessage.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=1))
    assert requeue_pending_emails() == 0
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).count() == 2
    assert broker.paused()


def test_sent_emails_are_forgotten_after_ninety_days(mailoutbox):
    contact("old")
    contact("recent")
    OutboxMessage.objects.filter(context__contains='"old"').update(sent_at=timezone.now() - timedelta(days=91))
    assert purge_sent_emails() == 1
    assert OutboxMessage.objects.count() == 1


def test_the_outbox_is_for_superusers_only_and_never_shows_the_links(client, administrator, superuser, parent):
    client.post(reverse("portal:password_reset"), {"email": parent.email})
    row = OutboxMessage.objects.get()
    client.force_login(administrator)
    assert client.get(OUTBOX).status_code == 403
    assert client.get(reverse("admin:lib_outboxmessage_change", args=[row.pk])).status_code == 403
    client.force_login(superuser)
    page = client.get(reverse("admin:lib_outboxmessage_change", args=[row.pk])).content.decode()
    assert parent.email in page and '"token"' not in page and "token" not in row.recipients[0]
    from kombu.utils.json import loads

    assert loads(row.context)["token"] not in page


def test_readyz_reports_the_outbox(client, dead_broker):
    contact()
    OutboxMessage.objects.update(created_at=timezone.now() - timedelta(minutes=20))
    contact()
    answer = client.get(reverse("readyz"))
    assert answer.status_code == 200  # the web still serves without a broker
    body = answer.json()
    assert body["database"] == "ok" and body["status"] == "degraded"
    assert body["outbox"] == {"pending": 2, "late": 1, "failed": 0}
