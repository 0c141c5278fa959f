"""\"Situation de mes comptes\" and the family page: what a parent sees, and every bad amount refused."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from billing.ledger import book
from billing.models import EntryKind, Payment, meals_covered
from billing.online.limits import minimum_credit

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, parent):
    client.force_login(parent)
    return client


def pay(client, pupil, amount: str):
    return client.post(reverse("billing:accounts"), {"pupil": pupil.pk, "amount": amount, "pay": ""})


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("19,99", "Le montant minimum à créditer pour Léa est de 20,00"),
        ("500,01", "Le montant maximum à créditer est de 500,00"),
        ("vingt", "Saisissez un montant en euros, par exemple 20,00."),
        ("-20", "Le montant ne peut pas être négatif."),
        ("20,001", "Le montant ne peut pas avoir plus de deux décimales."),
        ("", "Ce champ est obligatoire."),
        ("NaN", "Saisissez un montant en euros, par exemple 20,00."),
    ],
)
def test_refuses_a_bad_amount_with_a_french_message_and_creates_no_payment(logged_in, lea, amount, message):
    response = pay(logged_in, lea, amount)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Payment.objects.exists()


def test_refuses_a_child_of_another_family(logged_in, chloe):
    response = pay(logged_in, chloe, "20,00")
    assert response.status_code == 400
    assert "Cet enfant n&#x27;est pas rattaché à votre compte." in response.content.decode()
    assert not Payment.objects.exists()


def test_the_minimum_is_the_larger_of_the_amount_and_the_meals(school, lea, hugo):
    assert minimum_credit(lea) == D("20.00")  # 4 × 3,50 = 14,00 < 20,00
    school.min_meals = 10
    school.save()
    lea.refresh_from_db()
    assert minimum_credit(lea) == D("35.00")
    assert meals_covered(D("18.40"), D("3.50")) == 5
    assert meals_covered(D("-2.00"), D("3.50")) == 0


def test_the_page_shows_each_childs_price_minimum_balance_and_meals(logged_in, lea, hugo, chloe):
    book(lea, kind=EntryKind.CHEQUE, amount=D("18.40"), label="Chèque n° 1")
    page = logged_in.get(reverse("billing:accounts")).content.decode()
    assert (
        "Le prix d'un déjeuner est actuellement de 3,50\u00a0€. Le montant minimum à créditer est de 20,00\u00a0€."
        in page
    )
    assert "18,40\u00a0€" in page and "Soit : 5 repas" in page
    assert "Montant à créditer" in page and "Montant à payer" in page and "PROCÉDER AU PAIEMENT" in page
    assert "Hugo" in page and "Chloé" not in page


def test_without_javascript_the_server_recalculates_the_amount_to_pay(logged_in, lea):
    response = logged_in.post(reverse("billing:accounts"), {"pupil": lea.pk, "amount": "22,5", "recalculate": ""})
    assert response.status_code == 200
    assert "22,50\u00a0€" in response.content.decode()
    assert not Payment.objects.exists()


def test_a_quick_choice_fills_the_amount_without_javascript(logged_in, lea):
    response = logged_in.post(reverse("billing:accounts"), {"pupil": lea.pk, "amount": "", "choice": "35.00"})
    assert 'value="35.00"' in response.content.decode()
    assert not Payment.objects.exists()


def test_the_family_page_applies_a_minimum_only_to_children_with_an_amount(logged_in, lea, hugo):
    response = logged_in.post(
        reverse("billing:family"), {f"amount_{lea.pk}": "20", f"amount_{hugo.pk}": "", "recalculate": ""}
    )
    assert response.status_code == 200
    assert "20,00\u00a0€" in response.content.decode()
    response = logged_in.post(
        reverse("billing:family"), {f"amount_{lea.pk}": "20", f"amount_{hugo.pk}": "5", "pay": ""}
    )
    assert response.status_code == 400
    assert "Le montant minimum à créditer pour Hugo est de 20,00" in response.content.decode()
    assert not Payment.objects.exists()


def test_the_family_page_refuses_an_empty_form(logged_in, lea, hugo):
    response = logged_in.post(reverse("billing:family"), {f"amount_{lea.pk}": "", f"amount_{hugo.pk}": "0", "pay": ""})
    assert response.status_code == 400
    assert "Saisissez un montant pour au moins un enfant." in response.content.decode()
    assert not Payment.objects.exists()


def test_the_family_page_ignores_a_child_of_another_family(logged_in, lea, chloe):
    logged_in.post(reverse("billing:family"), {f"amount_{lea.pk}": "20", f"amount_{chloe.pk}": "30", "pay": ""})
    payment = Payment.objects.get()
    assert [a.pupil for a in payment.allocations.all()] == [lea] and payment.amount == D("20.00")
