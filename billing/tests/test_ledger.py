from decimal import Decimal as D

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from billing.ledger import book, wallets_out_of_balance
from billing.models import AppendOnlyError, EntryKind, LedgerEntry, Wallet

pytestmark = pytest.mark.django_db


def test_every_pupil_has_a_wallet_from_the_start(lea):
    assert Wallet.objects.get(pupil=lea).balance == D("0.00")


def test_booking_moves_the_balance_and_records_the_running_balance(lea):
    book(lea, kind=EntryKind.ONLINE_PAYMENT, amount=D("20.00"), label="Paiement en ligne")
    booking = book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self")
    assert booking.created
    assert booking.entry.balance_after == D("16.50")
    assert Wallet.objects.get(pupil=lea).balance == D("16.50")
    assert list(wallets_out_of_balance()) == []


def test_a_reference_is_booked_once(lea):
    first = book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", reference="till:1:A")
    again = book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", reference="till:1:A")
    assert not again.created and again.entry.pk == first.entry.pk
    assert Wallet.objects.get(pupil=lea).balance == D("-3.50")


@pytest.mark.parametrize("amount", [D("0"), D("1.005"), 3.5])
def test_refuses_zero_sub_cent_and_float_amounts(lea, amount):
    with pytest.raises((ValueError, TypeError)):
        book(lea, kind=EntryKind.CORRECTION, amount=amount, label="x")
    assert LedgerEntry.objects.count() == 0


def test_entries_are_never_edited_or_deleted(lea):
    entry = book(lea, kind=EntryKind.CASH, amount=D("10.00"), label="Espèces").entry
    entry.amount = D("99.00")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=D("1.00"))
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.all().delete()


def test_a_wallet_balance_cannot_be_saved_directly(lea):
    wallet = Wallet.objects.get(pupil=lea)
    wallet.balance = D("1000.00")
    with pytest.raises(AppendOnlyError):
        wallet.save()


def test_the_database_refuses_raw_updates_of_the_ledger(lea):
    entry = book(lea, kind=EntryKind.CASH, amount=D("10.00"), label="Espèces").entry
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE billing_ledgerentry SET amount = 1 WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM billing_ledgerentry WHERE id = %s", [entry.pk])
