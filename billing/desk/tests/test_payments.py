"""The cashier records a cheque, cash or a transfer in the admin, split between pupils."""

from decimal import Decimal as D

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from billing.desk.models import OfflinePayment
from billing.models import EntryKind, LedgerEntry, Payment, PaymentStatus, Wallet

from .helpers import ADD_URL, assert_ledger_balanced, desk_payment_data, errors_of

pytestmark = pytest.mark.django_db


def balance(pupil) -> D:
    return Wallet.objects.get(pupil=pupil).balance


def test_refuses_a_split_that_does_not_add_up(desk, lea, hugo):
    response = desk.post(ADD_URL, desk_payment_data((lea, "30.00"), (hugo, "19.99"), amount="50.00"))
    assert response.status_code == 200
    assert "La répartition (49,99 €) ne correspond pas au montant du paiement (50,00 €)." in errors_of(response)
    assert Payment.objects.count() == 0 and LedgerEntry.objects.count() == 0
    assert_ledger_balanced()


@pytest.mark.parametrize("amount", ["0.00", "-50.00"])
def test_refuses_a_zero_or_negative_amount(desk, lea, amount):
    response = desk.post(ADD_URL, desk_payment_data((lea, amount), amount=amount))
    assert "Le montant doit être supérieur à zéro." in errors_of(response)
    assert Payment.objects.count() == 0 and LedgerEntry.objects.count() == 0
    assert_ledger_balanced()


def test_refuses_a_negative_part_even_when_the_total_adds_up(desk, lea, hugo):
    response = desk.post(ADD_URL, desk_payment_data((lea, "60.00"), (hugo, "-10.00"), amount="50.00"))
    assert "Le montant doit être supérieur à zéro." in errors_of(response)
    assert Payment.objects.count() == 0
    assert_ledger_balanced()


def test_refuses_an_unknown_pupil(desk, lea):
    response = desk.post(ADD_URL, desk_payment_data((lea, "20.00"), (999_999, "30.00")))
    assert "Élève inconnu : choisissez-le dans la liste." in errors_of(response)
    assert Payment.objects.count() == 0 and LedgerEntry.objects.count() == 0
    assert_ledger_balanced()


def test_refuses_a_payment_split_between_nobody(desk):
    response = desk.post(ADD_URL, desk_payment_data())
    assert "Indiquez au moins un élève à créditer." in errors_of(response)
    assert Payment.objects.count() == 0


def test_refuses_the_same_pupil_twice(desk, lea):
    response = desk.post(ADD_URL, desk_payment_data((lea, "20.00"), (lea, "30.00")))
    assert "Un même élève figure deux fois dans la répartition." in errors_of(response)
    assert Payment.objects.count() == 0


def test_refuses_a_cheque_without_number_or_bank(desk, lea):
    response = desk.post(ADD_URL, desk_payment_data((lea, "50.00"), number="", bank=""))
    assert "Obligatoire pour un chèque." in errors_of(response)
    assert Payment.objects.count() == 0


def test_refuses_the_same_cheque_twice_for_the_same_bank_and_payer(desk, lea, hugo):
    assert desk.post(ADD_URL, desk_payment_data((lea, "50.00"))).status_code == 302
    again = desk.post(ADD_URL, desk_payment_data((hugo, "50.00"), payer="CAMILLE  martin", bank="crédit agricole"))
    assert "Le chèque n° 1234567 de CAMILLE martin (crédit agricole) est déjà enregistré." in errors_of(again)
    assert Payment.objects.count() == 1
    assert balance(lea) == D("50.00") and balance(hugo) == D("0.00")
    assert_ledger_balanced()


def test_accepts_the_same_cheque_number_from_another_bank(desk, lea):
    assert desk.post(ADD_URL, desk_payment_data((lea, "50.00"))).status_code == 302
    assert desk.post(ADD_URL, desk_payment_data((lea, "50.00"), bank="La Banque Postale")).status_code == 302
    assert balance(lea) == D("100.00")


