"""Money at the root of billing: each pupil's canteen account, its append-only ledger, and payments.

Only ``billing.ledger`` writes entries and balances: it inserts the entries and moves the
cached balances in one transaction, the wallet rows locked. The guards below stop every
other path at the model level; on PostgreSQL a trigger also refuses any UPDATE or DELETE
of ledger rows (migration 0002). A payment (online, at the desk, a direct debit) is split
between pupils by its allocations and credited by ``billing.ledger.credit_payment``.

The models of each way money moves live in their own package (``online``, ``desk``,
``till``) and are registered with this app by ``BillingConfig.import_models``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.lib import cached_pages
from portal.lib.money import euros, signed

LEDGER_EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)  # no money moved here before


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


def meals_covered(balance: Decimal, price: Decimal | None) -> int:
    """Whole meals the balance pays for at ``price`` ("Soit : 5 repas"); 0 when negative, unknown or free."""
    if price is None or price <= 0 or balance <= 0:
        return 0
    return int(balance // price)


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
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="entry_amount_not_zero"),
            # A date of year 1 breaks every conversion to local time (history, CSV, admin) and stays forever.
            models.CheckConstraint(condition=models.Q(occurred_at__gte=LEDGER_EPOCH), name="entry_occurred_since_2000"),
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.occurred_at):%d/%m/%Y %H:%M} {self.label} {signed(self.amount)}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Ledger entries are never edited: book a correction instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Ledger entries are never deleted: book a correction instead.")


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
    REFUNDED = "refunded", _("Remboursé")


# What a payment's credit is called in the ledger, by payment method.
CREDIT_KIND = {
    PaymentMethod.ONLINE: EntryKind.ONLINE_PAYMENT,
    PaymentMethod.CHEQUE: EntryKind.CHEQUE,
    PaymentMethod.CASH: EntryKind.CASH,
    PaymentMethod.TRANSFER: EntryKind.TRANSFER,
    PaymentMethod.DIRECT_DEBIT: EntryKind.DIRECT_DEBIT,
}


def order_number_of(payment_id: int) -> str:
    return f"{payment_id:08d}"


class Payment(models.Model):
    method = models.CharField(_("moyen de paiement"), max_length=20, choices=PaymentMethod.choices)
    status = models.CharField(_("statut"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.CREATED)
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
    provider_id = models.CharField(
        _("identifiant chez le prestataire"), max_length=255, null=True, blank=True, unique=True
    )
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
        return f"{self.order_number} — {euros(self.amount)}"

    @property
    def order_number(self) -> str:
        """The "N° de commande" shown to parents and on receipts."""
        return order_number_of(self.pk) if self.pk else ""

    order_number.fget.short_description = _("n° de commande")

    @property
    def is_paid(self) -> bool:
        return self.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED)

    @property
    def entry_kind(self) -> EntryKind:
        return CREDIT_KIND[PaymentMethod(self.method)]

    def mark_unpaid(self, status: PaymentStatus) -> bool:
        """Move a payment not yet paid to pending, cancelled or failed; never touches a paid one."""
        open_states = [PaymentStatus.CREATED, PaymentStatus.PENDING]
        moved = Payment.objects.filter(pk=self.pk, status__in=open_states).update(status=status)
        self.refresh_from_db()
        self.show_to_payer()
        return bool(moved)

    def show_to_payer(self) -> None:
        """The payer's pages ("Mes paiements") show this payment as it now is, once the transaction commits."""
        cached_pages.bump([self.user_id])


class PaymentAllocation(models.Model):
    """The part of a payment that goes to one pupil's wallet."""

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("paiement")
    )
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
        return f"{self.pupil} : {euros(self.amount)}"


class LowBalanceAlert(models.Model):
    """Whether a guardian was told that a child's balance is below their threshold: one alert per crossing,
    the next only once the balance went back above (``billing.thresholds``). The table is still
    ``portal_lowbalancealert``, where the alert was born."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("parent")
    )
    pupil = models.ForeignKey("canteen.Pupil", on_delete=models.CASCADE, related_name="+", verbose_name=_("élève"))
    below = models.BooleanField(_("sous le seuil"), default=False)
    changed_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        db_table = "portal_lowbalancealert"
        verbose_name = _("alerte de solde bas")
        verbose_name_plural = _("alertes de solde bas")
        constraints = [models.UniqueConstraint(fields=["user", "pupil"], name="low_balance_alert_unique")]
        indexes = [models.Index(fields=["pupil"], condition=models.Q(below=True), name="low_balance_below_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.pupil_id}: {'below' if self.below else 'above'}"
