"""The cash desk's forms: every refusal is a French message and nothing is saved."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models.functions import Lower
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from billing.models import PaymentAllocation, PaymentMethod
from canteen.models import Pupil
from portal.lib.bank_ids import bic_of, clean_bic, clean_iban
from portal.lib.forms import MoneyField
from portal.lib.money import euros, in_words

from .models import (
    SEPA_REFERENCE,
    Correction,
    DebitMode,
    DeskPayment,
    DirectDebitMandate,
    MandateStatus,
    OfflinePayment,
)

DESK_METHODS = [(m.value, m.label) for m in (PaymentMethod.CHEQUE, PaymentMethod.CASH, PaymentMethod.TRANSFER)]
# Above this, a cheque or a cash payment is surely a typing slip: no one pays a canteen that much at once.
DESK_MAX_AMOUNT = Decimal("10000.00")
MANDATE_MAX_AMOUNT = Decimal("1000.00")
RETURN_FILE_MAX_BYTES = 5 * 1024 * 1024
CONFIRM_FIELD = "confirm_amount"  # the checkbox shown with the amount in words, see AllocationFormSet


class DeskPaymentForm(forms.ModelForm):
    """A cheque, cash or a transfer: who paid, how much, and (for a cheque) its number and bank."""

    method = forms.ChoiceField(label=_("Moyen de paiement"), choices=DESK_METHODS, initial=PaymentMethod.CHEQUE)
    payer_name = forms.CharField(label=_("Payeur"), max_length=200, help_text=_("Le nom inscrit sur le chèque."))
    cheque_number = forms.CharField(label=_("N° de chèque"), max_length=30, required=False)
    bank = forms.CharField(label=_("Banque"), max_length=100, required=False)
    received_on = forms.DateField(label=_("Reçu le"), initial=timezone.localdate)
    amount = MoneyField(label=_("Montant"), max_value=DESK_MAX_AMOUNT, help_text=_("Par exemple 12,50."))
    token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    class Meta:
        model = DeskPayment
        fields = ["method", "payer_name", "cheque_number", "bank", "amount", "received_on", "token"]

    def clean(self):
        data = super().clean()
        if data.get("token") and OfflinePayment.objects.filter(form_token=data["token"]).exists():
            raise forms.ValidationError(
                _("Ce paiement est déjà enregistré : le formulaire a été envoyé deux fois."), code="sent_twice"
            )
        for name in ("payer_name", "cheque_number", "bank"):
            data[name] = " ".join((data.get(name) or "").split())
        if data.get("method") != PaymentMethod.CHEQUE:
            data["cheque_number"] = data["bank"] = ""
            return data
        for name in ("cheque_number", "bank"):
            if not data[name]:
                self.add_error(name, forms.ValidationError(_("Obligatoire pour un chèque."), code="required"))
        if all(data.get(name) for name in ("cheque_number", "bank", "payer_name")) and self._already_recorded(data):
            raise forms.ValidationError(
                _("Le chèque n° %(number)s de %(payer)s (%(bank)s) est déjà enregistré."),
                code="duplicate_cheque",
                params={"number": data["cheque_number"], "payer": data["payer_name"], "bank": data["bank"]},
            )
        return data

    @staticmethod
    def _already_recorded(data) -> bool:
        return (
            OfflinePayment.objects.annotate(bank_ci=Lower("bank"), drawer_ci=Lower("drawer"))
            .filter(
                cheque_number=data["cheque_number"],
                bank_ci=data["bank"].lower(),
                drawer_ci=data["payer_name"].lower(),
                canceled_at__isnull=True,
            )
            .exists()
        )


class AllocationForm(forms.ModelForm):
    amount = MoneyField(label=_("Montant"), max_value=DESK_MAX_AMOUNT)

    class Meta:
        model = PaymentAllocation
        fields = ["pupil", "amount"]
        error_messages = {"pupil": {"invalid_choice": _("Élève inconnu : choisissez-le dans la liste.")}}


class AllocationFormSet(BaseInlineFormSet):
    """The split between pupils must add up to the payment's amount, to the cent."""

    def validate_unique(self) -> None:
        pass  # a pupil given twice gets the clearer message of clean()

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        parts = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not parts:
            raise forms.ValidationError(_("Indiquez au moins un élève à créditer."), code="no_allocation")
        pupils = [part["pupil"].pk for part in parts]
        if len(set(pupils)) != len(pupils):
            raise forms.ValidationError(_("Un même élève figure deux fois dans la répartition."), code="twice")
        total = sum((part["amount"] for part in parts), Decimal("0.00"))
        amount = self.instance.amount
        if amount is not None and total != amount:
            raise forms.ValidationError(
                _("La répartition (%(total)s €) ne correspond pas au montant du paiement (%(amount)s €)."),
                code="split_mismatch",
                params={"total": number_format(total, 2), "amount": number_format(amount, 2)},
            )
        self._check_confirmed(amount, [part["pupil"] for part in parts])

    def _check_confirmed(self, amount: Decimal | None, pupils: list[Pupil]) -> None:
        """Above the establishment's threshold, the cashier confirms the amount read in words.

        A comma lost in "12,50" makes 1 250,00 €: written out ("mille deux cent cinquante euros"),
        the slip is plain. The confirmation is tied to the amount: confirming 1 250,00 € and then
        changing it to 12 500,00 € asks again.
        """
        self.confirmation = None
        if amount is None:
            return
        threshold = min(pupil.establishment.desk_confirmation_threshold for pupil in pupils)
        if amount <= threshold or self.data.get(CONFIRM_FIELD) == f"{amount:.2f}":
            return
        self.confirmation = {"amount": f"{amount:.2f}", "words": in_words(amount), "threshold": euros(threshold)}
        raise forms.ValidationError(
            _(
                "Ce paiement de %(amount)s (%(words)s) dépasse %(threshold)s : vérifiez le montant, "
                "cochez « Je confirme ce montant » puis enregistrez de nouveau."
            ),
            code="confirm_amount",
            params={"amount": euros(amount), "words": self.confirmation["words"], "threshold": euros(threshold)},
        )


