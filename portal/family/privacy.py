"""The family's correspondence: messages with the school and notifications. How the register works:
``portal.lib.personal_data``; durations: ``settings.PRIVACY_MESSAGE_YEARS`` and ``PRIVACY_NOTIFICATION_MONTHS``."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q

from portal.lib.personal_data import (
    CONTACT,
    CORRESPONDENCE,
    IDENTITY,
    Erasure,
    anonymiser,
    any_contains,
    declare,
    pseudonym_email,
    retention_rule,
)

from .models import Message, MessageThread, Notification

declare(
    "portal.MessageThread",
    personal={"sender_name": IDENTITY, "sender_email": CONTACT, "pupil_name": IDENTITY},
    exempt={"last_message_at": "la date du dernier message"},
)
declare("portal.Message", personal={"body": CORRESPONDENCE})
declare("portal.Notification", personal={"params": CORRESPONDENCE})
declare(
    "portal.PrivacyNotice",
    exempt={
        "controller": "le responsable du traitement, une personne morale, publié",
        "controller_address": "son adresse, publiée",
        "dpo_name": "le délégué à la protection des données, publié dans la notice",
        "dpo_email": "l'adresse publiée pour exercer ses droits",
        "publisher": "l'éditeur du site, publié",
        "host": "l'hébergeur, publié",
        "email_provider": "le prestataire d'envoi des emails, publié",
        "transfers": "un texte de la notice",
    },
)

MONTH, YEAR = timedelta(days=31), timedelta(days=366)


def _scrub_messages(erasure: Erasure, messages) -> None:
    for message in messages.iterator(chunk_size=500):
        Message.objects.filter(pk=message.pk).update(body=erasure.scrub(message.body))


def _scrub_notifications(erasure: Erasure, notifications) -> None:
    for notification in notifications.iterator(chunk_size=500):
        Notification.objects.filter(pk=notification.pk).update(params=erasure.scrub_json(notification.params))


@anonymiser("user")
def anonymise_correspondent(erasure: Erasure) -> None:
    """The school keeps its conversations with the family for their period, under the pseudonym; the
    parent's notifications are deleted; other families' notifications naming them are scrubbed."""
    user = erasure.subject
    threads = MessageThread.objects.filter(Q(parent=user) | Q(sender_email__iexact=user.email))
    for thread in threads:
        MessageThread.objects.filter(pk=thread.pk).update(
            sender_name=erasure.pseudonym,
            sender_email=pseudonym_email("user", user.pk),
            pupil_name=erasure.scrub(thread.pupil_name),
        )
    _scrub_messages(erasure, Message.objects.filter(any_contains("body", erasure.needles)))
    Notification.objects.filter(user=user).delete()
    emails = [needle for needle in erasure.needles if "@" in needle]  # ASCII: found as JSON stores it
    _scrub_notifications(erasure, Notification.objects.filter(any_contains("params", emails)))


@anonymiser("pupil")
def anonymise_child_in_correspondence(erasure: Erasure) -> None:
    pupil = erasure.subject
    MessageThread.objects.filter(Q(pupil=pupil) | any_contains("pupil_name", erasure.needles)).update(
        pupil_name=erasure.pseudonym
    )
    _scrub_messages(erasure, Message.objects.filter(any_contains("body", erasure.needles)))
    # Notifications name the child in their parameters (JSON, where "é" may be escaped): those of its guardians.
    _scrub_notifications(erasure, Notification.objects.filter(user__guardianships__pupil=pupil))


@retention_rule("messages")
def old_messages(now, dry_run: bool) -> int:
    """Conversations whose last message is older than ``PRIVACY_MESSAGE_YEARS``, with their messages."""
    due = MessageThread.objects.filter(last_message_at__lt=now - settings.PRIVACY_MESSAGE_YEARS * YEAR)
    return due.count() if dry_run else due.delete()[1].get(MessageThread._meta.label, 0)


@retention_rule("notifications")
def old_notifications(now, dry_run: bool) -> int:
    due = Notification.objects.filter(created_at__lt=now - settings.PRIVACY_NOTIFICATION_MONTHS * MONTH)
    return due.count() if dry_run else due.delete()[0]
