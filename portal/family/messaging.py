"""Messages between families and their establishment: each new message emails the school, each answer
emails the family and, for a parent with a login, leaves a notification. Emails leave after commit."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from canteen.models import Establishment, Pupil
from portal.lib.emails import queue_email
from portal.lib.localtime import local

from .models import Message, MessageThread, Notification, NotificationKind, Subject
from .notifications import notify


@transaction.atomic
def start_thread(
    *,
    establishment: Establishment,
    subject: str,
    body: str,
    parent=None,
    pupil: Pupil | None = None,
    sender_name: str = "",
    sender_email: str = "",
    pupil_name: str = "",
) -> MessageThread:
    if parent is not None:
        sender_name = sender_name or parent.get_full_name()
        sender_email = parent.email
    thread = MessageThread.objects.create(
        establishment=establishment,
        parent=parent,
        pupil=pupil,
        subject=subject,
        sender_name=sender_name,
        sender_email=sender_email,
        pupil_name=pupil.full_name if pupil else pupil_name,
    )
    message = Message.objects.create(thread=thread, author=parent, body=body)
    _tell_staff(thread, message)
    return thread


@transaction.atomic
def add_parent_message(thread: MessageThread, parent, body: str) -> Message:
    message = Message.objects.create(thread=thread, author=parent, body=body)
    MessageThread.objects.filter(pk=thread.pk).update(awaiting_answer=True, last_message_at=message.created_at)
    thread.refresh_from_db()
    _tell_staff(thread, message)
    return message


@transaction.atomic
def answer(thread: MessageThread, staff, body: str) -> Message:
    """Staff answer: the thread is answered, the family is emailed (and notified when it has a login)."""
    message = Message.objects.create(thread=thread, author=staff, from_staff=True, body=body)
    MessageThread.objects.filter(pk=thread.pk).update(awaiting_answer=False, last_message_at=message.created_at)
    thread.refresh_from_db()
    url = ""
    if thread.parent_id:
        link = thread.get_absolute_url()
        url = settings.SITE_URL + link
        subject = str(thread.get_subject_display())
        notify(
            [
                Notification(
                    user_id=thread.parent_id,
                    kind=NotificationKind.ANSWER_RECEIVED,
                    params={"establishment": thread.establishment.name, "subject": subject},
                    link=link,
                )
            ]
        )
    queue_email(
        "message-answered",
        thread.sender_email,
        {
            **_thread_context(thread),
            "answer": body,
            "thread_url": url,
        },
        reply_to=[thread.establishment.contact_email],
        sender_name=thread.establishment.name,
    )
    return message


def _thread_context(thread: MessageThread) -> dict:
    return {
        "establishment": {"name": thread.establishment.name},
        "subject": str(Subject(thread.subject).label),
        "sender": {"name": thread.sender_name, "email": thread.sender_email, "has_login": bool(thread.parent_id)},
        "pupil_name": thread.pupil_name,
    }


def _tell_staff(thread: MessageThread, message: Message) -> None:
    queue_email(
        "message-received",
        thread.establishment.contact_email,
        {
            **_thread_context(thread),
            "body": message.body,
            "sent_at": local(message.created_at, thread.establishment).strftime("%d/%m/%Y - %H:%M"),
            "admin_url": settings.SITE_URL + reverse("admin:portal_messagethread_change", args=[thread.pk]),
        },
        # "Répondre" in the school's mail client writes to the family (the admin keeps the conversation).
        reply_to=[thread.sender_email],
        sender_name=thread.sender_name or thread.sender_email,
    )
