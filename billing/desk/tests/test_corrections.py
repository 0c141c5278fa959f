"""A correction is a new entry with an amount and a mandatory reason."""

import uuid
from decimal import Decimal as D

import pytest
from django.urls import reverse

from billing.models import EntryKind, LedgerEntry, Wallet

from .helpers import assert_ledger_balanced, errors_of

pytestmark = pytest.mark.django_db
URL = reverse("admin:billing_correction_add")


def correction(pupil, amount="5.00", note="Repas compté deux fois", token=None) -> dict:
    return {"wallet": pupil.wallet.pk, "amount": amount, "note": note, "token": token or uuid.uuid4().hex}


def test_refuses_a_correction_without_reason(desk, lea):
    response = desk.post(URL, correction(lea, note=""))
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in errors_of(response)
    assert LedgerEntry.objects.count() == 0
    assert_ledger_balanced()


def test_refuses_a_zero_correction(desk, lea):
    response = desk.post(URL, correction(lea, amount="0.00"))
    assert "Le montant d'une correction ne peut pas être nul." in errors_of(response)
    assert LedgerEntry.objects.count() == 0


def test_refuses_an_unknown_account(desk, lea):
    data = correction(lea)
    data["wallet"] = 999_999
    response = desk.post(URL, data)
    assert response.status_code == 200
    assert LedgerEntry.objects.count() == 0


@pytest.mark.parametrize("amount", ["3.50", "-3.50"])
def test_books_a_correction_with_who_and_why(desk, cashier, lea, amount):
    response = desk.post(URL, correction(lea, amount=amount))
    assert response.status_code == 302
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.amount, entry.label) == (EntryKind.CORRECTION, D(amount), "Correction")
    assert entry.note == "Repas compté deux fois" and entry.recorded_by == cashier
    assert Wallet.objects.get(pupil=lea).balance == D(amount)
    assert_ledger_balanced()


def test_the_same_form_sent_twice_books_once(desk, lea):
    data = correction(lea)
    desk.post(URL, data)
    desk.post(URL, data)
    assert LedgerEntry.objects.count() == 1
    assert Wallet.objects.get(pupil=lea).balance == D("5.00")
    assert_ledger_balanced()


def test_a_correction_is_shown_read_only(desk, lea):
    desk.post(URL, correction(lea))
    entry = LedgerEntry.objects.get()
    page = desk.get(reverse("admin:billing_correction_change", args=[entry.pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert (
        desk.post(reverse("admin:billing_correction_change", args=[entry.pk]), correction(lea, "50.00")).status_code
        == 403
    )
