"""The floor's only rows: the email outbox, and the Celery tasks that failed for good.

The outbox holds every email the portal sends, written in the transaction of the change that causes it:
a row is committed with the change (an approved request, a credited payment, a reset asked for) or not
at all; a Celery task sends it and marks it sent; a beat task re-queues what is still pending
(``portal.lib.emails``). So a broker, worker or mail server outage delays an email but never loses it.

Both tables were born in the portal app and keep their names (``portal_outboxmessage``,
``portal_taskfailure``): moving them here changed no database (migration 0001).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        SENT = "sent", _("Envoyé")
        FAILED = "failed", _("En échec")

    name = models.CharField(_("modèle"), max_length=100)
    recipients = models.JSONField(_("destinataires"))
    reply_to = models.JSONField(_("répondre à"), null=True, blank=True)
    # The name the email is sent under (a school's), before the address of DEFAULT_FROM_EMAIL; empty: as it is.
    sender_name = models.CharField(_("nom de l'expéditeur"), max_length=200, blank=True, default="")
    # Plain values serialised with kombu's JSON (Decimals and dates come back as themselves).
    context = models.TextField(_("contexte"))
    language = models.CharField(_("langue"), max_length=10, default="fr")
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    # When the beat task may queue it again (after a failure, or if the first queueing was lost).
    next_attempt_at = models.DateTimeField(_("prochaine tentative"))
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        db_table = "portal_outboxmessage"
        verbose_name = _("email sortant")
        verbose_name_plural = _("emails sortants")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.name} → {', '.join(self.recipients)}"


class TaskFailure(models.Model):
    """A Celery task that failed for good (its retries spent, or none to make): kept for staff to see in
    the admin rather than in a worker's log. Written by ``portal.celery.record_task_failure``."""

    task = models.CharField(_("tâche"), max_length=200)
    task_id = models.CharField(_("identifiant"), max_length=64, blank=True)
    arguments = models.TextField(_("arguments"), blank=True)
    error = models.TextField(_("erreur"))
    traceback = models.TextField(_("trace"), blank=True)
    failed_at = models.DateTimeField(_("échouée le"), auto_now_add=True, db_index=True)

    class Meta:
        db_table = "portal_taskfailure"
        verbose_name = _("tâche en échec")
        verbose_name_plural = _("tâches en échec")
        ordering = ["-failed_at"]

    def __str__(self) -> str:
        return f"{self.task} ({self.failed_at:%d/%m/%Y %H:%M})"
