"""The canteen account of each pupil and its append-only ledger.

Only ``billing.ledger.book`` writes here: it inserts the entry and moves the
cached balance in one transaction, the wallet row locked. The guards below
stop every other path at the model level; on PostgreSQL a trigger also
refuses any UPDATE or DELETE of ledger rows (migration 0002).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to edit or delete money history."""


class Wallet(models.Model):
    """A pupil's canteen account ("SELF"), with the sum of its entries cached."""

    pupil = models.OneToOneField(
        "canteen.Pupil", on_delete=models.PROTECT, related_name="wallet", verbose_name=_("élève")
    )
    balance = models.DecimalField(_("solde"), max_digits=12, decimal_places=2, default=Decimal("0.00"), editable=False)
    updated_at = models.DateTimeField(_("mis à jour le"), auto_now=True)

    class Meta:
        verbose_name = _("compte SELF")
        verbose_name_plural = _("comptes SELF")

    def __str__(self) -> str:
        return str(self.pupil)

    def save(self, *args, **kwargs) -> None:
        loaded = getattr(self, "_loaded_balance", Decimal("0.00"))
        if self.balance != loaded:
            raise AppendOnlyError("A wallet's balance moves only through billing.ledger.book().")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Wallets are never deleted.")

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_balance = instance.__dict__.get("balance")
        return instance


class EntryKind(models.TextChoices):
    MEAL = "meal", _("Repas")
    ONLINE_PAYMENT = "online_payment", _("Paiement en ligne")
    CHEQUE = "cheque", _("Chèque")
    DIRECT_DEBIT = "direct_debit", _("Prélèvement")
    CASH = "cash", _("Espèces")
    TRANSFER = "transfer", _("Virement")
    REFUND = "refund", _("Remboursement")
    CORRECTION = "correction", _("Correction")


class LedgerEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Ledger entries are never edited: book a correction instead.")

    def delete(self):
        raise AppendOnlyError("Ledger entries are never deleted: book a correction instead.")


class LedgerEntry(models.Model):
    """One movement on a wallet: negative for a meal, positive for a payment."""

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries", verbose_name=_("compte"))
    occurred_at = models.DateTimeField(_("date"), default=timezone.now)
    recorded_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)
    kind = models.CharField(_("nature"), max_length=20, choices=EntryKind.choices)
    amount = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    balance_after = models.DecimalField(_("solde après"), max_digits=12, decimal_places=2)
    label = models.CharField(_("détail"), max_length=200)
    reference = models.CharField(
        _("référence"),
        max_length=120,
        null=True,
        blank=True,
        unique=True,
        help_text=_("Identifie la source (passage à la borne, paiement) : une même source n'est comptée qu'une fois."),
    )
    payment = models.ForeignKey(
        "billing.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("paiement"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enregistré par"),
    )
    note = models.TextField(_("motif"), blank=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("opération")
        verbose_name_plural = _("opérations")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["wallet", "-occurred_at", "-id"], name="entry_wallet_history_idx"),
            # The cash desk's journal reads money movements by date; meals (most rows) stay out of this index.
            models.Index(fields=["recorded_at"], condition=~models.Q(kind="meal"), name="entry_money_journal_idx"),
        ]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="entry_amount_not_zero")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%d/%m/%Y %H:%M} {self.label} {self.amount:+}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Ledger entries are never edited: book a correction instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Ledger entries are never deleted: book a correction instead.")
