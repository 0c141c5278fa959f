"""The cash desk shows its paths to a cashier who has never used it: from the deposit slips to the cheques to
deposit, a mandate form that knows the school and shows the field of the mode chosen, a month's preparation
that says why nothing was prepared, and email previews with an index."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import expect

from accounts.models import User
from billing.desk.models import DepositSlip, DirectDebitMandate, MandateStatus
from billing.desk.tests.helpers import ADD_URL, desk_payment_data
from canteen.models import Establishment, Pupil
from portal.management.commands.demo_data import PARENT_EMAIL, SCHOOL_CODE

from .test_browser_cashier import CASHIER, log_in_to_the_admin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def laptop(browser, live_server):
    context = browser.new_context(locale="fr-FR", base_url=live_server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_from_the_deposit_slips_to_a_slip_made_of_the_cheques_to_deposit(laptop):
    call_command("demo_data")
    desk = Client()
    desk.force_login(User.objects.get(email=CASHIER[0]))
    lea = Pupil.objects.get(first_name="Léa")
    assert desk.post(ADD_URL, desk_payment_data((lea, "30.00"), amount="30.00", number="7654321")).status_code == 302
    log_in_to_the_admin(laptop, *CASHIER)
    laptop.goto("/admin/billing/depositslip/")
    expect(laptop.get_by_text("Pour faire un bordereau")).to_be_visible()
    laptop.get_by_role("link", name="1 chèque à remettre").click()
    laptop.wait_for_url("**/admin/billing/deskpayment/?remise=a-remettre")
    expect(laptop.get_by_text("Cochez les chèques que vous portez à la banque")).to_be_visible()
    laptop.locator("#result_list tbody input[type=checkbox]").first.check()
    laptop.locator("select[name=action]").select_option("make_deposit_slip")
    laptop.get_by_role("button", name="Envoyer").click()
    laptop.wait_for_url("**/admin/billing/depositslip/*/imprimer/")
    assert DepositSlip.objects.count() == 1


def end_the_demo_mandates() -> None:
    """The demo gives Camille a live mandate (one a family and establishment): these tests start without one."""
    DirectDebitMandate.objects.update(status=MandateStatus.ENDED)


def test_the_mandate_form_knows_the_school_and_shows_the_field_of_the_mode(laptop):
    call_command("demo_data")
    end_the_demo_mandates()
    school = Establishment.objects.get(code=SCHOOL_CODE)
    log_in_to_the_admin(laptop, *CASHIER)
    laptop.goto("/admin/billing/directdebitmandate/add/")
    expect(laptop.locator("#id_establishment")).to_have_value(str(school.pk))
    amount, meals = laptop.locator(".form-row.field-monthly_amount"), laptop.locator(".form-row.field-meals")
    expect(amount).to_be_visible()
    expect(meals).to_be_hidden()
    laptop.locator("#id_mode").select_option("top_up")
    expect(amount).to_be_hidden()
    expect(meals).to_be_visible()
    # The parent, by the search-as-you-type box; then the mandate itself.
    laptop.locator(".field-user .select2-selection").click()
    laptop.locator(".select2-search__field").fill("martin")
    laptop.get_by_role("option", name=PARENT_EMAIL).first.click()
    laptop.locator("#id_reference").fill("OS-2026-0042")
    laptop.locator("#id_iban").fill("FR76 3000 6000 0112 3456 7890 189")
    laptop.locator("#id_holder_name").fill("Camille Martin")
    laptop.locator("#id_holder_address").fill("1 rue des Écoles, 37320 Esvres")
    laptop.locator("#id_signed_on").fill("01/12/2026")
    laptop.locator("#id_meals").fill("8")
    laptop.locator("input[name=_save]").click()
    laptop.wait_for_url("**/admin/billing/directdebitmandate/")
    saved = DirectDebitMandate.objects.get(reference="OS-2026-0042")
    assert (saved.establishment, saved.mode, saved.meals, saved.monthly_amount) == (school, "top_up", 8, None)


def test_preparing_the_month_says_why_nothing_was_prepared(laptop):
    call_command("demo_data")
    end_the_demo_mandates()
    log_in_to_the_admin(laptop, *CASHIER)
    laptop.goto("/admin/billing/directdebit/")
    laptop.get_by_role("link", name="Préparer les prélèvements du mois").click()
    laptop.get_by_role("button", name="Préparer").click()
    message = laptop.locator(".messagelist li").first
    expect(message).to_contain_text("Aucun prélèvement préparé pour")
    expect(message).to_contain_text("Aucun mandat de prélèvement actif")
    expect(message).not_to_contain_text("(s)")


def test_the_email_previews_open_on_an_index(laptop):
    call_command("demo_data")
    log_in_to_the_admin(laptop, *CASHIER)
    laptop.goto("/admin/")
    laptop.get_by_role("link", name="Aperçu des e-mails envoyés aux familles et aux établissements").click()
    index = laptop.get_by_role("navigation", name="Sommaire")
    expect(index).to_be_in_viewport()
    index.get_by_role("link", name="Demandes en attente (à l'établissement, chaque matin)").click()
    expect(laptop.locator("#account-requests-digest h2")).to_be_in_viewport()
    laptop.locator("#account-requests-digest").get_by_role("link", name="Retour au sommaire").click()
    expect(index).to_be_in_viewport()
