"""Emails: queued when the current transaction commits, rendered and sent by a Celery task.

Each email ``name`` has three templates: ``emails/<name>-subject.txt``,
``emails/<name>-body.txt`` and ``emails/<name>-body.html``. The context is made of plain
values (strings, numbers, Decimals, dates, lists and dicts of them), so that it travels
through the broker and nothing is rendered while the caller holds row locks.
"""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from kombu.utils.json import dumps


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
    body = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    return subject, body, html


def queue_email(name: str, to: list[str] | str, context: dict, reply_to: list[str] | None = None) -> None:
    """Send the email ``name`` once the current transaction commits (at once outside one)."""
    recipients = [to] if isinstance(to, str) else list(to)
    dumps(context)  # a model instance or a lazy string would fail in the broker: fail here, in the caller
    language = translation.get_language()
    transaction.on_commit(lambda: send_email.delay(name, recipients, context, reply_to, language))


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=12,
)
def send_email(
    name: str, to: list[str], context: dict, reply_to: list[str] | None = None, language: str | None = None
) -> None:
    """Render and send one email; a mail server that fails is retried with back-off for about half a day."""
    with translation.override(language or "fr"):
        subject, body, html = render_email(name, context)
    message = EmailMultiAlternatives(subject, body, to=to, reply_to=reply_to)
    message.attach_alternative(html, "text/html")
    message.send()
