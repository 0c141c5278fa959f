"""The demo provider's journey, cancellation, the payments list and receipts."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core import mail
from django.urls import reverse

from billing.ledger import wallets_out_of_balance
from billing.models import EntryKind, LedgerEntry, Payment, PaymentStatus, Wallet
from billing.online.payments import credit

from .payments_helpers import online_payment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo(settings):
    settings.PAYMENT_PROVIDER = "demo"
    settings.DEMO_PAYMENTS_ENABLED = True


@pytest.fixture
def logged_in(client, parent):
    client.force_login(parent)
    return client


def start(client, pupil, amount="20,00"):
    response = client.post(reverse("billing:accounts"), {"pupil": pupil.pk, "amount": amount, "pay": ""})
    payment = Payment.objects.latest("pk")
    assert response["Location"] == reverse("billing:demo_pay", args=[payment.pk])
    return payment


def test_the_demo_page_is_refused_unless_enabled(logged_in, parent, lea, settings):
    payment = online_payment(parent, {lea: "20.00"}, provider="demo")
    settings.DEMO_PAYMENTS_ENABLED = False
    assert logged_in.post(reverse("billing:demo_pay", args=[payment.pk]), {"validate": ""}).status_code == 404
    response = logged_in.post(reverse("billing:accounts"), {"pupil": lea.pk, "amount": "20", "pay": ""}, follow=True)
    assert "Ce moyen de paiement n&#x27;est pas disponible." in response.content.decode()
    assert not LedgerEntry.objects.exists()


def test_another_parent_cannot_open_or_validate_the_payment(client, other_parent, parent, lea):
    payment = online_payment(parent, {lea: "20.00"}, provider="demo")
    client.force_login(other_parent)
    for name in ("demo_pay", "payment_return", "payment_cancel", "receipt"):
        assert client.get(reverse(f"billing:{name}", args=[payment.pk])).status_code == 404
    assert client.post(reverse("billing:demo_pay", args=[payment.pk]), {"validate": ""}).status_code == 404
    assert not LedgerEntry.objects.exists()


def test_the_demo_page_is_plainly_marked_and_asks_for_no_card(logged_in, lea):
    payment = start(logged_in, lea)
    page = logged_in.get(reverse("billing:demo_pay", args=[payment.pk])).content.decode()
    assert "Démonstration — aucun paiement réel" in page
    assert payment.order_number in page and "20,00\u00a0€" in page
    assert "Restauration d&#x27;Esvres" in page and "Chambray-lès-Tours" in page
    assert "JE VALIDE mon paiement" in page and "J'annule mon paiement" in page
    assert "carte" not in page.split("Paiement sécurisé")[1].lower()


def test_validating_credits_once_and_emails_the_receipt(logged_in, parent, lea, django_capture_on_commit_callbacks):
    payment = start(logged_in, lea)
    url = reverse("billing:demo_pay", args=[payment.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(url, {"validate": ""}, follow=True)
        logged_in.post(url, {"validate": ""})
    page = response.content.decode()
    assert "Paiement accepté" in page and "20,00\u00a0€" in page
    assert Wallet.objects.get(pupil=lea).balance == D("20.00")
    assert LedgerEntry.objects.filter(kind=EntryKind.ONLINE_PAYMENT).count() == 1
    (email,) = mail.outbox
    assert email.to == [parent.email] and payment.order_number in email.subject
    assert "Restauration d'Esvres" in email.body
    assert list(wallets_out_of_balance()) == []


def test_cancelling_credits_nothing(logged_in, lea):
    payment = start(logged_in, lea)
    response = logged_in.post(reverse("billing:demo_pay", args=[payment.pk]), {"cancel": ""}, follow=True)
    assert "Paiement annulé" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELED
    logged_in.post(reverse("billing:demo_pay", args=[payment.pk]), {"validate": ""})  # back button, then validate
    assert not LedgerEntry.objects.exists()


def test_the_payments_list_shows_order_number_status_and_a_printable_receipt(logged_in, lea, hugo):
    paid = start(logged_in, lea)
    logged_in.post(reverse("billing:demo_pay", args=[paid.pk]), {"validate": ""})
    unpaid = start(logged_in, hugo, "25,00")
    page = logged_in.get(reverse("billing:payments")).content.decode()
    assert "N° de commande" in page and paid.order_number in page and unpaid.order_number in page
    assert "Payé" in page and "Créé" in page
    assert logged_in.get(reverse("billing:receipt", args=[unpaid.pk])).status_code == 404
    receipt = logged_in.get(reverse("billing:receipt", args=[paid.pk])).content.decode()
    assert "Restauration d&#x27;Esvres" in receipt and "+20,00" in receipt and "Imprimer" in receipt


def test_the_cancel_page_of_a_paid_payment_says_it_is_paid(logged_in, parent, lea):
    payment = online_payment(parent, {lea: "20.00"}, provider="demo")
    credit(payment)
    response = logged_in.get(reverse("billing:payment_cancel", args=[payment.pk]), follow=True)
    assert "Paiement accepté" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID


def test_an_unknown_provider_is_a_clear_message_and_no_payment(logged_in, lea, settings):
    settings.PAYMENT_PROVIDER = "cheque-en-ligne"
    response = logged_in.post(reverse("billing:accounts"), {"pupil": lea.pk, "amount": "20", "pay": ""}, follow=True)
    assert "Ce moyen de paiement n&#x27;est pas disponible." in response.content.decode()
    assert not Payment.objects.exists()


def test_a_get_on_the_cancel_link_changes_nothing_and_asks_for_confirmation(logged_in, parent, lea):
    payment = online_payment(parent, {lea: "20.00"}, provider="demo")
    url = reverse("billing:payment_cancel", args=[payment.pk])
    before = payment.status
    page = logged_in.get(url).content.decode()
    payment.refresh_from_db()
    assert payment.status == before != PaymentStatus.CANCELED
    assert "Annuler le paiement ?" in page and 'method="post"' in page and "J'annule mon paiement" in page
    response = logged_in.post(url, follow=True)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELED
    assert "Paiement annulé" in response.content.decode() and "Annuler le paiement ?" not in response.content.decode()


def test_another_parent_cannot_cancel_the_payment_by_post(client, other_parent, parent, lea):
    payment = online_payment(parent, {lea: "20.00"}, provider="demo")
    before = payment.status
    client.force_login(other_parent)
    assert client.post(reverse("billing:payment_cancel", args=[payment.pk])).status_code == 404
    payment.refresh_from_db()
    assert payment.status == before != PaymentStatus.CANCELED
