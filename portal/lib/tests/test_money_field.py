"""The one money field: French amounts in, Decimal out, everything else refused in French."""

from decimal import Decimal as D

import pytest
from django import forms

from portal.lib.forms import MoneyField
from portal.lib.money import in_words


class AmountForm(forms.Form):
    amount = MoneyField(max_value=D("500.00"))


class CorrectionLike(forms.Form):
    amount = MoneyField(allow_negative=True)


class OptionalZero(forms.Form):
    amount = MoneyField(required=False, allow_zero=True)


def clean(form_class, value):
    form = form_class({"amount": value})
    return form.cleaned_data["amount"] if form.is_valid() else " ".join(form.errors["amount"])


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("12,50", D("12.50")),
        ("12.50", D("12.50")),
        ("12", D("12.00")),
        (" 12,50 € ", D("12.50")),
        ("12,5", D("12.50")),
        ("12,", D("12.00")),
        ("12\u00a0€", D("12.00")),
        ("12,50 EUR", D("12.50")),
        ("+12,50", D("12.50")),
        ("0,01", D("0.01")),
        ("1 250,00", D("250.00") * 5),  # grouped by spaces only when the groups are exact
        ("1\u202f250,00 €", D("1250.00")),  # as euros() writes it
    ],
)
def test_reads_an_amount_typed_the_french_way(typed, amount):
    form = AmountForm({"amount": typed})
    if amount > D("500.00"):
        assert "Le montant ne peut pas dépasser 500,00" in " ".join(form.errors["amount"])
        assert clean(CorrectionLike, typed) == amount
    else:
        assert clean(AmountForm, typed) == amount


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1e3", "sans exposant"),
        ("1E3", "sans exposant"),
        ("1e26", "sans exposant"),
        ("1e999999999", "sans exposant"),
        ("12,50e0", "sans exposant"),
        ("1.250,00", "sans séparateur de milliers"),
        ("1,250.00", "sans séparateur de milliers"),
        ("1.250", "sans séparateur de milliers"),
        ("1'250", "sans séparateur de milliers"),
        ("12,505", "plus de deux décimales"),
        ("0,001", "plus de deux décimales"),
        ("12 50", "Saisissez un montant en euros"),
        ("1 25,00", "Saisissez un montant en euros"),
        ("douze", "Saisissez un montant en euros"),
        ("NaN", "Saisissez un montant en euros"),
        ("Infinity", "Saisissez un montant en euros"),
        ("0x10", "Saisissez un montant en euros"),
        ("12,50,00", "Saisissez un montant en euros"),
        ("--12", "Saisissez un montant en euros"),
        ("€", "Ce champ est obligatoire"),
        ("9" * 30, "Le montant ne peut pas dépasser 500,00"),
        ("9" * 31, "Ce montant est trop long"),
        ("500,01", "Le montant ne peut pas dépasser 500,00"),
        ("0", "Le montant doit être supérieur à zéro."),
        ("0,00", "Le montant doit être supérieur à zéro."),
        ("-12,50", "Le montant doit être supérieur à zéro."),
        ("\x00", "Saisissez un montant en euros"),
    ],
)
def test_refuses_anything_else_with_a_french_message(typed, message):
    assert message in clean(AmountForm, typed)


def test_a_signed_field_takes_negative_amounts_but_not_zero():
    assert clean(CorrectionLike, "-3,50") == D("-3.50")
    assert clean(CorrectionLike, "−3,50") == D("-3.50")  # the typographic minus
    assert "ne peut pas être nul" in clean(CorrectionLike, "0")


def test_an_optional_field_takes_nothing_or_zero_but_not_negative():
    assert clean(OptionalZero, "") is None
    assert clean(OptionalZero, "0") == D("0.00")
    assert "ne peut pas être négatif" in clean(OptionalZero, "-1")


def test_renders_a_text_input_with_the_decimal_keypad_never_type_number():
    html = str(AmountForm()["amount"])
    assert 'type="text"' in html and 'inputmode="decimal"' in html
    assert "number" not in html and "step" not in html


def test_shows_a_stored_amount_with_a_comma():
    assert 'value="1250,50"' in str(AmountForm(initial={"amount": D("1250.50")})["amount"])


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1250.00", "mille deux cent cinquante euros"),
        ("1250.50", "mille deux cent cinquante euros et cinquante centimes"),
        ("1.00", "un euro"),
        ("0.50", "cinquante centimes"),
        ("80.01", "quatre-vingts euros et un centime"),
        ("1000000.00", "un million d'euros"),
        ("-21.00", "moins vingt et un euros"),
    ],
)
def test_writes_amounts_out_in_french(amount, words):
    assert in_words(D(amount)) == words


@pytest.mark.django_db
def test_the_establishment_admin_shows_money_as_french_text_inputs(admin_client, school):
    from django.urls import reverse

    page = admin_client.get(reverse("admin:canteen_establishment_change", args=[school.pk])).content.decode()
    assert 'name="desk_confirmation_threshold" value="300,00"' in page
    assert 'type="number" name="min_credit_amount"' not in page and 'inputmode="decimal"' in page
    data = {
        "name": school.name,
        "code": school.code,
        "contact_email": school.contact_email,
        "beneficiary": school.beneficiary,
        "address": school.address,
        "min_credit_amount": "25,50",
        "min_meals": "4",
        "overdraft_limit": "0",
        "desk_confirmation_threshold": "1e3",
        "till_window_days": "400",
        "max_meal_price": "10,00",
        "timezone": "Europe/Paris",
        "prenotification_days": "14",
        "collection_day": "5",
        "sepa_version": "pain.008.001.08",
        "tariffs-TOTAL_FORMS": "0",
        "tariffs-INITIAL_FORMS": "0",
    }
    url = reverse("admin:canteen_establishment_change", args=[school.pk])
    assert "sans exposant" in admin_client.post(url, data).content.decode()
    assert admin_client.post(url, {**data, "desk_confirmation_threshold": "450,00"}).status_code == 302
    school.refresh_from_db()
    assert (school.min_credit_amount, school.desk_confirmation_threshold) == (D("25.50"), D("450.00"))


def test_every_money_column_has_the_same_size():
    """max_digits=12, decimal_places=2 everywhere: an amount that fits one column fits every other."""
    from django.apps import apps
    from django.db import models

    from portal.lib.forms import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

    columns = [
        (model.__name__, field.name, field.max_digits, field.decimal_places)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.DecimalField)
    ]
    assert len(columns) >= 10
    assert [c for c in columns if c[2:] != (MONEY_MAX_DIGITS, MONEY_DECIMAL_PLACES)] == []
