"""The top-up forms of "Situation de mes comptes": one child, or several children at once."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from canteen.models import Pupil, with_prices_today
from portal.lib.forms import MoneyField
from portal.lib.money import ZERO, euros

from .limits import maximum_credit, minimum_credit


def check_bounds(amount: Decimal, pupil) -> None:
    minimum, maximum = minimum_credit(pupil), maximum_credit()
    if amount < minimum:
        raise forms.ValidationError(
            _("Le montant minimum à créditer pour %(name)s est de %(minimum)s."),
            code="below_minimum",
            params={"name": pupil.first_name, "minimum": euros(minimum)},
        )
    if amount > maximum:
        raise forms.ValidationError(
            _("Le montant maximum à créditer est de %(maximum)s."),
            code="above_maximum",
            params={"maximum": euros(maximum)},
        )


class CreditForm(forms.Form):
    """Credit one child: the child must be one of the parent's, the amount within its bounds."""

    pupil = forms.ModelChoiceField(
        queryset=None,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("Cet enfant n'est pas rattaché à votre compte.")},
    )
    amount = MoneyField(label=_("Montant à créditer"), allow_zero=True)  # zero gets the minimum's message

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = Pupil.objects.guarded_by(user).select_related("establishment")

    def clean(self):
        cleaned = super().clean()
        pupil, amount = cleaned.get("pupil"), cleaned.get("amount")
        if pupil is not None and amount is not None:
            try:
                check_bounds(amount, pupil)
            except forms.ValidationError as error:
                self.add_error("amount", error)
        return cleaned

    def allocations(self) -> list[tuple]:
        return [(self.cleaned_data["pupil"], self.cleaned_data["amount"])]


class FamilyCreditForm(forms.Form):
    """One payment for several children: an amount per child, the bounds apply to non-zero amounts."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pupils = with_prices_today(
            Pupil.objects.guarded_by(user).select_related("establishment", "wallet").order_by("first_name")
        )
        for pupil in self.pupils:
            self.fields[f"amount_{pupil.pk}"] = MoneyField(label=str(pupil), required=False, allow_zero=True)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        for pupil in self.pupils:
            amount = cleaned.get(f"amount_{pupil.pk}") or ZERO
            if amount:
                try:
                    check_bounds(amount, pupil)
                except forms.ValidationError as error:
                    self.add_error(f"amount_{pupil.pk}", error)
        if not self.errors and not any(amount for _pupil, amount in self.allocations()):
            raise forms.ValidationError(_("Saisissez un montant pour au moins un enfant."), code="empty")
        total = sum((amount for _pupil, amount in self.allocations()), ZERO)
        if not self.errors and total > maximum_credit():
            raise forms.ValidationError(
                _("Le montant maximum d'un paiement est de %(maximum)s."),
                code="above_maximum",
                params={"maximum": euros(maximum_credit())},
            )
        return cleaned

    def allocations(self) -> list[tuple]:
        pairs = [(pupil, self.cleaned_data.get(f"amount_{pupil.pk}") or ZERO) for pupil in self.pupils]
        return [(pupil, amount) for pupil, amount in pairs if amount]

    def rows(self):
        for pupil in self.pupils:
            yield pupil, self[f"amount_{pupil.pk}"]
