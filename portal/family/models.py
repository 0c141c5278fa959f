"""The family's space: messages with the school, and notifications.

These rows only talk about things that happened elsewhere (a payment credited, a balance that
crossed a threshold, a request validated): the apps below send signals, ``portal.family.receivers``
turns them into notifications and emails. No money is held here.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _


class Subject(models.TextChoices):
    QUESTION = "question", _("Question")
    DIRECT_DEBIT = "direct_debit", _("Demande de prélèvement")
    REFUND = "refund", _("Remboursement")
    OTHER = "other", _("Autre")


class MessageThreadQuerySet(models.QuerySet):
    def of_parent(self, user) -> MessageThreadQuerySet:
        """The threads a parent may read: the ones they started, nothing else."""
        return self.filter(parent=user)

    def awaiting_answer(self) -> MessageThreadQuerySet:
        return self.filter(awaiting_answer=True)


class MessageThread(models.Model):
    """A conversation between a family (or a visitor of the public contact form) and one establishment."""

    establishment = models.ForeignKey(
        "canteen.Establishment", on_delete=models.PROTECT, related_name="+", verbose_name=_("établissement")
    )
    parent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="message_threads",
        verbose_name=_("parent"),
        help_text=_("Vide pour un message du formulaire public (sans compte)."),
    )
    pupil = models.ForeignKey(
        "canteen.Pupil", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("élève")
    )
    subject = models.CharField(_("objet"), max_length=20, choices=Subject.choices)
    sender_name = models.CharField(_("nom de l'expéditeur"), max_length=200, blank=True)
    sender_email = models.EmailField(_("email de l'expéditeur"))
    pupil_name = models.CharField(_("élève concerné"), max_length=200, blank=True)
    awaiting_answer = models.BooleanField(_("en attente de réponse"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    last_message_at = models.DateTimeField(_("dernier message le"), auto_now_add=True)

    objects = MessageThreadQuerySet.as_manager()

    class Meta:
        verbose_name = _("fil de messages")
        verbose_name_plural = _("messages des familles")
        ordering = ["-last_message_at", "-id"]
        indexes = [
            models.Index(fields=["parent", "-last_message_at"], name="thread_parent_idx"),
            models.Index(fields=["establishment", "awaiting_answer"], name="thread_awaiting_idx"),
        ]

    def __str__(self) -> str:
        who = self.sender_name or self.sender_email
        return f"{self.get_subject_display()} — {who}"

    def get_absolute_url(self) -> str:
        return reverse("portal:thread", args=[self.pk])


class Message(models.Model):
    thread = models.ForeignKey(
        MessageThread, on_delete=models.CASCADE, related_name="messages", verbose_name=_("conversation")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    from_staff = models.BooleanField(_("réponse de l'établissement"), default=False)
    body = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:60]


class NotificationKind(models.TextChoices):
    PAYMENT_CREDITED = "payment_credited", _("Paiement crédité")
    OFFLINE_PAYMENT = "offline_payment", _("Paiement enregistré")
    REQUEST_APPROVED = "request_approved", _("Demande validée")
    ANSWER_RECEIVED = "answer_received", _("Réponse reçue")
    LOW_BALANCE = "low_balance", _("Solde bas")
    GUARDIAN_ADDED = "guardian_added", _("Responsable ajouté")
    GUARDIAN_LEFT = "guardian_left", _("Responsable parti")
    CORRECTION = "correction", _("Correction")
    QUOTIENT_VALIDATED = "quotient_validated", _("Quotient familial validé")
    QUOTIENT_REFUSED = "quotient_refused", _("Quotient familial refusé")
    QUOTIENT_EXPIRING = "quotient_expiring", _("Quotient familial bientôt expiré")
    DEBIT_ANNOUNCED = "debit_announced", _("Prélèvement à venir")
    DEBIT_RETURNED = "debit_returned", _("Prélèvement rejeté")
    BOOKING_REMINDER = "booking_reminder", _("Repas à réserver")


# What each notification says, from its plain parameters: rendered when shown, in the reader's language.
NOTIFICATION_TEXTS = {
    NotificationKind.PAYMENT_CREDITED: _("Votre paiement en ligne de %(amount)s € a été crédité (%(pupils)s)."),
    NotificationKind.OFFLINE_PAYMENT: _("%(method)s de %(amount)s € enregistré par l'établissement (%(pupils)s)."),
    NotificationKind.REQUEST_APPROVED: _(
        "Votre demande est validée : %(pupil)s apparaît maintenant dans votre espace."
    ),
    NotificationKind.ANSWER_RECEIVED: _("%(establishment)s a répondu à votre message « %(subject)s »."),
    NotificationKind.LOW_BALANCE: _("Le solde de %(pupil)s est bas : %(balance)s €."),
    NotificationKind.GUARDIAN_ADDED: _("Un autre responsable (%(email)s) a été rattaché au compte de %(pupil)s."),
    NotificationKind.GUARDIAN_LEFT: _(
        "Un autre responsable de %(pupil)s a supprimé son compte : vous seul suivez désormais son solde."
    ),
    NotificationKind.CORRECTION: _("Correction de %(amount)s € sur le compte de %(pupil)s. Motif : %(reason)s"),
    NotificationKind.QUOTIENT_VALIDATED: _(
        "%(establishment)s a validé votre quotient familial (%(value)s) : il s'applique du %(start)s au %(end)s."
    ),
    NotificationKind.QUOTIENT_REFUSED: _("%(establishment)s a refusé votre quotient familial (%(value)s) : %(reason)s"),
    NotificationKind.QUOTIENT_EXPIRING: _(
        "Votre quotient familial (%(value)s) expire le %(end)s : envoyez votre nouvelle attestation."
    ),
    NotificationKind.DEBIT_ANNOUNCED: _(
        "Prochain prélèvement : %(amount)s € le %(date)s (%(parts)s), mandat %(rum)s, créancier %(ics)s."
    ),
    NotificationKind.DEBIT_RETURNED: _("Votre banque a rejeté le prélèvement de %(amount)s € : %(reason)s."),
    NotificationKind.BOOKING_REMINDER: _("Aucun repas réservé pour %(pupils)s avant la clôture du %(cutoff)s."),
}


METHOD_NAMES = {
    "cheque": _("Chèque"),
    "direct_debit": _("Prélèvement"),
    "cash": _("Paiement en espèces"),
    "transfer": _("Virement"),
}


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("parent")
    )
    kind = models.CharField(_("nature"), max_length=30, choices=NotificationKind.choices)
    params = models.JSONField(_("paramètres"), default=dict, blank=True)
    link = models.CharField(_("lien"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_list_idx"),
            # The unread count on every parent page reads this small partial index only.
            models.Index(fields=["user"], condition=models.Q(read_at__isnull=True), name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        params = dict(self.params)
        for name in ("amount", "balance"):
            if name in params:
                params[name] = number_format(Decimal(params[name]), 2)
        if self.kind == NotificationKind.CORRECTION and not params.get("amount", "-").startswith("-"):
            params["amount"] = "+" + params["amount"]  # a correction goes either way: the sign says which
        if "method" in params:
            params["method"] = METHOD_NAMES.get(params["method"], params["method"])
        for name in ("start", "end"):  # dates, kept as ISO text
            if name in params:
                params[name] = date_format(datetime.date.fromisoformat(params[name]), "SHORT_DATE_FORMAT")
        try:
            return str(NOTIFICATION_TEXTS[self.kind]) % params
        except (KeyError, TypeError, ValueError):  # a kind or parameters from an older version
            return str(self.get_kind_display())


class PrivacyNotice(models.Model):
    """What the notice "Données personnelles" and the page "Mentions légales" say of one establishment: who is
    responsible, whom to ask, who publishes and hosts the portal. Every field may stay empty: the pages then
    say the establishment itself (its name, address and contact email) and "à compléter"."""

    establishment = models.OneToOneField(
        "canteen.Establishment",
        on_delete=models.CASCADE,
        related_name="privacy_notice",
        verbose_name=_("établissement"),
    )
    controller = models.CharField(
        _("responsable du traitement"),
        max_length=200,
        blank=True,
        help_text=_("L'établissement, la collectivité ou le prestataire de restauration. Vide : l'établissement."),
    )
    controller_address = models.TextField(_("adresse du responsable du traitement"), blank=True)
    dpo_name = models.CharField(_("délégué à la protection des données (DPO)"), max_length=200, blank=True)
    dpo_email = models.EmailField(
        _("email pour exercer ses droits"), blank=True, help_text=_("Vide : l'email de contact de l'établissement.")
    )
    publisher = models.CharField(
        _("éditeur du site"), max_length=200, blank=True, help_text=_("Vide : le responsable du traitement.")
    )
    publication_director = models.CharField(_("directeur de la publication"), max_length=200, blank=True)
    host = models.TextField(_("hébergeur (nom, adresse, téléphone)"), blank=True)
    email_provider = models.CharField(
        _("prestataire d'envoi des emails"),
        max_length=200,
        blank=True,
        help_text=_("Par exemple le serveur SMTP de l'académie."),
    )
    transfers = models.TextField(
        _("transferts hors de l'Union européenne"),
        blank=True,
        help_text=_("Vide : « Aucun transfert hors de l'Union européenne n'est prévu. »"),
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("mentions et données personnelles")
        verbose_name_plural = _("mentions et données personnelles")

    def __str__(self) -> str:
        return str(self.establishment)
