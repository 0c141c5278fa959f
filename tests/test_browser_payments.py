"""Crediting in a real browser: the demo provider, a cancellation, a split payment, and Stripe Checkout
end to end against a local fake of it."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import User
from billing.ledger import wallets_out_of_balance
from billing.models import EntryKind, LedgerEntry, Payment, PaymentStatus, Wallet
from portal.management.commands.demo_data import PARENT_EMAIL

from .stripe_fake import StripeCheckoutFake
from .test_browser_journey import log_in_as_demo_parent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WEBHOOK_SECRET = "whsec_browser_test"


@pytest.fixture
def demo_parent(settings):
    settings.PAYMENT_PROVIDER = "demo"
    settings.DEMO_PAYMENTS_ENABLED = True
    call_command("demo_data")
    return User.objects.get(email=PARENT_EMAIL)


def balance_of(first_name: str) -> D:
    return Wallet.objects.get(pupil__first_name=first_name, pupil__last_name="Martin").balance


def credit_hugo(page, amount: str):
    log_in_as_demo_parent(page)
    page.get_by_role("link", name="Comptes", exact=True).click()
    hugo = page.locator("section", has=page.get_by_role("heading", name="Hugo Martin"))
    hugo.get_by_label("Montant à créditer").fill(amount)
    expect(hugo.locator(".to-pay")).to_have_text("20,00\u00a0€")  # waits for the page's script to add it up
    hugo.get_by_role("button", name="PROCÉDER AU PAIEMENT").click()


def test_a_cancelled_payment_credits_nothing(page, demo_parent):
    credit_hugo(page, "20")
    page.get_by_role("button", name="J'annule mon paiement").click()
    expect(page.get_by_text("Paiement annulé")).to_be_visible()
    assert balance_of("Hugo") == D("0.00")
    assert not LedgerEntry.objects.filter(wallet__pupil__first_name="Hugo").exists()
    assert not LedgerEntry.objects.filter(kind=EntryKind.ONLINE_PAYMENT, payment__isnull=False).exists()


def test_the_demo_parent_credits_hugo_twenty_euros(page, demo_parent):
    credit_hugo(page, "20")
    expect(page.get_by_text("Démonstration — aucun paiement réel")).to_be_visible()
    page.get_by_role("button", name="JE VALIDE mon paiement").click()
    expect(page.get_by_text("Paiement accepté")).to_be_visible()
    page.get_by_role("link", name="Situation de mes comptes").click()
    hugo = page.locator("section", has=page.get_by_role("heading", name="Hugo Martin"))
    assert "Solde 20,00\u00a0€" in hugo.inner_text()
    page.goto("/paiements/")
    page.get_by_role("link", name="Reçu n°").click()
    assert "+20,00" in page.locator("main").inner_text()
    hugo_pupil = Wallet.objects.get(pupil__first_name="Hugo").pupil
    page.goto(reverse("billing:history", args=[hugo_pupil.pk]))
    row = page.locator("tbody tr", has_text="Paiement en ligne")
    assert row.count() == 1 and "+20,00" in row.inner_text()
    assert list(wallets_out_of_balance()) == []


def test_one_payment_for_two_children(page, demo_parent):
    log_in_as_demo_parent(page)
    page.get_by_role("link", name="Comptes", exact=True).click()
    page.get_by_role("link", name="Créditer plusieurs enfants en un seul paiement").click()
    page.get_by_label("Montant à créditer pour Léa").fill("35")
    page.get_by_label("Montant à créditer pour Hugo").fill("20,50")
    expect(page.locator(".to-pay")).to_have_text("55,50\u00a0€")
    page.get_by_role("button", name="PROCÉDER AU PAIEMENT").click()
    page.get_by_role("button", name="JE VALIDE mon paiement").click()
    expect(page.get_by_text("Paiement accepté")).to_be_visible()
    assert (balance_of("Léa"), balance_of("Hugo")) == (D("18.40") + D("35.00"), D("20.50"))
    assert Payment.objects.exclude(method="direct_debit").get().allocations.count() == 2
    assert (
        LedgerEntry.objects.filter(
            kind=EntryKind.ONLINE_PAYMENT, payment=Payment.objects.exclude(method="direct_debit").get()
        ).count()
        == 2
    )


def test_stripe_checkout_end_to_end_credits_once(page, live_server, settings):
    call_command("demo_data")
    with StripeCheckoutFake(f"{live_server.url}/billing/stripe/webhook/", WEBHOOK_SECRET) as fake:
        settings.PAYMENT_PROVIDER = "stripe"
        settings.STRIPE_SECRET_KEY = "sk_test_browser"
        settings.STRIPE_API_BASE = fake.url
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.SITE_URL = live_server.url  # Stripe sends the parent back to the portal's public address
        credit_hugo(page, "20")
        page.wait_for_url(f"{fake.url}/pay/*")
        page.get_by_role("button", name="Payer").click()
        page.wait_for_url("**/retour/?session_id=cs_test_fake*")
        expect(page.get_by_text("Paiement accepté")).to_be_visible()
    assert [status for _kind, status in fake.deliveries] == [200] * 4
    payment = Payment.objects.exclude(method="direct_debit").get()
    assert (payment.provider, payment.status) == ("stripe", PaymentStatus.PAID)
    assert LedgerEntry.objects.filter(kind=EntryKind.ONLINE_PAYMENT, payment=payment).count() == 1
    assert balance_of("Hugo") == D("20.00")
