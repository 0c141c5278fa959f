"""The family's pages on a 320 px phone and the cash desk's lists on a 1280 px laptop, as a newcomer reads them:
"Nous contacter" on a child's card writes about that child, a child whose balance covers no meal gets a call
to credit, the history reads one line per operation, no word is cut in two, and the header names the school
in full."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import expect

from accounts.models import AccountRequest, User
from billing.desk.tests.helpers import ADD_URL, desk_payment_data
from canteen.models import Establishment, Pupil
from portal.family.models import Notification, NotificationKind
from portal.management.commands.demo_data import PARENT_EMAIL, PARENT_PASSWORD, SCHOOL_CODE

from .test_browser_cashier import CASHIER, log_in_to_the_admin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The words of an element whose letters sit on more than one line: a word cut in two ("l'établisseme/nt").
CUT_WORDS = """(element) => {
  const cut = [];
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, words = /\\S+/g;
    let match;
    while ((match = words.exec(node.data))) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (lines.size > 1) cut.push(match[0]);
    }
  }
  return cut;
}"""


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(locale="fr-FR", base_url=live_server.url, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def laptop(browser, live_server):
    context = browser.new_context(locale="fr-FR", base_url=live_server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page) -> None:
    page.goto(f"/e/{SCHOOL_CODE}/")
    page.get_by_label("Identifiant").fill(PARENT_EMAIL)
    page.get_by_label("Mot de passe").fill(PARENT_PASSWORD)
    page.get_by_role("button", name="CONNEXION").click()
    page.wait_for_url("**/accueil/")


def test_contact_from_a_child_s_card_chooses_that_child(phone):
    call_command("demo_data")
    log_in(phone)
    for name in ("Léa", "Hugo"):
        phone.goto("/accueil/")
        phone.get_by_role("link", name=f"Nous contacter — {name}").click()
        phone.wait_for_url("**/messages/?enfant=*")
        expect(phone.get_by_label("Enfant concerné")).to_have_value(str(Pupil.objects.get(first_name=name).pk))
        expect(phone.get_by_role("heading", name="Nous contacter")).to_be_in_viewport()


def test_a_child_whose_balance_covers_no_meal_is_called_to_be_credited(phone):
    call_command("demo_data")  # Hugo has no operation yet: 0,00 €
    log_in(phone)
    hugo = phone.get_by_role("region", name="Hugo Martin")
    expect(hugo.get_by_text("Soit : 0 repas")).to_be_visible()
    expect(hugo.get_by_text("Le solde ne couvre aucun repas")).to_be_visible()
    lea = phone.get_by_role("region", name="Léa Martin")  # 18,40 €: five meals, no call
    expect(lea.get_by_text("Le solde ne couvre aucun repas")).to_have_count(0)
    hugo.get_by_role("link", name="Créditer le compte — Hugo").click()
    phone.wait_for_url("**/comptes/#child-*")
    expect(phone.get_by_role("heading", name="Hugo Martin")).to_be_visible()


def test_the_history_reads_one_line_per_operation_on_a_320_px_phone(phone):
    call_command("demo_data")
    log_in(phone)
    phone.get_by_role("link", name="Historique des opérations — Léa").click()
    phone.wait_for_url("**/historique/")
    rows = phone.locator("table.history-table tbody tr")
    assert rows.count() > 10
    for index in range(rows.count()):
        cells = [cell.bounding_box() for cell in rows.nth(index).locator("td").all()]
        assert len(cells) == 3
        # Date, detail and amount side by side, on the row's one line, inside the screen.
        assert len({round(cell["y"]) for cell in cells}) == 1, rows.nth(index).inner_text()
        assert cells[0]["x"] < cells[1]["x"] < cells[2]["x"]
        assert cells[2]["x"] + cells[2]["width"] <= 320
    meal = rows.filter(has_text="Self").first
    line = float(meal.evaluate("row => parseFloat(getComputedStyle(row).lineHeight)"))
    assert meal.bounding_box()["height"] < 2 * line + 16  # one line of text and the cell's padding
    assert phone.evaluate("document.documentElement.scrollWidth") <= 320


def test_notifications_keep_their_words_whole_and_the_header_names_the_school_at_320_px(phone):
    call_command("demo_data")
    parent = User.objects.get(email=PARENT_EMAIL)
    Notification.objects.create(
        user=parent,
        kind=NotificationKind.OFFLINE_PAYMENT,
        params={"method": "cheque", "amount": "50.00", "pupils": "Léa, Hugo"},
    )
    log_in(phone)
    brand = phone.locator(".portal-header .navbar-brand")
    expect(brand).to_have_text("École élémentaire d'Esvres")
    assert brand.evaluate("b => b.scrollWidth <= b.clientWidth && b.querySelector('span').scrollWidth <= b.clientWidth")
    phone.goto("/notifications/")
    text = phone.locator(".notifications li").first
    expect(text).to_contain_text("l'établissement")
    assert text.evaluate(CUT_WORDS) == []


def test_the_cash_desk_lists_keep_dates_banks_and_emails_whole_at_1280_px(laptop):
    call_command("demo_data")
    school = Establishment.objects.get(code=SCHOOL_CODE)
    lea, hugo = Pupil.objects.get(first_name="Léa"), Pupil.objects.get(first_name="Hugo")
    desk = Client()
    desk.force_login(User.objects.get(email=CASHIER[0]))
    for number in ("7654321", "7654322"):
        data = desk_payment_data((lea, "30.00"), (hugo, "20.00"), number=number, received_on="2026-12-05")
        assert desk.post(ADD_URL, data).status_code == 302
    email = "camille.martin.dupont.famille@example.com"
    AccountRequest.objects.create(
        establishment=school, last_name="Martin", first_name="Chloé", email=email, terms_accepted=True
    )
    log_in_to_the_admin(laptop, *CASHIER)
    for url in ("/admin/billing/deskpayment/", "/admin/billing/deskpayment/?remise=a-remettre"):
        laptop.goto(url)
        table = laptop.locator("#result_list")
        expect(table).to_contain_text("Crédit Agricole")
        assert table.evaluate(CUT_WORDS) == [], url

    laptop.context.clear_cookies()
    log_in_to_the_admin(laptop, "ecole@demo.openself.fr", "demo-ecole-2026")
    laptop.goto("/admin/accounts/accountrequest/")
    cell = laptop.locator("#result_list td", has_text=email)
    assert cell.evaluate(CUT_WORDS) == []
