"""On a 320 px phone: the notice "Données personnelles" is one tap away on every page; a parent who deletes their
account can no longer log in, and the other guardian of their child keeps access."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import User
from canteen.models import Guardianship, Pupil
from portal.management.commands.demo_data import PARENT_EMAIL, PARENT_PASSWORD, SCHOOL_CODE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OTHER_GUARDIAN = ("dominique.martin@example.com", "un-autre-mot-de-passe-2026")


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        locale="fr-FR",
        base_url=live_server.url,
        viewport={"width": 320, "height": 640},
        has_touch=True,
        is_mobile=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page, email: str, password: str) -> None:
    page.goto(f"/e/{SCHOOL_CODE}/")
    page.get_by_label("Identifiant").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="CONNEXION").click()


def tap_the_notice(page, url: str) -> None:
    page.goto(url)
    link = page.locator("footer").get_by_role("link", name="Données personnelles")
    link.scroll_into_view_if_needed()
    link.tap()  # Playwright taps only what a finger could: visible, not covered by the bottom bar
    expect(page.get_by_role("heading", name="Données personnelles")).to_be_visible()
    expect(page.get_by_text("Responsable du traitement")).to_be_visible()


def test_the_notice_is_one_tap_away_on_every_page_at_320_px(phone):
    call_command("demo_data")
    lea = Pupil.objects.get(first_name="Léa", last_name="Martin")
    for url in [
        "/",
        f"/e/{SCHOOL_CODE}/",
        reverse("accounts:request", args=[SCHOOL_CODE]),
        reverse("portal:public_contact", args=[SCHOOL_CODE]),
        reverse("portal:password_reset"),
        reverse("portal:legal_of", args=[SCHOOL_CODE]),
    ]:
        tap_the_notice(phone, url)
    log_in(phone, PARENT_EMAIL, PARENT_PASSWORD)
    phone.wait_for_url("**/accueil/")
    for url in [
        reverse("portal:home"),
        reverse("billing:accounts"),
        reverse("billing:history", args=[lea.pk]),
        reverse("billing:payments"),
        reverse("portal:messages"),
        reverse("portal:notifications"),
        reverse("portal:profile"),
        reverse("portal:other_payments"),
        reverse("portal:delete_account"),
    ]:
        tap_the_notice(phone, url)
    # The request form links it too, beside the terms.
    phone.goto(reverse("accounts:request", args=[SCHOOL_CODE]))
    expect(phone.get_by_role("link", name="Données personnelles : ce que nous en faisons")).to_be_visible()


def test_a_parent_who_leaves_cannot_log_in_and_the_other_guardian_keeps_access(phone):
    call_command("demo_data")
    lea = Pupil.objects.get(first_name="Léa", last_name="Martin")
    other = User.objects.create_user(OTHER_GUARDIAN[0], OTHER_GUARDIAN[1])
    Guardianship.objects.create(user=other, pupil=lea)

    log_in(phone, PARENT_EMAIL, PARENT_PASSWORD)
    phone.wait_for_url("**/accueil/")
    phone.goto(reverse("portal:profile"))
    phone.get_by_role("link", name="Supprimer mon compte").click()
    expect(phone.get_by_text("le solde reste sur son compte, pour l'autre responsable qui le suit.")).to_be_visible()
    phone.get_by_label("Mot de passe actuel").fill("pas-le-bon")
    phone.get_by_role("button", name="SUPPRIMER MON COMPTE").click()
    expect(phone.get_by_text("Le mot de passe est incorrect.")).to_be_visible()
    phone.get_by_label("Mot de passe actuel").fill(PARENT_PASSWORD)
    phone.get_by_role("button", name="SUPPRIMER MON COMPTE").click()
    expect(phone.get_by_text("Votre compte est supprimé.")).to_be_visible()

    log_in(phone, PARENT_EMAIL, PARENT_PASSWORD)
    expect(phone.get_by_text("Identifiant ou mot de passe incorrect.")).to_be_visible()

    log_in(phone, *OTHER_GUARDIAN)
    phone.wait_for_url("**/accueil/")
    expect(phone.get_by_text("Léa").first).to_be_visible()
    phone.goto(reverse("portal:notifications"))
    expect(phone.get_by_text("Un autre responsable de Léa a supprimé son compte")).to_be_visible()
