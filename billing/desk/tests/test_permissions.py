"""Only the "Caisse" group records money; "Administration" reads; parents never reach the admin."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from billing.desk.models import DirectDebitMandate
from billing.ledger import book
from billing.models import EntryKind, LedgerEntry, Payment

from .helpers import ADD_URL, assert_ledger_balanced, desk_payment_data

pytestmark = pytest.mark.django_db

READ_PAGES = [
    "admin:billing_deskpayment_changelist",
    "admin:billing_journal",
    "admin:billing_negative_balances",
    "admin:billing_correction_changelist",
    "admin:billing_depositslip_changelist",
    "admin:billing_directdebitmandate_changelist",
    "admin:billing_directdebit_changelist",
]
RECORD_PAGES = [
    "admin:billing_deskpayment_add",
    "admin:billing_correction_add",
    "admin:billing_close_balance",
    "admin:billing_directdebitmandate_add",
]


@pytest.fixture
def paid(lea, cashier, client) -> Payment:
    client.force_login(cashier)
    client.post(ADD_URL, desk_payment_data((lea, "50.00")))
    client.logout()
    return Payment.objects.get()


@pytest.mark.parametrize("name", READ_PAGES + RECORD_PAGES)
def test_parents_never_reach_the_cash_desk(client, parent, name):
    client.force_login(parent)
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_parents_cannot_post_a_payment(client, parent, lea):
    client.force_login(parent)
    response = client.post(ADD_URL, desk_payment_data((lea, "50.00")))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("name", RECORD_PAGES)
def test_administration_cannot_open_the_recording_pages(client, administrator, name):
    client.force_login(administrator)
    assert client.get(reverse(name)).status_code == 403


def test_administration_cannot_record_a_payment(client, administrator, lea):
    client.force_login(administrator)
    assert client.post(ADD_URL, desk_payment_data((lea, "50.00"))).status_code == 403
    assert Payment.objects.count() == 0 and LedgerEntry.objects.count() == 0


def test_administration_cannot_record_a_correction(client, administrator, lea):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:billing_correction_add"),
        {"wallet": lea.wallet.pk, "amount": "10.00", "note": "x", "token": "0" * 32},
    )
    assert response.status_code == 403
    assert LedgerEntry.objects.count() == 0


def test_administration_cannot_cancel_a_payment(client, administrator, paid):
    client.force_login(administrator)
    url = reverse("admin:billing_deskpayment_cancel", args=[paid.pk])
    assert client.post(url, {"reason": "x"}).status_code == 403
    assert LedgerEntry.objects.count() == 1
    assert_ledger_balanced()


def test_administration_cannot_run_the_cashier_actions(client, administrator, paid, lea):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:billing_deskpayment_changelist"), {"action": "make_deposit_slip", "_selected_action": [paid.pk]}
    )
    assert not paid.offline.__class__.objects.filter(deposit_slip__isnull=False).exists()
    assert response.status_code == 200  # the action is not offered: the list is shown again


@pytest.mark.parametrize("name", READ_PAGES)
def test_administration_reads_the_cash_desk(client, administrator, paid, name):
    client.force_login(administrator)
    assert client.get(reverse(name)).status_code == 200


def test_administration_sees_a_payment_without_any_way_to_change_it(client, administrator, paid):
    client.force_login(administrator)
    page = client.get(reverse("admin:billing_deskpayment_change", args=[paid.pk]))
    assert page.status_code == 200
    assert "Annuler ce paiement" not in page.content.decode()


@pytest.mark.parametrize("name", READ_PAGES + RECORD_PAGES)
def test_the_cashier_reaches_every_page(client, cashier, name):
    client.force_login(cashier)
    assert client.get(reverse(name)).status_code == 200


def test_the_cashier_cannot_edit_or_delete_ledger_entries(client, cashier, lea):
    entry = book(lea, kind=EntryKind.CASH, amount=D("10.00"), label="Espèces").entry
    client.force_login(cashier)
    assert (
        client.post(reverse("admin:billing_ledgerentry_change", args=[entry.pk]), {"amount": "99.00"}).status_code
        == 403
    )
    assert client.post(reverse("admin:billing_ledgerentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert LedgerEntry.objects.get().amount == D("10.00")


def test_administration_cannot_add_a_mandate(client, administrator, parent):
    client.force_login(administrator)
    response = client.post(reverse("admin:billing_directdebitmandate_add"), {"user": parent.pk})
    assert response.status_code == 403
    assert DirectDebitMandate.objects.count() == 0