def test_records_a_cheque_split_between_two_children_in_one_entry_each(desk, cashier, lea, hugo):
    response = desk.post(ADD_URL, desk_payment_data((lea, "30.00"), (hugo, "20.00"), amount="50.00"))
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.PAID and payment.recorded_by == cashier and payment.paid_at
    assert payment.offline.cheque_number == "1234567" and payment.offline.bank == "Crédit Agricole"
    entries = {e.wallet.pupil: e for e in LedgerEntry.objects.select_related("wallet__pupil")}
    assert entries[lea].amount == D("30.00") and entries[hugo].amount == D("20.00")
    for pupil, entry in entries.items():
        assert entry.kind == EntryKind.CHEQUE
        assert entry.label == "Chèque n° 1234567"
        assert entry.reference == f"payment:{payment.pk}:credit:{pupil.pk}"
        assert entry.recorded_by == cashier and entry.payment == payment
    assert balance(lea) == D("30.00") and balance(hugo) == D("20.00")
    assert_ledger_balanced()


@pytest.mark.parametrize(
    ("method", "label", "kind"), [("cash", "Espèces", EntryKind.CASH), ("transfer", "Virement", EntryKind.TRANSFER)]
)
def test_records_cash_and_transfers_with_the_same_form(desk, lea, method, label, kind):
    response = desk.post(ADD_URL, desk_payment_data((lea, "25.50"), method=method, amount="25.50", number="99"))
    assert response.status_code == 302
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.label, entry.amount) == (kind, label, D("25.50"))
    assert OfflinePayment.objects.get().cheque_number == ""
    assert_ledger_balanced()


def test_a_saved_payment_is_shown_read_only(desk, lea):
    desk.post(ADD_URL, desk_payment_data((lea, "50.00")))
    payment = Payment.objects.get()
    page = desk.get(reverse("admin:billing_deskpayment_change", args=[payment.pk]))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert "Chèque n° 1234567" in page.content.decode()
    changed = desk.post(
        reverse("admin:billing_deskpayment_change", args=[payment.pk]),
        desk_payment_data((lea, "500.00"), amount="500.00"),
    )
    assert changed.status_code == 403
    assert balance(lea) == D("50.00")


class TestCancellation:
    @pytest.fixture
    def payment(self, desk, lea, hugo) -> Payment:
        desk.post(ADD_URL, desk_payment_data((lea, "30.00"), (hugo, "20.00"), amount="50.00"))
        return Payment.objects.get()

    def url(self, payment) -> str:
        return reverse("admin:billing_deskpayment_cancel", args=[payment.pk])

    def test_requires_a_reason(self, desk, payment, lea):
        response = desk.post(self.url(payment), {"reason": ""})
        assert response.status_code == 200
        assert "Ce champ est obligatoire." in response.content.decode()
        assert Payment.objects.get().status == PaymentStatus.PAID
        assert balance(lea) == D("30.00")

    def test_reverses_each_part_by_a_new_entry_and_keeps_the_payment(self, desk, cashier, payment, lea, hugo):
        response = desk.post(self.url(payment), {"reason": "Montant mal saisi"})
        assert response.status_code == 302
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.CANCELED
        assert payment.offline.canceled_by == cashier and payment.offline.cancel_reason == "Montant mal saisi"
        reversals = LedgerEntry.objects.filter(amount__lt=0)
        assert sorted(e.amount for e in reversals) == [D("-30.00"), D("-20.00")]
        assert all(e.label == "Annulation : Chèque n° 1234567" and e.note == "Montant mal saisi" for e in reversals)
        assert LedgerEntry.objects.count() == 4
        assert balance(lea) == D("0.00") and balance(hugo) == D("0.00")
        assert_ledger_balanced()

    def test_cannot_cancel_twice(self, desk, payment, lea):
        desk.post(self.url(payment), {"reason": "Erreur"})
        again = desk.post(self.url(payment), {"reason": "Erreur"})
        assert again.context["form"].non_field_errors() == [
            "Ce paiement n'est pas encaissé : il ne peut pas être annulé."
        ]
        assert LedgerEntry.objects.count() == 4
        assert_ledger_balanced()

    def test_a_cancelled_cheque_can_be_recorded_again(self, desk, payment, lea):
        desk.post(self.url(payment), {"reason": "Mauvaise répartition"})
        assert desk.post(ADD_URL, desk_payment_data((lea, "50.00"))).status_code == 302
        assert balance(lea) == D("50.00")
        assert_ledger_balanced()


