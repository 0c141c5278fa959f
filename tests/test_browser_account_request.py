"""A family's way in, in a real browser: request, school validation, password, home page."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

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
    [email] = [m for m in mail.outbox if PARENT_EMAIL in m.to]
    link = re.search(r"https?://\S+/compte/activer/\S+/", email.body).group(0)
    page.goto(link[link.index("/compte/") :])
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="ENREGISTRER").click()
    page.wait_for_url("**/accueil/")
    expect(page.get_by_role("heading", name="Manon Lefèvre")).to_be_visible()
