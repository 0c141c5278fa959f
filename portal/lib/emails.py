"""Emails: written to the outbox in the caller's transaction, rendered and sent by a Celery task.

Each email ``name`` has three templates: ``emails/<name>-subject.txt``,
``emails/<name>-body.txt`` and ``emails/<name>-body.html``. The context is made of plain
values (strings, numbers, Decimals, dates, lists and dicts of them), so that it is stored as JSON
and nothing is rendered while the caller holds row locks.

The road of one email:

1. ``queue_email`` inserts an ``OutboxMessage`` row in the current transaction: the email exists
   exactly when the change that causes it is committed.
2. On commit, the row's id is handed to the broker. A broker that is down is logged and ignored:
   the user's request never fails because of it.
3. ``deliver_email`` (a worker) locks the row, skips it if it is already sent or held by another
   worker, renders and sends it, and marks it sent in the same transaction. A mail server that
   refuses pushes the row's ``next_attempt_at`` back (1, 2, 4… minutes, then hourly); after
   ``MAX_ATTEMPTS`` the row is "failed", for staff to see and resend in the admin.
4. ``requeue_pending_emails`` (Celery beat, every minute) queues again every pending row that is
   due: those whose queueing was lost (broker down, worker killed mid-send) or whose retry is due.

An email is sent twice only if a worker dies after the mail server accepted it and before the
"sent" mark is committed.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.utils import parseaddr
from functools import partial

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from kombu.utils.json import dumps, loads

from . import broker
from .models import OutboxMessage

logger = logging.getLogger(__name__)

# 16 attempts, 1, 2, 4… minutes apart, then hourly: about half a day of mail server outage.
MAX_ATTEMPTS = 16
# A fresh row is queued on commit; the beat task takes it only if that queueing was lost.
FIRST_QUEUEING_GRACE = timedelta(minutes=2)
# Rows queued together (queue_emails) are sent by one task per this many.
EMAILS_PER_TASK = 100
# A row the beat task queued is not queued again before this, unless a worker pushes it further.
REQUEUE_GRACE = timedelta(minutes=5)
REQUEUE_BATCH = 500
# Sent rows are kept this long, for staff to answer "did the email leave?".
KEEP_SENT = timedelta(days=90)


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
    body = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    return subject, body, html


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: 1, 2, 4, 8, 16, 32 minutes, then every hour."""
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


def sender(name: str) -> str:
    """``DEFAULT_FROM_EMAIL``'s address under ``name`` (a school's): "École d'Esvres <ne-pas-repondre@…>".
    Families recognise their school, not the software; the address stays the one the mail server may send."""
    _default_name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if not name or not address:
        return settings.DEFAULT_FROM_EMAIL
    # One line, quoted, whatever the name holds; Django encodes it when the message is sent.
    quoted = " ".join(name.split()).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{address}>'


