"""Staff who log in on the school's login page land in the admin; parents land on their home, where no admin
word appears; a staff login never meets the parent home's "Aucun enfant" dead end."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from portal.management.commands.demo_data import PARENT_EMAIL, PARENT_PASSWORD, SCHOOL_CODE, STAFF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, email: str, password: str) -> None:
    page.goto(f"/e/{SCHOOL_CODE}/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="CONNEXION").click()


@pytest.mark.parametrize("staff", STAFF[:2], ids=["administration", "caisse"])
def test_staff_logging_in_on_the_schools_page_land_in_the_admin(page, staff):
    call_command("demo_data")
    email, password, _group = staff
    log_in(page, email, password)
    page.wait_for_url("**/admin/")
    expect(page.get_by_text("Aucun enfant n'est encore rattaché")).to_have_count(0)
    # The parent home, typed or bookmarked, leads to the admin as well.
    page.goto("/accueil/")
    page.wait_for_url("**/admin/")
    # And the school's login page, once logged in.
    page.goto(f"/e/{SCHOOL_CODE}/")
    page.wait_for_url("**/admin/")


def test_a_parent_lands_on_the_home_without_admin_words(page):
    call_command("demo_data")
    page.set_viewport_size({"width": 320, "height": 700})
    log_in(page, PARENT_EMAIL, PARENT_PASSWORD)
    page.wait_for_url("**/accueil/")
    expect(page.get_by_role("heading", name="Léa Martin")).to_be_visible()
    body = page.locator("body").inner_text()
    assert "Administration" not in body and "/admin/" not in page.content()
