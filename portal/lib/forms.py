"""Money typed by people: one form field for every euro amount, public pages and admin alike.

French people type "12,50"; some browsers' ``<input type="number">`` silently drop the comma
and record 1 250,00 €. This field is a text input (``inputmode="decimal"`` brings up the
numeric keypad on phones) that reads "12,50", "12.50", "12" and " 12,50 € " the same way and
refuses anything else with a French message: exponents, thousands separators, more than two
decimals, signs where not allowed, amounts above the field's maximum.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from .money import euros

MONEY_MAX_DIGITS = 12  # the same for every money column: max_digits=12, decimal_places=2
MONEY_DECIMAL_PLACES = 2
# The largest amount a money column holds; fields usually carry a much smaller maximum.
MONEY_LIMIT = Decimal("9999999999.99")
MAX_TYPED_LENGTH = 30  # longer than any amount written by hand: refused before being parsed

# An optional sign, digits, optionally a comma or a point and one or two more digits.
_AMOUNT = re.compile(r"(?P<sign>[-+−]?)(?P<units>[0-9]+)(?:[.,](?P<cents>[0-9]*))?")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_SPACE_GROUPED = re.compile(r"[-+−]?[1-9][0-9]{0,2}( [0-9]{3})+([.,][0-9]*)?")


class MoneyField(forms.DecimalField):
    """A euro amount with at most two decimals, typed the French way; ``Decimal`` quantized to the cent.

    ``allow_zero`` and ``allow_negative`` say what the amount may be (by default strictly positive);
    ``max_value`` (default: what a money column holds) is checked with a French message.
    """

    default_error_messages = {
        "invalid": _("Saisissez un montant en euros, par exemple 20,00."),
        "too_long": _("Ce montant est trop long : saisissez un montant en euros, par exemple 12,50."),
        "exponent": _("Saisissez le montant en chiffres, sans exposant (par exemple 1000 et non 1e3)."),
        "thousands": _("Saisissez le montant sans séparateur de milliers, par exemple 1250,00."),
        "decimals": _("Le montant ne peut pas avoir plus de deux décimales."),
        "negative": _("Le montant ne peut pas être négatif."),
        "not_positive": _("Le montant doit être supérieur à zéro."),
        "zero": _("Le montant ne peut pas être nul."),
        "max_value": _("Le montant ne peut pas dépasser %(limit_value)s."),
        "min_value": _("Le montant ne peut pas être inférieur à %(limit_value)s."),
    }

    def __init__(self, *, allow_zero: bool = False, allow_negative: bool = False, max_value=None, **kwargs):
        self.allow_zero, self.allow_negative = allow_zero, allow_negative
        kwargs.setdefault("widget", forms.TextInput)
        max_value = MONEY_LIMIT if max_value is None else min(Decimal(max_value), MONEY_LIMIT)
        kwargs.pop("max_digits", None)
        kwargs.pop("decimal_places", None)
        kwargs.pop("localize", None)
        kwargs.pop("step_size", None)
        min_value = kwargs.pop("min_value", None)
        super().__init__(
            max_value=None, min_value=None, max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **kwargs
        )
        self.max_value, self.min_value = max_value, min_value  # checked in validate(), with euros in the message

    def widget_attrs(self, widget):
        attrs = forms.Field.widget_attrs(self, widget)  # not DecimalField's: no type=number, min, max or step
        attrs.update({"inputmode": "decimal", "autocomplete": "off"})
        return attrs

    def to_python(self, value) -> Decimal | None:
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):  # an initial value or a model's, never typed
            text = f"{value:f}"
        else:
            text = str(value)
        if len(text) > MAX_TYPED_LENGTH:
            raise forms.ValidationError(self.error_messages["too_long"], code="too_long")
        text = _SPACES.sub(" ", text).strip()
        if text.endswith("€"):
            text = text[:-1].strip()
        elif text.lower().endswith("eur"):
            text = text[:-3].strip()
        if not text:
            return None
        if _SPACE_GROUPED.fullmatch(text):  # "1 250,00": a space is never a decimal mark, so it is unambiguous
            text = text.replace(" ", "")
        if re.search(r"[0-9][eE]|[eE][-+]?[0-9]", text):
            raise forms.ValidationError(self.error_messages["exponent"], code="exponent")
        match = _AMOUNT.fullmatch(text)
        if match is None:
            if re.fullmatch(r"[-+−]?[0-9]{1,3}([ .,'][0-9]{3})+([.,][0-9]*)?", text):
                raise forms.ValidationError(self.error_messages["thousands"], code="thousands")
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        cents = match["cents"] or ""
        if len(cents) > MONEY_DECIMAL_PLACES:
            ambiguous = len(cents) == 3 and "," not in text and len(match["units"]) <= 3 and match["units"][0] != "0"
            code = "thousands" if ambiguous else "decimals"
            raise forms.ValidationError(self.error_messages[code], code=code)
        if len(match["units"].lstrip("0")) > MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES:  # beyond any column
            raise forms.ValidationError(
                self.error_messages["max_value"], code="max_value", params={"limit_value": euros(self.max_value)}
            )
        amount = Decimal(f"{match['units']}.{cents or '0'}").quantize(Decimal("0.01"))
        return -amount if match["sign"] in ("-", "−") else amount

    def validate(self, value) -> None:
        forms.Field.validate(self, value)
        if value is None:
            return
        if value < 0 and not self.allow_negative:
            raise forms.ValidationError(
                self.error_messages["negative" if self.allow_zero else "not_positive"], code="negative"
            )
        if value == 0 and not self.allow_zero:
            code = "zero" if self.allow_negative else "not_positive"
            raise forms.ValidationError(self.error_messages[code], code=code)
        if self.max_value is not None and abs(value) > self.max_value:
            raise forms.ValidationError(
                self.error_messages["max_value"], code="max_value", params={"limit_value": euros(self.max_value)}
            )
        if self.min_value is not None and value < self.min_value:
            raise forms.ValidationError(
                self.error_messages["min_value"], code="min_value", params={"limit_value": euros(self.min_value)}
            )

    def run_validators(self, value) -> None:
        pass  # DecimalField's digit validators would repeat validate() in English-shaped messages

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return f"{value:.2f}".replace(".", ",")
        return value


# For a ModelAdmin's ``formfield_overrides``: every money column typed the French way (zero allowed,
# the model's own validators say more).
MONEY_ADMIN_FIELDS = {models.DecimalField: {"form_class": MoneyField, "allow_zero": True}}
