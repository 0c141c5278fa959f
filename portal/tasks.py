from __future__ import annotations

import smtplib

from celery import shared_task
from django.core.mail import EmailMultiAlternatives


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=12,
)
def send_email(subject: str, body: str, html: str, to: list[str], reply_to: list[str] | None = None) -> None:
    """Send one email; a mail server that fails is retried with back-off for about half a day."""
    message = EmailMultiAlternatives(subject, body, to=to, reply_to=reply_to)
    message.attach_alternative(html, "text/html")
    message.send()
