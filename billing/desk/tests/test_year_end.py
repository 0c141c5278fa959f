"""End of the school year: a leaving pupil's balance is refunded or moved to a sibling, to the cent."""

import uuid
from decimal import Decimal as D

import pytest
from django.urls import reverse

from billing.ledger import book, wallets_out_of_balance
from billing.models import EntryKind, LedgerEntry, Wallet

pytestmark = pytest.mark.django_db
URL = reverse("admin:billing_close_balance")


@pytest.fixture
def lea_has_money(lea, parent):
    book(lea, kind=EntryKind.CHEQUE, amount=D("23.47"), label="Chèque n° 1")


def close(pupil, action="transfer", sibling=None, token=None) -> dict:
    return {
        "pupil": pupil.pk,
        "action": action,
        "sibling": getattr(sibling, "pk", ""),
        "reason": "Fin de scolarité",
        "token": token or uuid.uuid4().hex,
    }


def balance(pupil) -> D:
    return Wallet.objects.get(pupil=pupil).balance


def form_errors(response) -> list[str]:
    form = response.context["form"]
    return [message for messages in form.errors.values() for message in messages]


def test_refuses_a_transfer_between_pupils_of_different_families(desk, lea_has_money, lea, chloe, other_parent):
    response = desk.post(URL, close(lea, sibling=chloe))
    assert "Chloé Bernard n'est pas un frère ou une sœur de Léa Martin : transfert refusé." in form_errors(response)
    assert balance(lea) == D("23.47") and balance(chloe) == D("0.00")
    assert LedgerEntry.objects.count() == 1


def test_refuses_a_transfer_to_the_same_pupil(desk, lea_has_money, lea):
    response = desk.post(URL, close(lea, sibling=lea))
    assert "Léa Martin n'est pas un frère ou une sœur de Léa Martin : transfert refusé." in form_errors(response)
    assert LedgerEntry.objects.count() == 1


def test_refuses_a_transfer_without_the_receiving_pupil(desk, lea_has_money, lea):
    response = desk.post(URL, close(lea))
    assert "Choisissez l'élève qui reçoit le solde." in form_errors(response)
    assert LedgerEntry.objects.count() == 1


def test_refuses_an_unknown_pupil(desk, lea):
    response = desk.post(URL, {**close(lea, action="refund"), "pupil": 999_999})
    assert "Élève inconnu : choisissez-le dans la liste." in form_errors(response)
    assert LedgerEntry.objects.count() == 0


def test_refuses_to_close_an_empty_or_negative_balance(desk, lea, hugo, parent):
    book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self")
    response = desk.post(URL, close(lea, sibling=hugo))
    assert "Le solde de Léa Martin n'est pas positif : rien à rembourser ni à transférer." in form_errors(response)
    assert balance(lea) == D("-3.50") and balance(hugo) == D("0.00")


def test_transfers_the_whole_balance_to_a_sibling_as_a_pair_of_entries(desk, cashier, lea_has_money, lea, hugo):
    book(hugo, kind=EntryKind.CASH, amount=D("1.00"), label="Espèces")
    response = desk.post(URL, close(lea, sibling=hugo))
    assert response.status_code == 302, form_errors(response)
    out, into = LedgerEntry.objects.filter(kind=EntryKind.TRANSFER).order_by("id")
    assert (out.wallet.pupil, out.amount, out.label) == (lea, D("-23.47"), "Transfert vers Hugo")
    assert (into.wallet.pupil, into.amount, into.label) == (hugo, D("23.47"), "Transfert de Léa")
    assert out.recorded_by == into.recorded_by == cashier
    assert balance(lea) == D("0.00") and balance(hugo) == D("24.47")
    assert list(wallets_out_of_balance()) == []


def test_refunds_the_whole_balance(desk, lea_has_money, lea):
    assert desk.post(URL, close(lea, action="refund")).status_code == 302
    refund = LedgerEntry.objects.get(kind=EntryKind.REFUND)
    assert (refund.amount, refund.label, refund.note) == (D("-23.47"), "Remboursement du solde", "Fin de scolarité")
    assert balance(lea) == D("0.00")
    assert list(wallets_out_of_balance()) == []


def test_the_same_form_sent_twice_moves_the_money_once(desk, lea_has_money, lea, hugo):
    data = close(lea, sibling=hugo)
    desk.post(URL, data)
    book(lea, kind=EntryKind.CASH, amount=D("2.00"), label="Espèces")  # money arriving after the transfer
    again = desk.post(URL, data)
    assert "Ce formulaire a déjà été traité : rien n'a été modifié." in form_errors(again)
    assert balance(lea) == D("2.00") and balance(hugo) == D("23.47")
    assert LedgerEntry.objects.filter(kind=EntryKind.TRANSFER).count() == 2