def test_the_database_itself_refuses_the_same_cheque_twice(lea):
    def cheque(drawer: str, bank: str) -> OfflinePayment:
        payment = Payment.objects.create(method="cheque", amount=D("10.00"), status=PaymentStatus.PAID)
        return OfflinePayment.objects.create(
            payment=payment, drawer=drawer, bank=bank, cheque_number="42", received_on="2026-11-26"
        )

    cheque("Camille Martin", "LCL")
    with pytest.raises(IntegrityError), transaction.atomic():
        cheque("camille martin", "lcl")


def test_the_same_form_sent_twice_records_one_payment(desk, lea):
    data = desk_payment_data((lea, "5.00"), method="cash", amount="5.00")
    assert desk.post(ADD_URL, data).status_code == 302
    again = desk.post(ADD_URL, data)
    assert "Ce paiement est déjà enregistré : le formulaire a été envoyé deux fois." in errors_of(again)
    assert Payment.objects.count() == 1 and balance(lea) == D("5.00")
    assert_ledger_balanced()


class TestFrenchAmounts:
    """The cashier types amounts the French way; a large one is read back in words before it counts."""

    @pytest.mark.parametrize("typed", ["12,50", "12.50", " 12,50 € "])
    def test_records_an_amount_typed_with_a_comma_or_a_point(self, desk, lea, typed):
        response = desk.post(ADD_URL, desk_payment_data((lea, typed), amount=typed))
        assert response.status_code == 302
        assert Payment.objects.get().amount == D("12.50") and balance(lea) == D("12.50")

    @pytest.mark.parametrize(
        ("typed", "message"),
        [
            ("1e3", "sans exposant"),
            ("1.250,00", "sans séparateur de milliers"),
            ("12,505", "plus de deux décimales"),
            ("10000,01", "Le montant ne peut pas dépasser 10\u00a0000,00"),
        ],
    )
    def test_refuses_an_amount_that_is_not_a_plain_french_amount(self, desk, lea, typed, message):
        response = desk.post(ADD_URL, desk_payment_data((lea, typed), amount=typed))
        assert message in errors_of(response)
        assert Payment.objects.count() == 0 and LedgerEntry.objects.count() == 0

    def test_the_form_shows_text_inputs_for_money_never_type_number(self, desk):
        page = desk.get(ADD_URL).content.decode()
        assert 'name="amount" ' in page and 'inputmode="decimal"' in page
        assert 'type="number"' not in page

    def test_an_amount_above_the_threshold_asks_for_a_confirmation_in_words(self, desk, lea):
        response = desk.post(ADD_URL, desk_payment_data((lea, "1250"), amount="1250"))
        assert response.status_code == 200
        assert "mille deux cent cinquante euros" in errors_of(response)
        page = response.content.decode()
        assert 'name="confirm_amount" value="1250.00"' in page
        assert "Je confirme ce montant : mille deux cent cinquante euros" in page
        assert Payment.objects.count() == 0 and LedgerEntry.objects.count() == 0

        confirmed = desk.post(ADD_URL, {**desk_payment_data((lea, "1250"), amount="1250"), "confirm_amount": "1250.00"})
        assert confirmed.status_code == 302
        assert balance(lea) == D("1250.00")
        assert_ledger_balanced()

    def test_a_confirmation_holds_only_for_the_amount_confirmed(self, desk, lea):
        data = {**desk_payment_data((lea, "12500"), amount="12500"), "confirm_amount": "1250.00"}
        data["allocations-0-amount"] = data["amount"] = "2500"
        response = desk.post(ADD_URL, data)
        assert "deux mille cinq cents euros" in errors_of(response)
        assert Payment.objects.count() == 0

    def test_the_threshold_is_the_establishments(self, desk, lea, school):
        assert desk.post(ADD_URL, desk_payment_data((lea, "300,00"), amount="300,00")).status_code == 302
        school.desk_confirmation_threshold = D("50.00")
        school.save()
        response = desk.post(ADD_URL, desk_payment_data((lea, "50,01"), amount="50,01"))
        assert "cinquante euros et un centime" in errors_of(response)
        assert balance(lea) == D("300.00")
