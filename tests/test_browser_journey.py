"""The parent's journey in a real browser; later issues extend it."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from portal.management.commands.demo_data import PARENT_EMAIL, PARENT_PASSWORD, SCHOOL_CODE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in_as_demo_parent(page):
    page.goto(f"/e/{SCHOOL_CODE}/")
    page.get_by_label("Identifiant").fill(PARENT_EMAIL)
    page.get_by_label("Mot de passe").fill(PARENT_PASSWORD)
    page.get_by_role("button", name="CONNEXION").click()
    page.wait_for_url("**/accueil/")


def test_demo_parent_logs_in_and_sees_the_home_page(page):
    call_command("demo_data")
    page.goto("/")  # two demo schools: the root lists them, each linking to its login page
    page.get_by_role("link", name="École élémentaire d'Esvres").click()
    page.wait_for_url(f"**/e/{SCHOOL_CODE}/")
    assert "déjà un compte" in page.content()
    page.get_by_label("Identifiant").fill(PARENT_EMAIL)
    page.get_by_label("Mot de passe").fill("pas-le-bon")
    page.get_by_role("button", name="CONNEXION").click()
    expect(page.get_by_text("Identifiant ou mot de passe incorrect.")).to_be_visible()
    log_in_as_demo_parent(page)
    expect(page.get_by_role("heading", name="Léa Martin")).to_be_visible()
    expect(page.get_by_role("heading", name="Hugo Martin")).to_be_visible()
    expect(page.get_by_role("link", name="Comptes", exact=True)).to_be_visible()
