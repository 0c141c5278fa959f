"""The cashier records a cheque split between the demo family's two children; the parent sees each part."""

from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from billing.ledger import wallets_out_of_balance
from billing.models import LedgerEntry
from canteen.models import Pupil

from .test_browser_journey import log_in_as_demo_parent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CASHIER = ("caisse@demo.openself.fr", "demo-caisse-2026")


def log_in_to_the_admin(page, email: str, password: str) -> None:
    page.goto("/admin/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")


def pick_pupil(page, row: int, search: str, name: str) -> None:
    """The admin's search-as-you-type box: type part of the name (or the card number), click the pupil."""
    page.locator(f"#allocations-{row} .select2-selection").click()
    page.locator(".select2-search__field").fill(search)
    page.get_by_role("option", name=name).click()


def test_cashier_splits_a_cheque_between_lea_and_hugo_and_the_parent_sees_both_parts(page):
    call_command("demo_data")
    log_in_to_the_admin(page, *CASHIER)
    page.goto("/admin/billing/deskpayment/add/")
    # The fields a cashier fills: payer, number, bank, amount, then one pupil and one amount per child.
    page.locator("#id_payer_name").fill("Camille Martin")
    page.locator("#id_cheque_number").fill("7654321")
    page.locator("#id_bank").fill("Crédit Agricole")
    page.locator("#id_amount").fill("50.00")
    pick_pupil(page, 0, "Martin", "Léa Martin")
    page.locator("#id_allocations-0-amount").fill("30.00")
    pick_pupil(page, 1, "10002", "Hugo Martin")
    page.locator("#id_allocations-1-amount").fill("20.00")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/billing/deskpayment/")
    expect(page.locator(".messagelist .success")).to_be_visible()
    page.goto("/admin/billing/ledgerentry/?q=7654321")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    assert rows.filter(has_text="Léa Martin").filter(has_text="30,00").count() == 1
    assert rows.filter(has_text="Hugo Martin").filter(has_text="20,00").count() == 1
    assert LedgerEntry.objects.filter(label="Chèque n° 7654321").count() == 2
    assert list(wallets_out_of_balance()) == []

    page.context.clear_cookies()
    log_in_as_demo_parent(page)
    lea_card = page.locator("section", has=page.get_by_role("heading", name="Léa Martin"))
    hugo_card = page.locator("section", has=page.get_by_role("heading", name="Hugo Martin"))
    assert "48,40" in lea_card.inner_text()  # 18,40 € of demo history + 30,00 €
    assert "20,00" in hugo_card.inner_text()
    for first_name, amount in [("Léa", "+30,00"), ("Hugo", "+20,00")]:
        pupil = Pupil.objects.get(first_name=first_name, last_name="Martin")
        page.goto(reverse("billing:history", args=[pupil.pk]))
        row = page.locator("tbody tr", has_text="Chèque n° 7654321")
        assert row.count() == 1 and amount in row.inner_text()


def type_desk_payment(page, cheque: str, amount: str) -> None:
    """The cashier types (key by key, as on a keyboard) a cheque for Léa of ``amount``."""
    page.goto("/admin/billing/deskpayment/add/")
    page.locator("#id_payer_name").press_sequentially("Camille Martin")
    page.locator("#id_cheque_number").press_sequentially(cheque)
    page.locator("#id_bank").press_sequentially("Crédit Agricole")
    page.locator("#id_amount").press_sequentially(amount)
    pick_pupil(page, 0, "Martin", "Léa Martin")
    page.locator("#id_allocations-0-amount").press_sequentially(amount)
    page.locator("input[name=_save]").click()


@pytest.mark.parametrize("typed", ["12,50", "12.50"])
def test_cashier_types_an_amount_with_a_comma_or_a_point_and_exactly_that_is_recorded(page, typed):
    call_command("demo_data")
    log_in_to_the_admin(page, *CASHIER)
    lea = Pupil.objects.get(first_name="Léa", last_name="Martin")
    before = lea.wallet.balance
    type_desk_payment(page, "1111111", typed)
    page.wait_for_url("**/admin/billing/deskpayment/")
    expect(page.locator(".messagelist .success")).to_be_visible()
    entry = LedgerEntry.objects.get(label="Chèque n° 1111111")
    assert entry.amount == D("12.50")
    lea.wallet.refresh_from_db()
    assert lea.wallet.balance == before + D("12.50")
    assert list(wallets_out_of_balance()) == []


def test_cashier_typing_an_exponent_is_refused_and_nothing_is_recorded(page):
    call_command("demo_data")
    log_in_to_the_admin(page, *CASHIER)
    type_desk_payment(page, "2222222", "1e3")
    expect(page.locator(".errorlist").first).to_contain_text("sans exposant")
    assert page.locator("#id_amount").get_attribute("type") == "text"
    assert page.locator("#id_amount").get_attribute("inputmode") == "decimal"
    assert not LedgerEntry.objects.filter(label="Chèque n° 2222222").exists()


def test_cashier_confirms_a_large_amount_read_in_words(page):
    call_command("demo_data")
    log_in_to_the_admin(page, *CASHIER)
    type_desk_payment(page, "3333333", "1250")
    expect(page.locator("#amount-confirmation")).to_contain_text("mille deux cent cinquante euros")
    assert not LedgerEntry.objects.filter(label="Chèque n° 3333333").exists()
    page.locator("#id_confirm_amount").check()
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/billing/deskpayment/")
    assert LedgerEntry.objects.get(label="Chèque n° 3333333").amount == D("1250.00")
