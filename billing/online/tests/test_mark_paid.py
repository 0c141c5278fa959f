"""Crediting and refunding a payment: exactly once, split to the cent."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.ledger import refund_payment, split_pro_rata, wallets_out_of_balance
from billing.models import EntryKind, LedgerEntry, Payment, PaymentStatus, Wallet
from billing.online.payments import credit

from .payments_helpers import online_payment

pytestmark = pytest.mark.django_db


def test_crediting_twice_credits_once(parent, lea, hugo):
    payment = online_payment(parent, {lea: "20.00", hugo: "25.50"})
    assert credit(payment) is True
    assert credit(payment) is False
    entries = LedgerEntry.objects.filter(kind=EntryKind.ONLINE_PAYMENT)
    assert sorted(e.amount for e in entries) == [D("20.00"), D("25.50")]
    assert {e.label for e in entries} == {"Paiement en ligne"}
    assert payment.status == PaymentStatus.PAID
    assert list(wallets_out_of_balance()) == []


def test_a_second_credit_is_impossible_even_if_the_state_check_were_bypassed(parent, lea):
    payment = online_payment(parent, {lea: "20.00"})
    credit(payment)
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.PENDING)  # as if the lock had been skipped
    credit(payment)
    assert LedgerEntry.objects.filter(kind=EntryKind.ONLINE_PAYMENT).count() == 1
    assert Wallet.objects.get(pupil=lea).balance == D("20.00")


def test_a_cancelled_payment_whose_money_arrives_is_still_credited(parent, lea):
    payment = online_payment(parent, {lea: "20.00"})
    assert payment.mark_unpaid(PaymentStatus.CANCELED)
    assert credit(payment)
    assert Wallet.objects.get(pupil=lea).balance == D("20.00")


def test_a_paid_payment_is_never_cancelled_or_failed(parent, lea):
    payment = online_payment(parent, {lea: "20.00"})
    credit(payment)
    assert not payment.mark_unpaid(PaymentStatus.CANCELED)
    assert not payment.mark_unpaid(PaymentStatus.FAILED)
    assert payment.status == PaymentStatus.PAID


def test_a_refund_beyond_the_amount_is_capped(parent, lea):
    payment = online_payment(parent, {lea: "20.00"})
    credit(payment)
    assert refund_payment(payment, D("25.00"), "Erreur") == D("20.00")
    assert refund_payment(payment, D("25.00"), "Erreur") == D("0.00")
    assert Wallet.objects.get(pupil=lea).balance == D("0.00")
    assert payment.status == PaymentStatus.REFUNDED


class Allocation:
    def __init__(self, amount: D):
        self.amount = amount


cents = st.integers(min_value=1, max_value=50_000).map(lambda c: D(c) / 100)


@given(parts=st.lists(cents, min_size=1, max_size=5), fraction=st.integers(min_value=1, max_value=100))
def test_pro_rata_shares_add_up_exactly_and_stay_within_a_cent_of_the_proportion(parts, fraction):
    whole = sum(parts)
    amount = (whole * fraction / 100).quantize(D("0.01"))
    if amount == 0:
        return
    shares = split_pro_rata(amount, [Allocation(p) for p in parts], whole)
    assert sum(shares) == amount
    for part, share in zip(parts, shares, strict=True):
        assert share <= part
        assert abs(share - amount * part / whole) < D("0.02")
