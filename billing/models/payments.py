"""Payments: money received for one or more pupils, online or at the cash desk."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentMethod(models.TextChoices):
    ONLINE = "online", _("Paiement en ligne")
    CHEQUE = "cheque", _("Chèque")
    CASH = "cash", _("Espèces")
    TRANSFER = "transfer", _("Virement")
    DIRECT_DEBIT = "direct_debit", _("Prélèvement")


class PaymentStatus(models.TextChoices):
    CREATED = "created", _("Créé")
    PENDING = "pending", _("En attente")
    PAID = "paid", _("Payé")
    FAILED = "failed", _("Échoué")
    CANCELED = "canceled", _("Annulé")


class Payment(models.Model):
    method = models.CharField(_("moyen de paiement"), max_length=20, choices=PaymentMethod.choices)
    status = models.CharField(
        _("statut"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.CREATED
    )
    amount = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    refunded_amount = models.DecimalField(
        _("montant remboursé"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("parent"),
    )
    payer_name = models.CharField(_("payeur"), max_length=200, blank=True)
    provider = models.CharField(_("prestataire"), max_length=20, blank=True)
    provider_id = models.CharField(_("identifiant chez le prestataire"), max_length=255, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    paid_at = models.DateTimeField(_("payé le"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enregistré par"),
    )

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.order_number} — {self.amount} €"

    @property
    def order_number(self) -> str:
        """The "N° de commande" shown to parents and on receipts."""
        return f"{self.pk:08d}" if self.pk else ""


class PaymentAllocation(models.Model):
    """The part of a payment that goes to one pupil's wallet."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    pupil = models.ForeignKey("canteen.Pupil", on_delete=models.PROTECT, related_name="+", verbose_name=_("élève"))
    amount = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("répartition")
        verbose_name_plural = _("répartitions")
        constraints = [
            models.UniqueConstraint(fields=["payment", "pupil"], name="allocation_unique_per_pupil"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="allocation_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.pupil}: {self.amount} €"
