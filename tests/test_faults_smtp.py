"""A real SMTP server (aiosmtpd, local) that refuses, then accepts: the email is retried and sent once."""

from __future__ import annotations

import email
import email.policy

import pytest
from django.db import transaction

from portal.lib.emails import deliver, queue_email
from portal.lib.models import OutboxMessage

from .services import (
    SmtpHandler,
    celery_on,
    family_message_email,
    family_message_subject,
    free_port,
    smtp_server,
    use_smtp,
)

pytestmark = pytest.mark.django_db(transaction=True)


def contact():
    name, context = family_message_email()
    queue_email(name, "ecole@example.com", context)


def test_a_mail_server_that_refuses_twice_gets_the_email_once_on_the_third_attempt(settings):
    handler = SmtpHandler(refuse=2)
    with smtp_server(handler) as server, celery_on(f"redis://127.0.0.1:{free_port()}/0"):
        use_smtp(settings, server.port)
        with transaction.atomic():
            contact()
        row = OutboxMessage.objects.get()
        # As the worker does, each time the task comes back.
        assert [deliver(row.pk), deliver(row.pk), deliver(row.pk), deliver(row.pk)] == [
            "retry",
            "retry",
            "sent",
            "skipped",
        ]
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.SENT and row.attempts == 3
    assert "451" in row.last_error
    assert handler.refused == 2 and len(handler.accepted) == 1
    assert handler.accepted[0].rcpt_tos == ["ecole@example.com"]
    received = email.message_from_bytes(handler.accepted[0].original_content, policy=email.policy.default)
    assert received["Subject"] == family_message_subject()


def test_on_the_embedded_default_the_task_retries_at_once_until_the_server_accepts(settings):
    handler = SmtpHandler(refuse=3)
    with smtp_server(handler) as server:
        use_smtp(settings, server.port)
        contact()  # eager: the task and its retries run here
    row = OutboxMessage.objects.get()
    assert row.status == OutboxMessage.Status.SENT and row.attempts == 4
    assert handler.refused == 3 and len(handler.accepted) == 1


def test_a_mail_server_that_is_not_there_leaves_the_email_pending(settings):
    with celery_on(f"redis://127.0.0.1:{free_port()}/0"):
        use_smtp(settings, free_port())
        contact()
        row = OutboxMessage.objects.get()
        assert deliver(row.pk) == "retry"
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.PENDING and "ConnectionRefusedError" in row.last_error