def queue_email(
    name: str,
    to: list[str] | str,
    context: dict,
    reply_to: list[str] | None = None,
    *,
    sender_name: str = "",
) -> None:
    """Send the email ``name`` once the current transaction commits (at once outside one), from
    ``sender_name`` (a school's name) when given, answered to ``reply_to`` when an answer is expected.

    The email is written to the outbox in the caller's transaction: rolled back with it, kept with it.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    # A model instance or a lazy string would fail later, in a worker: fail here, in the caller.
    payload = dumps(context)
    row = OutboxMessage.objects.create(
        name=name,
        recipients=recipients,
        reply_to=[address for address in reply_to or () if address] or None,
        sender_name=(sender_name or "")[:200],
        context=payload,
        language=translation.get_language() or "fr",
        next_attempt_at=timezone.now() + FIRST_QUEUEING_GRACE,
    )
    transaction.on_commit(partial(enqueue, row.pk))


def queue_emails(emails: list[tuple[str, list[str] | str, dict]]) -> None:
    """``queue_email`` for many (name, to, context) at once: one insert for all the rows, each handed to the broker
    after the commit (a month's pre-notifications: thousands of emails in one task)."""
    now, language = timezone.now(), translation.get_language() or "fr"
    rows = OutboxMessage.objects.bulk_create(
        OutboxMessage(
            name=name,
            recipients=[to] if isinstance(to, str) else list(to),
            context=dumps(context),
            language=language,
            next_attempt_at=now + FIRST_QUEUEING_GRACE,
        )
        for name, to, context in emails
    )
    ids = [row.pk for row in rows]
    for start in range(0, len(ids), EMAILS_PER_TASK):
        transaction.on_commit(partial(enqueue_many, ids[start : start + EMAILS_PER_TASK]))


def enqueue_many(outbox_ids: list[int]) -> bool:
    """One task for many rows: a broker round trip per hundred emails, not per email. Rows a lost task did not
    send stay pending, and the beat task queues them again one by one."""
    if broker.publish(deliver_emails, (outbox_ids,)):
        return True
    logger.warning("%s emails stay in the outbox for the beat task", len(outbox_ids))
    return False


def enqueue(outbox_id: int, *, force: bool = False) -> bool:
    """Hand one outbox row to the broker (``portal.lib.broker``, which logs why it could not). False when it
    could not: the row stays pending and the beat task queues it again once the broker is back."""
    if broker.publish(deliver_email, (outbox_id,), force=force):
        return True
    logger.warning("Email %s stays in the outbox for the beat task", outbox_id)
    return False


def _error(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}"[:2000]


def deliver(outbox_id: int) -> str:
    """Send one pending row and mark it sent; "sent", "retry", "failed" or "skipped"."""
    with transaction.atomic():
        # The lock is held while the mail server answers: another worker given the same id skips it,
        # and a worker that dies releases it with its connection, the row still pending.
        row = OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=outbox_id, status="pending").first()
        if row is None:
            return "skipped"  # already sent, failed, or being sent right now
        row.attempts += 1
        try:
            with translation.override(row.language or "fr"):
                subject, body, html = render_email(row.name, loads(row.context))
            message = EmailMultiAlternatives(
                subject, body, from_email=sender(row.sender_name), to=row.recipients, reply_to=row.reply_to
            )
            message.attach_alternative(html, "text/html")
            message.send()
        except (smtplib.SMTPException, OSError, SoftTimeLimitExceeded) as exc:  # the mail server, for now
            row.last_error = _error(exc)
            if row.attempts >= MAX_ATTEMPTS:
                row.status = OutboxMessage.Status.FAILED
                logger.error("Email %s failed %s times, left for staff: %s", row.pk, row.attempts, row.last_error)
            else:
                row.next_attempt_at = timezone.now() + retry_delay(row.attempts)
                logger.warning("Email %s not sent (attempt %s): %s", row.pk, row.attempts, row.last_error)
            row.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return "failed" if row.status == OutboxMessage.Status.FAILED else "retry"
        except Exception as exc:  # a missing template, a bad context: trying again will not help
            logger.exception("Email %s cannot be rendered or sent, left for staff", row.pk)
            row.last_error = _error(exc)
            row.status = OutboxMessage.Status.FAILED
            row.save(update_fields=["attempts", "last_error", "status"])
            return "failed"
        row.status = OutboxMessage.Status.SENT
        row.sent_at = timezone.now()
        row.save(update_fields=["attempts", "status", "sent_at"])
        return "sent"


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=90)
def deliver_email(self, outbox_id: int) -> str:
    """Send one outbox row. Safe to run twice (the row is locked and checked), hence acknowledged late
    and delivered again when the worker dies.

    With a broker, a failed attempt is retried by the beat task once ``next_attempt_at`` comes (one
    road for retries, so that two never race and spend the attempts twice as fast). On the embedded
    default, with no broker and no beat, the task retries at once, in the process.
    """
    outcome = deliver(outbox_id)
    if outcome == "retry" and self.request.is_eager:
        raise self.retry(countdown=0, max_retries=MAX_ATTEMPTS)
    return outcome


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=300, time_limit=360)
def deliver_emails(outbox_ids: list[int]) -> int:
    """Send many outbox rows, one after the other, each locked and checked as ``deliver_email`` does."""
    return sum(deliver(pk) == "sent" for pk in outbox_ids)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=50, time_limit=60)
def requeue_pending_emails() -> int:
    """Every minute (Celery beat): queue again the pending rows that are due."""
    now = timezone.now()
    due = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:REQUEUE_BATCH]
    )
    if not due:
        return 0
    OutboxMessage.objects.filter(pk__in=due, status=OutboxMessage.Status.PENDING).update(
        next_attempt_at=now + REQUEUE_GRACE
    )
    queued = 0
    for pk in due:
        if not enqueue(pk, force=True):
            break  # the broker is down: the rest waits for the next run
        queued += 1
    return queued


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=300, time_limit=360)
def purge_sent_emails() -> int:
    """Daily: forget sent emails after KEEP_SENT, so that the outbox does not grow without end."""
    deleted, _ = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.SENT, sent_at__lt=timezone.now() - KEEP_SENT
    ).delete()
    return deleted


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=90)
def send_email(
    name: str, to: list[str], context: dict, reply_to: list[str] | None = None, language: str | None = None
) -> None:
    """Messages queued by the version before the outbox, still in the broker at upgrade: written to
    the outbox, then sent like any other."""
    with translation.override(language or "fr"):
        queue_email(name, to, context, reply_to)


# An email still pending this long after it was written means a part is down (broker, worker, mail server).
LATE_AFTER = timedelta(minutes=15)


def outbox_counts() -> dict[str, int]:
    """What an operator watches: emails waiting, waiting too long, and given up on."""
    pending = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
    return {
        "pending": pending.count(),
        "late": pending.filter(created_at__lt=timezone.now() - LATE_AFTER).count(),
        "failed": OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED).count(),
    }
