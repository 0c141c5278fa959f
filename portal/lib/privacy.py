"""The floor's personal data: the outbox, failed tasks, and Django's own tables (the admin's action journal,
sessions). How the register works: ``portal.lib.personal_data``."""

from __future__ import annotations

import json

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from kombu.utils.json import dumps, loads

from .models import OutboxMessage
from .personal_data import (
    CONNECTION,
    CONTACT,
    CORRESPONDENCE,
    IDENTITY,
    TECHNICAL,
    Erasure,
    anonymiser,
    any_contains,
    declare,
    retention_rule,
)

declare(
    "lib.OutboxMessage",
    personal={
        "recipients": CONTACT,
        "reply_to": CONTACT,
        "sender_name": IDENTITY,
        "context": CORRESPONDENCE,
    },
    exempt={
        "name": "le nom du modèle d'email (« low-balance »)",
        "last_error": "la réponse du serveur SMTP, sans le contenu de l'email",
    },
)
declare(
    "lib.TaskFailure",
    personal={"arguments": TECHNICAL},
    exempt={"error": "le message de l'exception", "traceback": "la pile d'appels du code"},
)
declare(
    "admin.LogEntry",
    personal={"object_repr": IDENTITY, "change_message": CORRESPONDENCE},
    exempt={"object_id": "l'identifiant interne de l'objet"},
)
declare("sessions.Session", personal={"session_key": CONNECTION, "session_data": CONNECTION})
declare("contenttypes.ContentType", exempt={"app_label": "le nom d'une application du code"})
declare("auth.Permission", exempt={"name": "le nom d'une permission", "codename": "son code"})
declare("auth.Group", exempt={"name": "le nom d'un groupe du personnel"})


@anonymiser("pupil")
@anonymiser("user")
def scrub_journal_and_outbox(erasure: Erasure) -> None:
    """The action journal and the outbox name people in free text: their names become the pseudonym there.

    An email addressed to the erased person is deleted (sent, it is only a trace; pending, it has no one left
    to go to); any other email naming them keeps its row, scrubbed."""
    needles = erasure.needles
    subject = erasure.subject
    about = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(subject, for_concrete_model=True), object_id=str(subject.pk)
    )
    about.update(object_repr=erasure.pseudonym)
    naming = LogEntry.objects.filter(any_contains("object_repr", needles) | any_contains("change_message", needles))
    for entry in naming.iterator(chunk_size=500):
        LogEntry.objects.filter(pk=entry.pk).update(
            object_repr=erasure.scrub(entry.object_repr)[:200], change_message=erasure.scrub(entry.change_message)
        )
    emails = [needle for needle in needles if "@" in needle]  # addresses are ASCII: found as they are stored
    OutboxMessage.objects.filter(any_contains("recipients", emails)).delete()
    # The context is kombu's JSON, where "Léa" is stored as "L\u00e9a": looked for in both spellings.
    spellings = needles + [json.dumps(needle)[1:-1] for needle in needles]
    naming = OutboxMessage.objects.filter(
        any_contains("context", spellings) | any_contains("reply_to", emails) | any_contains("sender_name", needles)
    )
    for message in naming.iterator(chunk_size=500):
        OutboxMessage.objects.filter(pk=message.pk).update(
            context=dumps(erasure.scrub_json(loads(message.context))),
            reply_to=erasure.scrub_json(message.reply_to),
            sender_name=erasure.scrub(message.sender_name),
        )


@retention_rule("sessions expirées")
def expired_sessions(now, dry_run: bool) -> int:
    """Sessions past their expiry date (a parent's lasts at most ``REMEMBER_ME_DAYS``)."""
    due = Session.objects.filter(expire_date__lt=now)
    return due.count() if dry_run else due.delete()[0]
