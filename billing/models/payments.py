"""Payments: money received for one or more pupils, online or at the cash desk.

An online payment is credited by ``Payment.mark_paid()``, called from the
provider's webhook and from the return page, whichever comes first: it locks
the payment row, returns early when the payment is already paid, and books one
ledger entry per pupil whose unique reference makes a second credit impossible.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")


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
        return f"{self.order_number} — {self.amount} €"

    @property
    def order_number(self) -> str:
        """The "N° de commande" shown to parents and on receipts."""
        return f"{self.pk:08d}" if self.pk else ""

    @property
    def is_paid(self) -> bool:
        return self.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED)

    def credit_reference(self, pupil_id: int) -> str:
        return f"payment:{self.pk}:credit:{pupil_id}"

    def mark_paid(self) -> bool:
        """Credit each pupil's wallet once; True if this call did it, False if it was already done.

        Safe to call twice and concurrently: money received is credited even when
        the payment had been cancelled or had expired locally in the meantime.
        """
        from billing.ledger import book
        from billing.receipts import email_receipt

        from .ledger import EntryKind

        with transaction.atomic():
            # The row lock serialises the webhook and the return page: the second waits, then sees PAID.
            payment = Payment.objects.select_for_update().get(pk=self.pk)
            if payment.is_paid:
                self.refresh_from_db()
                return False
            for allocation in payment.allocations.all():
                book(
                    allocation.pupil_id,
                    kind=EntryKind.ONLINE_PAYMENT,
                    amount=allocation.amount,
                    label=str(_("Paiement en ligne")),
                    reference=payment.credit_reference(allocation.pupil_id),
                    payment=payment,
                )
            payment.status = PaymentStatus.PAID
            payment.paid_at = timezone.now()
            payment.save(update_fields=["status", "paid_at"])
            email_receipt(payment)  # queued: sent once this transaction commits
        self.refresh_from_db()
        return True

    def mark_unpaid(self, status: PaymentStatus) -> bool:
        """Move a payment not yet paid to pending, cancelled or failed; never touches a paid one."""
        open_states = [PaymentStatus.CREATED, PaymentStatus.PENDING]
        moved = Payment.objects.filter(pk=self.pk, status__in=open_states).update(status=status)
        self.refresh_from_db()
        return bool(moved)

    def record_refund(self, total_refunded: Decimal, reason: str) -> Decimal:
        """Book what the provider refunded beyond what is already booked; returns that difference.

        ``total_refunded`` is the provider's running total, so repeated or
        out-of-order notifications book nothing twice. The difference is split
        over the pupils pro rata to their share of the payment, to the cent.
        """
        from billing.ledger import book

        from .ledger import EntryKind

        with transaction.atomic():
            # The row lock serialises two refund notifications: each sees the other's refunded_amount.
            payment = Payment.objects.select_for_update().get(pk=self.pk)
            total = min(total_refunded, payment.amount)
            difference = total - payment.refunded_amount
            if not payment.is_paid or difference <= 0:
                return Decimal("0.00")
            allocations = list(payment.allocations.order_by("-amount", "pupil_id"))
            for allocation, share in zip(
                allocations, split_pro_rata(difference, allocations, payment.amount), strict=True
            ):
                if share:
                    book(
                        allocation.pupil_id,
                        kind=EntryKind.REFUND,
                        amount=-share,
                        label=str(_("Remboursement")),
                        reference=f"payment:{payment.pk}:refund:{total}:{allocation.pupil_id}",
                        payment=payment,
                        note=reason,
                    )
            payment.refunded_amount = total
            if total == payment.amount:
                payment.status = PaymentStatus.REFUNDED
            payment.save(update_fields=["refunded_amount", "status"])
        self.refresh_from_db()
        return difference


def split_pro_rata(amount: Decimal, allocations, whole: Decimal) -> list[Decimal]:
    """Split ``amount`` over the allocations in proportion to their amounts; the shares add up to it exactly."""
    shares = [(amount * allocation.amount / whole).quantize(CENT, rounding=ROUND_DOWN) for allocation in allocations]
    leftover = amount - sum(shares)
    index = 0
    while leftover > 0:
        shares[index % len(shares)] += CENT
        leftover -= CENT
        index += 1
    return shares


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


class StripeEvent(models.Model):
    """A Stripe event already processed: a replay of the same id changes nothing."""

    event_id = models.CharField(_("identifiant de l'événement"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100)
    received_at = models.DateTimeField(_("reçu le"), auto_now_add=True)

    class Meta:
        verbose_name = _("événement Stripe")
        verbose_name_plural = _("événements Stripe")

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
