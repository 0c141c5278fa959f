"""What the cashier records at the desk: cheques, cash, transfers, direct debits and deposit slips.

The money itself is always a ``Payment`` with its ``PaymentAllocation`` rows and
the ledger entries booked from them; the models here only hold what the desk
needs on top (the cheque's number and bank, the deposit slip, the direct-debit
mandate) and who did what, when.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from billing.models import LedgerEntry, Payment
from canteen.models import Establishment


class DepositSlip(models.Model):
    """A "bordereau de remise de chèques": the cheques taken to the bank together.

    The slip goes to one establishment's bank account, so all its cheques credit that establishment's
    pupils. Empty only on slips made before establishments were recorded and whose cheques could not
    tell (only superusers see those).
    """

    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.PROTECT,
        null=True,
        related_name="deposit_slips",
        verbose_name=_("établissement"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("créé par")
    )

    class Meta:
        verbose_name = _("bordereau de remise de chèques")
        verbose_name_plural = _("bordereaux de remise de chèques")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return _("Bordereau n° %(number)s") % {"number": self.number}

    @property
    def number(self) -> str:
        return f"{self.pk:06d}" if self.pk else ""

    number.fget.short_description = _("n°")


class OfflinePayment(models.Model):
    """The desk's details of a payment received by cheque, cash or bank transfer.

    The drawer's name is kept here (as well as in ``Payment.payer_name``) so that
    the database itself refuses the same cheque recorded twice.
    """

    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, primary_key=True, related_name="offline", verbose_name=_("paiement")
    )
    drawer = models.CharField(_("payeur"), max_length=200)
    cheque_number = models.CharField(_("n° de chèque"), max_length=30, blank=True)
    bank = models.CharField(_("banque"), max_length=100, blank=True)
    received_on = models.DateField(_("reçu le"))
    form_token = models.UUIDField(
        _("jeton du formulaire"),
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text=_("Le même formulaire envoyé deux fois n'enregistre qu'un paiement."),
    )
    deposit_slip = models.ForeignKey(
        DepositSlip,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cheques",
        verbose_name=_("bordereau de remise"),
    )
    canceled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    canceled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("annulé par"),
    )
    cancel_reason = models.TextField(_("motif de l'annulation"), blank=True)

    class Meta:
        verbose_name = _("détail d'encaissement")
        verbose_name_plural = _("détails d'encaissement")
        constraints = [
            models.UniqueConstraint(
                Lower("bank"),
                Lower("drawer"),
                "cheque_number",
                condition=models.Q(canceled_at__isnull=True) & ~models.Q(cheque_number=""),
                name="cheque_recorded_once",
            ),
        ]

    def __str__(self) -> str:
        return str(self.payment)


class DebitMode(models.TextChoices):
    FIXED = "fixed", _("Montant fixe par enfant et par mois")
    TOP_UP = "top_up", _("Compléter jusqu'à N repas par enfant")


class DirectDebitMandate(models.Model):
    """A parent's authorisation to debit their bank account every month for their children.

    A SEPA mandate is given to one creditor, the establishment: it debits only the parent's children
    at that establishment (a family with children at two schools signs one mandate for each). Empty
    only on mandates recorded before establishments were, whose parent had no child (superusers only).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mandates", verbose_name=_("parent")
    )
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.PROTECT,
        null=True,
        related_name="mandates",
        verbose_name=_("établissement créancier"),
    )
    reference = models.CharField(_("référence unique du mandat"), max_length=35, unique=True)
    iban = models.CharField(_("IBAN"), max_length=34)
    signed_on = models.DateField(_("date de signature"))
    mode = models.CharField(_("mode"), max_length=10, choices=DebitMode.choices, default=DebitMode.FIXED)
    monthly_amount = models.DecimalField(
        _("montant par enfant et par mois"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    meals = models.PositiveSmallIntegerField(_("nombre de repas à couvrir"), null=True, blank=True)
    active = models.BooleanField(_("actif"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("enregistré par")
    )
    created_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("mandat de prélèvement")
        verbose_name_plural = _("mandats de prélèvement")
        ordering = ["user__email"]

    def __str__(self) -> str:
        return f"{self.reference} — {self.user}"

    def clean(self) -> None:
        if self.mode == DebitMode.FIXED and not (self.monthly_amount and self.monthly_amount > 0):
            raise ValidationError({"monthly_amount": _("Indiquez un montant mensuel positif.")})
        if self.mode == DebitMode.TOP_UP and not self.meals:
            raise ValidationError({"meals": _("Indiquez le nombre de repas à couvrir.")})

    @property
    def masked_iban(self) -> str:
        """``FR76 •••• •••• 0189``: enough for the parent and the cashier to recognise it."""
        compact = self.iban.replace(" ", "")
        return f"{compact[:4]} •••• •••• {compact[-4:]}" if len(compact) > 8 else "••••"


class DirectDebit(models.Model):
    """One month's debit of one mandate: prepared, confirmed by the cashier, possibly rejected."""

    mandate = models.ForeignKey(
        DirectDebitMandate, on_delete=models.PROTECT, related_name="debits", verbose_name=_("mandat")
    )
    month = models.DateField(_("mois"), help_text=_("Le premier jour du mois prélevé."))
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="direct_debit", verbose_name=_("paiement")
    )
    prepared_at = models.DateTimeField(_("préparé le"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmé le"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmé par"),
    )
    rejected_at = models.DateTimeField(_("impayé le"), null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("impayé enregistré par"),
    )

    class Meta:
        verbose_name = _("prélèvement")
        verbose_name_plural = _("prélèvements")
        ordering = ["-month", "mandate__reference"]
        constraints = [models.UniqueConstraint(fields=["mandate", "month"], name="one_debit_per_mandate_and_month")]

    def __str__(self) -> str:
        return f"{self.mandate.reference} {self.month:%m/%Y}"

    @property
    def amount(self) -> Decimal:
        return self.payment.amount

    amount.fget.short_description = _("montant")


class DeskPayment(Payment):
    """Payments as the cash desk records them: a cheque, cash or a transfer split between pupils."""

    class Meta:
        proxy = True
        verbose_name = _("encaissement au guichet")
        verbose_name_plural = _("encaissements au guichet")


class Correction(LedgerEntry):
    """The ledger seen from the cash desk: a correction is a new entry with its reason, never an edit."""

    class Meta:
        proxy = True
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
