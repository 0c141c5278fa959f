"""A family's way in, in a real browser: request, school validation, password, home page."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.decisions import approve
from accounts.models import AccountRequest, User
from canteen.models import Pupil
from portal.management.commands.demo_data import SCHOOL_CODE, STAFF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARENT_EMAIL = "famille.lefevre@example.com"
NEW_PASSWORD = "les-frites-du-vendredi-26"


def test_a_request_validated_in_the_admin_gives_the_parent_a_login_to_the_child(page):
    call_command("demo_data")

    # The parent asks for an account, typing the child's name without its accent.
    page.goto(f"/e/{SCHOOL_CODE}/")
    page.get_by_role("link", name="CRÉER UN COMPTE").click()
    expect(page.get_by_text("N° de la carte Self ou identifiant biométrie (5 derniers chiffres)")).to_be_visible()
    page.locator("#id_card_digits").fill("10009")
    page.locator("#id_last_name").fill("LEFEVRE")
    page.locator("#id_first_name").fill("manon")
    page.locator("#id_email").fill(PARENT_EMAIL)
    page.locator("#id_email_again").fill(PARENT_EMAIL)
    page.get_by_label("J'accepte les conditions d'utilisation").check()
    page.get_by_role("button", name="ENVOYER").click()
    expect(page.get_by_text("dans un délai de 48h")).to_be_visible()
    # The school validates it in the admin: two clicks from the list.
    staff_email, staff_password, _group = STAFF[0]
    page.goto("/admin/accounts/accountrequest/")
    page.locator("#id_username").fill(staff_email)
    page.locator("#id_password").fill(staff_password)
    page.locator("input[type=submit]").click()
    page.get_by_role("link", name="Valider", exact=True).click()  # click 1
    page.get_by_role("button", name="Confirmer : rattacher Manon Lefèvre").click()  # click 2
    expect(page.get_by_text("Demande validée")).to_be_visible()
    # The parent opens the emailed link in a browser of their own and chooses a password.
    page.context.clear_cookies()
    [email] = [m for m in mail.outbox if PARENT_EMAIL in m.to and "/compte/activer/" in m.body]
    link = re.search(r"https?://\S+/compte/activer/\S+/", email.body).group(0)
    page.goto(link[link.index("/compte/") :])
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="ENREGISTRER").click()
    page.wait_for_url("**/accueil/")
    expect(page.get_by_role("heading", name="Manon Lefèvre")).to_be_visible()


def ask(page, card: str, last_name: str, first_name: str, email: str | None = None) -> None:
    """Fill "DEMANDE DE CRÉATION DE COMPTE" (the email only when not already filled in) and send it."""
    page.locator("#id_card_digits").fill(card)
    page.locator("#id_last_name").fill(last_name)
    page.locator("#id_first_name").fill(first_name)
    if email is not None:
        page.locator("#id_email").fill(email)
        page.locator("#id_email_again").fill(email)
    page.get_by_label("J'accepte les conditions d'utilisation").check()
    page.get_by_role("button", name="ENVOYER").click()
    expect(page.get_by_text("dans un délai de 48h")).to_be_visible()


def test_two_children_one_activation_and_the_second_link_says_the_password_is_set(page):
    call_command("demo_data")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/e/{SCHOOL_CODE}/demande/")
    ask(page, "10009", "Lefèvre", "Manon", PARENT_EMAIL)
    expect(page.get_by_text(f"Un accusé de réception vient d'être envoyé à {PARENT_EMAIL}")).to_be_visible()
    # "Demander pour un autre enfant": the email is kept, typed once for both children.
    page.get_by_role("link", name="Demander pour un autre enfant").click()
    expect(page.locator("#id_email")).to_have_value(PARENT_EMAIL)
    expect(page.locator("#id_email_again")).to_have_value(PARENT_EMAIL)
    expect(page.locator("#id_last_name")).to_have_value("Lefèvre")
    ask(page, "10010", "Moreau", "Raphaël")
    received = [m.subject for m in mail.outbox if m.to == [PARENT_EMAIL]]
    assert received == ["Demande de compte reçue pour Manon", "Demande de compte reçue pour Raphaël"]

    # The school validates both before the parent chose a password.
    staff_email, staff_password, _group = STAFF[0]
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/admin/accounts/accountrequest/")
    page.locator("#id_username").fill(staff_email)
    page.locator("#id_password").fill(staff_password)
    page.locator("input[type=submit]").click()
    for _request in range(2):  # both requests, newest first
        page.goto("/admin/accounts/accountrequest/?status__exact=pending")
        page.get_by_role("link", name="Valider", exact=True).first.click()
        confirm = page.get_by_role("button", name=re.compile("^Confirmer : rattacher "))
        expect(confirm).to_be_visible()
        confirm.click()
        expect(page.get_by_text("Demande validée")).to_be_visible()
    decided = [m for m in mail.outbox if m.to == [PARENT_EMAIL] and "Demande de compte reçue" not in m.subject]
    # One activation, naming the child; the other child's email says it was added, not "créez votre mot de passe".
    activation, added = decided
    assert "Créez votre mot de passe pour suivre le compte de" in activation.subject
    assert "a été ajouté à votre espace" in added.subject and "mot de passe" not in added.subject

    # The parent chooses a password from the first email, then opens the second one's link.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 320, "height": 700})
    first_link = re.search(r"https?://\S+(/compte/activer/\S+/)", activation.body).group(1)
    page.goto(first_link)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="ENREGISTRER").click()
    page.wait_for_url("**/accueil/")
    expect(page.get_by_role("heading", name="Manon Lefèvre")).to_be_visible()
    expect(page.get_by_role("heading", name="Raphaël Moreau")).to_be_visible()
    page.context.clear_cookies()
    second_link = re.search(r"https?://\S+(/compte/activer/\S+/)", added.body).group(1)
    page.goto(second_link)
    expect(page.get_by_role("heading", name="Votre mot de passe est déjà créé")).to_be_visible()
    expect(page.get_by_text("Lien expiré ou déjà utilisé")).to_have_count(0)
    page.get_by_role("link", name="Se connecter").click()
    page.locator("#id_username").fill(PARENT_EMAIL)
    page.locator("#id_password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="CONNEXION").click()
    page.wait_for_url("**/accueil/")


def test_an_expired_link_really_sends_a_new_one(page, settings):
    call_command("demo_data")
    page.goto(f"/e/{SCHOOL_CODE}/demande/")
    ask(page, "10009", "Lefèvre", "Manon", PARENT_EMAIL)
    approve(
        AccountRequest.objects.get(email=PARENT_EMAIL),
        Pupil.objects.get(card_number="10009"),
        by=User.objects.get(email=STAFF[0][0]),
    )
    [activation] = [m for m in mail.outbox if "/compte/activer/" in m.body]
    settings.PASSWORD_RESET_TIMEOUT = -1  # every link is now expired
    link = re.search(r"https?://\S+(/compte/activer/\S+/)", activation.body).group(1)
    page.goto(link)
    expect(page.get_by_role("heading", name="Lien expiré ou déjà utilisé")).to_be_visible()
    page.get_by_role("button", name="Recevoir un nouveau lien").click()
    expect(page.get_by_role("heading", name="Nouveau lien envoyé")).to_be_visible()
    sent = [m for m in mail.outbox if "/compte/activer/" in m.body]
    assert len(sent) == 2 and "Manon Lefèvre" in sent[-1].subject
