"""Emails: rendered from templates now, sent by a Celery task once the transaction commits.

Each email ``name`` has three templates: ``emails/<name>-subject.txt``,
``emails/<name>-body.txt`` and ``emails/<name>-body.html``.
"""

from __future__ import annotations

from django.db import transaction
from django.template.loader import render_to_string


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
    body = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    return subject, body, html


def queue_email(name: str, to: list[str] | str, context: dict, reply_to: list[str] | None = None) -> None:
    """Render the email and queue its sending for when the current transaction commits."""
    from .tasks import send_email

    recipients = [to] if isinstance(to, str) else list(to)
    subject, body, html = render_email(name, context)
    transaction.on_commit(lambda: send_email.delay(subject, body, html, recipients, reply_to))
