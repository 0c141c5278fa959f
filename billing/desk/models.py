"""What the cashier records at the desk: cheques, cash, transfers, direct debits and deposit slips.

The money itself is always a ``Payment`` with its ``PaymentAllocation`` rows and
the ledger entries booked from them; the models here only hold what the desk
needs on top (the cheque's number and bank, the deposit slip, the direct-debit
mandate) and who did what, when.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
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


class MandateStatus(models.TextChoices):
    REQUESTED = "requested", _("Demandé par le parent, à valider")
    ACTIVE = "active", _("Actif")
    ENDED = "ended", _("Terminé")


class SequenceType(models.TextChoices):
    FIRST = "FRST", _("Premier prélèvement")
    RECURRENT = "RCUR", _("Prélèvement récurrent")


# The characters SEPA allows in a mandate reference (RUM) and an end-to-end id.
SEPA_REFERENCE = RegexValidator(
    r"^[A-Za-z0-9/?:().,'+ -]{1,35}$",
    _("Une référence SEPA n'a que des lettres sans accent, des chiffres et / - ? : ( ) . , ' +, 35 au plus."),
    code="rum",
)
# A mandate unused for 36 months lapses (EPC rulebook): it can no longer be collected.
LAPSE_MONTHS = 36


class DirectDebitMandate(models.Model):
    """A parent's authorisation to debit their bank account every month for their children (a SEPA CORE mandate).

    A SEPA mandate is given to one creditor, the establishment: it debits only the parent's children
    at that establishment (a family with children at two schools signs one mandate for each). Empty
    only on mandates recorded before establishments were, whose parent had no child (superusers only).

    The IBAN is stored encrypted (``billing.desk.sepa.crypto``); ``iban`` reads and writes it in clear. A change
    of IBAN is a new mandate with a new RUM, the old one ended: the parent signs again for the new account
    (``billing.desk.sepa.mandates.change_iban``), and the bank file never needs amendment details.
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
    reference = models.CharField(
        _("référence unique du mandat (RUM)"), max_length=35, unique=True, validators=[SEPA_REFERENCE]
    )
    iban_encrypted = models.TextField(_("IBAN chiffré"), editable=False)
    iban_hint = models.CharField(_("IBAN"), max_length=30, editable=False)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    holder_name = models.CharField(_("titulaire du compte"), max_length=70)
    holder_address = models.TextField(_("adresse du titulaire"), max_length=140)
    signed_on = models.DateField(_("date de signature"))
    mode = models.CharField(_("mode"), max_length=10, choices=DebitMode.choices, default=DebitMode.FIXED)
    monthly_amount = models.DecimalField(
        _("montant par enfant et par mois"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    meals = models.PositiveSmallIntegerField(_("nombre de repas à couvrir"), null=True, blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=MandateStatus.choices, default=MandateStatus.ACTIVE, db_index=True
    )
    last_collected_on = models.DateField(_("dernier prélèvement le"), null=True, blank=True)
    consent_at = models.DateTimeField(_("consentement en ligne le"), null=True, blank=True)
    consent_ip = models.GenericIPAddressField(_("adresse IP du consentement"), null=True, blank=True)
    validated_at = models.DateTimeField(_("validé le"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("validé par"),
    )
    ended_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    ended_reason = models.CharField(_("motif de fin"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("enregistré par")
    )
    created_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("mandat de prélèvement")
        verbose_name_plural = _("mandats de prélèvement")
        ordering = ["user__email"]
        constraints = [
            # One mandate per family and establishment at a time: a new one only once the old one ended.
            models.UniqueConstraint(
                fields=["user", "establishment"],
                condition=~models.Q(status="ended"),
                name="one_live_mandate_per_parent_and_establishment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.user}"

    def clean(self) -> None:
        if self.mode == DebitMode.FIXED and not (self.monthly_amount and self.monthly_amount > 0):
            raise ValidationError({"monthly_amount": _("Indiquez un montant mensuel positif.")})
        if self.mode == DebitMode.TOP_UP and not self.meals:
            raise ValidationError({"meals": _("Indiquez le nombre de repas à couvrir.")})

    @property
    def iban(self) -> str:
        from .sepa.crypto import decrypt

        return decrypt(self.iban_encrypted)

    @iban.setter
    def iban(self, value: str) -> None:
        from .sepa.crypto import encrypt, mask

        self.iban_encrypted = encrypt(value)
        self.iban_hint = mask(value)

    @property
    def masked_iban(self) -> str:
        """``FR76 •••• •••• 0189``: what the parent and the cashier see."""
        return self.iban_hint

    @property
    def active(self) -> bool:
        return self.status == MandateStatus.ACTIVE

    @property
    def sequence_type(self) -> str:
        """FRST until a debit was collected, RCUR after."""
        return SequenceType.RECURRENT if self.last_collected_on else SequenceType.FIRST

    @property
    def lapses_on(self) -> datetime.date:
        """The day it lapses unless collected before: 36 months after its last collection (or its signature)."""
        start = self.last_collected_on or self.signed_on
        month = start.month - 1 + LAPSE_MONTHS
        year, month = start.year + month // 12, month % 12 + 1
        return start.replace(year=year, month=month, day=min(start.day, 28))


class DirectDebit(models.Model):
    """One month's debit of one mandate: prepared, pre-notified, sent to the bank, credited on its collection
    date, possibly returned by the bank."""

    mandate = models.ForeignKey(
        DirectDebitMandate, on_delete=models.PROTECT, related_name="debits", verbose_name=_("mandat")
    )
    month = models.DateField(_("mois"), help_text=_("Le premier jour du mois prélevé."))
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="direct_debit", verbose_name=_("paiement")
    )
    collection_date = models.DateField(_("date d'échéance"), null=True, blank=True, db_index=True)
    sequence_type = models.CharField(
        _("séquence"), max_length=4, choices=SequenceType.choices, default=SequenceType.FIRST
    )
    end_to_end_id = models.CharField(_("référence de bout en bout"), max_length=35, unique=True, null=True)
    prepared_at = models.DateTimeField(_("préparé le"), auto_now_add=True)
    prenotified_at = models.DateTimeField(_("pré-notifié le"), null=True, blank=True)
    bank_file = models.ForeignKey(
        "BankFile",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="debits",
        verbose_name=_("fichier de prélèvements"),
    )
    confirmed_at = models.DateTimeField(_("crédité le"), null=True, blank=True)
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
    return_code = models.CharField(_("motif du rejet (code ISO)"), max_length=4, blank=True)

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


class BankFile(models.Model):
    """A pain.008 file given to the bank: one establishment, one collection date. The file itself is built again
    from its debits when downloaded again (the same message id, so the bank refuses it twice)."""

    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="bank_files", verbose_name=_("établissement")
    )
    collection_date = models.DateField(_("date d'échéance"))
    version = models.CharField(_("version du format"), max_length=20)
    message_id = models.CharField(_("identifiant du message"), max_length=35, unique=True)
    transactions = models.PositiveIntegerField(_("nombre de prélèvements"))
    control_sum = models.DecimalField(_("montant total"), max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("créé par")
    )

    class Meta:
        verbose_name = _("fichier de prélèvements")
        verbose_name_plural = _("fichiers de prélèvements")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.message_id


class BankReturnFile(models.Model):
    """A bank statement of returned debits (camt.054 or pain.002) imported once: the same file again changes
    nothing (its digest is unique)."""

    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="bank_return_files", verbose_name=_("établissement")
    )
    name = models.CharField(_("nom du fichier"), max_length=200)
    sha256 = models.CharField(_("empreinte"), max_length=64, unique=True)
    returns = models.PositiveIntegerField(_("rejets appliqués"), default=0)
    unmatched = models.PositiveIntegerField(_("lignes sans prélèvement correspondant"), default=0)
    imported_at = models.DateTimeField(_("importé le"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("importé par")
    )

    class Meta:
        verbose_name = _("fichier de rejets")
        verbose_name_plural = _("fichiers de rejets")
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return self.name


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
