"""The parent writes to the school, staff answer in the admin, the parent reads the answer: unread 1 → 0."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from portal.family.models import MessageThread

from .test_browser_cashier import log_in_to_the_admin
from .test_browser_journey import log_in_as_demo_parent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCHOOL_STAFF = ("ecole@demo.openself.fr", "demo-ecole-2026")


def test_parent_asks_staff_answer_and_the_parent_reads_the_answer(page):
    call_command("demo_data")
    log_in_as_demo_parent(page)
    expect(page.locator(".unread-count")).to_have_count(0)
    page.get_by_role("link", name="Messages").click()
    page.get_by_label("Objet").select_option(label="Question")
    page.get_by_label("Enfant concerné").select_option(label="Hugo Martin — École élémentaire d'Esvres")
    page.get_by_label("Message").fill("Hugo peut-il manger sans porc le jeudi ?")
    page.get_by_role("button", name="ENVOYER").click()
    expect(page.get_by_text("Votre message a été envoyé à votre établissement scolaire.")).to_be_visible()
    expect(page.get_by_text("L'établissement n'a pas encore répondu.")).to_be_visible()
    thread = MessageThread.objects.get()
    assert thread.awaiting_answer and thread.pupil.first_name == "Hugo"

    page.context.clear_cookies()
    log_in_to_the_admin(page, *SCHOOL_STAFF)
    page.get_by_role("link", name="1 message en attente de réponse").click()
    page.locator("#result_list").get_by_role("link", name="Question").click()
    expect(page.get_by_text("Hugo peut-il manger sans porc le jeudi ?")).to_be_visible()
    page.get_by_label("Votre réponse").fill("Oui, un plat de substitution est servi chaque jour.")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success").first).to_be_visible()
    page.goto("/admin/")
    expect(page.get_by_text("Aucun message en attente de réponse.")).to_be_visible()

    page.context.clear_cookies()
    log_in_as_demo_parent(page)
    badge = page.locator(".portal-nav .unread-count")
    expect(badge).to_have_text("1 non lue")
    assert page.title().startswith("(1) ")
    page.get_by_role("link", name="Notifications").click()
    page.get_by_role("link", name="École élémentaire d'Esvres a répondu à votre message « Question ».").click()
    expect(page.get_by_text("Oui, un plat de substitution est servi chaque jour.")).to_be_visible()
    expect(page.get_by_text("Réponse de l'École élémentaire d'Esvres")).to_be_visible()
    expect(page.locator(".portal-nav .unread-count")).to_have_count(0)
    assert not page.title().startswith("(")