class BankDetailsMixin:
    """The debtor's IBAN (checked by schwifty: length per country, check digits, the French RIB key) and BIC
    (optional; derived from the IBAN where the bank registry knows it)."""

    def clean_iban(self) -> str:
        return clean_iban(self.cleaned_data["iban"])

    def clean_bic(self) -> str:
        return clean_bic(self.cleaned_data.get("bic", ""))

    def set_bank_details(self, mandate: DirectDebitMandate) -> None:
        if "iban" in self.cleaned_data:
            mandate.iban = self.cleaned_data["iban"]
            mandate.bic = self.cleaned_data.get("bic") or bic_of(self.cleaned_data["iban"])


class MandateForm(BankDetailsMixin, forms.ModelForm):
    """A mandate signed on paper, entered by staff: its RUM is drawn unless one is typed (an older mandate). It
    debits a fixed amount or tops up to N meals: the form shows the field of the mode chosen (``data-shows``, read
    by admin.js; without JavaScript both show, each saying its mode), and the server keeps only that one, so that
    a value typed before changing the mode is never stored."""

    FIELD_OF_MODE = {DebitMode.FIXED: "monthly_amount", DebitMode.TOP_UP: "meals"}

    iban = forms.CharField(label=_("IBAN"), max_length=50)
    reference = forms.CharField(
        label=_("Référence unique du mandat (RUM)"),
        max_length=35,
        required=False,
        validators=[SEPA_REFERENCE],
        help_text=_(
            "Laissez vide : elle est attribuée à l'enregistrement. À saisir seulement pour un mandat existant."
        ),
    )
    monthly_amount = MoneyField(
        label=_("Montant par enfant et par mois"),
        required=False,
        max_value=MANDATE_MAX_AMOUNT,
        help_text=_("Pour le mode « Montant fixe par enfant et par mois »."),
    )

    class Meta:
        model = DirectDebitMandate
        fields = ["user", "establishment", "reference", "bic", "holder_name", "holder_address", "signed_on"]
        fields += ["mode", "monthly_amount", "meals"]
        help_texts = {"meals": _("Pour le mode « Compléter jusqu'à N repas par enfant ».")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # a change of account is a new mandate (the admin's action), never an edit
            for name in ("iban", "reference"):
                self.fields.pop(name, None)
        if "mode" in self.fields:
            shows = ",".join(f"{mode}:{field}" for mode, field in self.FIELD_OF_MODE.items())
            self.fields["mode"].widget.attrs["data-shows"] = shows

    def clean(self):
        data = super().clean()
        mode = data.get("mode")
        for other_mode, field in self.FIELD_OF_MODE.items():
            if mode and other_mode != mode:
                data[field] = None  # the other mode's value: not this mandate's
                self._errors.pop(field, None)
        user, establishment = data.get("user") or self.instance.user_id, data.get("establishment")
        if user and establishment and not Pupil.objects.guarded_by(user).filter(establishment=establishment).exists():
            self.add_error(
                "establishment",
                forms.ValidationError(
                    _("Ce parent n'a aucun enfant dans cet établissement : le mandat n'y prélèverait rien."),
                    code="no_child_there",
                ),
            )
        live = DirectDebitMandate.objects.filter(user=user, establishment=establishment).exclude(
            status=MandateStatus.ENDED
        )
        if user and establishment and live.exclude(pk=self.instance.pk).exists():
            self.add_error(
                "establishment",
                forms.ValidationError(
                    _("Ce parent a déjà un mandat en cours pour cet établissement : terminez-le d'abord."),
                    code="one_mandate",
                ),
            )
        return data


class MandateRequestForm(BankDetailsMixin, forms.ModelForm):
    """A parent's own request: the account's holder, the IBAN, how much, and an explicit consent to the mandate."""

    iban = forms.CharField(
        label=_("IBAN"), max_length=50, help_text=_("Tel qu'il figure sur votre RIB, par exemple FR76 3000 6000 …")
    )
    monthly_amount = MoneyField(label=_("Montant par enfant et par mois"), required=False, max_value=MANDATE_MAX_AMOUNT)
    meals = forms.IntegerField(
        label=_("Nombre de repas à couvrir par enfant"), required=False, min_value=1, max_value=40
    )
    consent = forms.BooleanField(
        label=_("J'ai lu le mandat ci-dessus et j'autorise le créancier à envoyer des instructions à ma banque."),
        error_messages={"required": _("Cochez la case pour signer le mandat.")},
    )

    class Meta:
        model = DirectDebitMandate
        fields = ["holder_name", "holder_address", "iban", "bic", "mode", "monthly_amount", "meals"]
        widgets = {"mode": forms.RadioSelect, "holder_address": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        if data.get("mode") == DebitMode.FIXED and not data.get("monthly_amount"):
            self.add_error("monthly_amount", _("Indiquez un montant mensuel positif."))
        if data.get("mode") == DebitMode.TOP_UP and not data.get("meals"):
            self.add_error("meals", _("Indiquez le nombre de repas à couvrir."))
        return data


class ChangeIbanForm(BankDetailsMixin, forms.Form):
    iban = forms.CharField(label=_("Nouvel IBAN"), max_length=50)
    bic = forms.CharField(label=_("BIC"), max_length=20, required=False)
    signed_on = forms.DateField(label=_("Nouveau mandat signé le"), initial=timezone.localdate)


class ManualReturnForm(forms.Form):
    code = forms.ChoiceField(label=_("Motif du rejet"), choices=[])

    def __init__(self, *args, **kwargs):
        from .sepa.returns import REASONS

        super().__init__(*args, **kwargs)
        self.fields["code"].choices = [(code, f"{code} — {label}") for code, label in REASONS.items()]


class BankFileForm(forms.Form):
    establishment = forms.ModelChoiceField(label=_("Établissement"), queryset=None)
    collection_date = forms.DateField(label=_("Date d'échéance"))

    def __init__(self, *args, establishments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["establishment"].queryset = establishments


class ReturnFileForm(forms.Form):
    establishment = forms.ModelChoiceField(label=_("Établissement"), queryset=None)
    file = forms.FileField(label=_("Fichier de la banque (camt.054 ou pain.002)"))

    def __init__(self, *args, establishments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["establishment"].queryset = establishments

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > RETURN_FILE_MAX_BYTES:
            raise forms.ValidationError(_("Ce fichier est trop gros pour un relevé de rejets (5 Mo au plus)."))
        return upload


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Motif"), widget=forms.Textarea(attrs={"rows": 3}))


class CorrectionForm(forms.ModelForm):
    """An amount (positive or negative) and a mandatory reason; booked once per displayed form."""

    amount = MoneyField(
        label=_("Montant"),
        allow_negative=True,
        max_value=DESK_MAX_AMOUNT,
        help_text=_("Positif pour créditer le compte, négatif pour le débiter."),
        error_messages={"zero": _("Le montant d'une correction ne peut pas être nul.")},
    )
    token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    class Meta:
        model = Correction
        fields = ["wallet", "amount", "note", "token"]
        labels = {"wallet": _("Élève"), "note": _("Motif")}
        help_texts = {"note": _("La famille le lit dans l'historique de l'enfant et dans une notification.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True


def pupil_search_widget() -> AutocompleteSelect:
    """The admin's search-as-you-type box over pupils (by name or card number)."""
    return AutocompleteSelect(PaymentAllocation._meta.get_field("pupil"), admin.site)


class CloseBalanceForm(forms.Form):
    """End of the school year: the leaving pupil's balance is refunded or goes to a sibling."""

    REFUND, TRANSFER = "refund", "transfer"

    pupil = forms.ModelChoiceField(
        label=_("Élève qui quitte l'établissement"),
        queryset=Pupil.objects.select_related("establishment"),
        widget=pupil_search_widget(),
        error_messages={"invalid_choice": _("Élève inconnu : choisissez-le dans la liste.")},
    )
    action = forms.ChoiceField(
        label=_("Que faire du solde ?"),
        choices=[(REFUND, _("Le rembourser à la famille")), (TRANSFER, _("Le transférer à un frère ou une sœur"))],
        widget=forms.RadioSelect,
        initial=REFUND,
    )
    sibling = forms.ModelChoiceField(
        label=_("Frère ou sœur"),
        queryset=Pupil.objects.select_related("establishment"),
        widget=pupil_search_widget(),
        required=False,
        error_messages={"invalid_choice": _("Élève inconnu : choisissez-le dans la liste.")},
    )
    reason = forms.CharField(label=_("Motif"), initial=_("Fin de scolarité"), max_length=200)
    token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, establishments, **kwargs):
        """``establishments``: those of the staff member, whose pupils alone may be chosen."""
        super().__init__(*args, **kwargs)
        for name in ("pupil", "sibling"):
            self.fields[name].queryset = self.fields[name].queryset.filter(establishment__in=establishments)

    def clean(self):
        data = super().clean()
        if data.get("action") == self.TRANSFER and not data.get("sibling"):
            self.add_error(
                "sibling", forms.ValidationError(_("Choisissez l'élève qui reçoit le solde."), code="required")
            )
        if data.get("action") == self.REFUND:
            data["sibling"] = None
        return data


class JournalForm(forms.Form):
    start = forms.DateField(label=_("Du"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label=_("Au"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("La date de début doit précéder la date de fin."), code="order")
        return data


class MonthForm(forms.Form):
    month = forms.DateField(
        label=_("Mois à prélever"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": _("Indiquez un mois, par exemple 2026-11.")},
    )


class ClaimForm(forms.Form):
    """A month and an establishment for the State's "cantine à 1 €" claim."""

    establishment = forms.ModelChoiceField(label=_("Établissement"), queryset=None, empty_label=None)
    month = forms.DateField(
        label=_("Mois"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": _("Saisissez un mois, par exemple 2026-10.")},
    )

    def __init__(self, *args, establishments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["establishment"].queryset = establishments
