"""« Réserver mes repas » on a phone in Chromium: a week for two children in a few taps, each saved at once,
locked days shown with their reason; the cook's counts in the admin."""

import datetime

import pytest
from playwright.sync_api import expect

from canteen.booking.models import KitchenCount, MealBooking
from canteen.booking.tests.helpers import open_booking
from conftest import PASSWORD, _staff
from portal.roles import KITCHEN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, school, email):
    page.goto(f"/e/{school.code}/")
    page.get_by_label("Identifiant").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="CONNEXION").click()
    page.wait_for_url("**/accueil/")


@pytest.mark.parametrize("width", [390, 320])
def test_a_parent_books_a_week_for_two_children_in_at_most_ten_taps(page, school, parent, lea, hugo, width):
    open_booking(school)
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, school, parent.email)
    taps = 0
    page.get_by_role("link", name="Réserver").click()
    taps += 1
    page.wait_for_url("**/reservations/")
    lea_grid = page.locator(f"#enfant-{lea.pk}")
    free = lea_grid.locator("button.booking-day:not([disabled])")
    for n in range(5):
        day = free.nth(n)
        day.click()
        taps += 1
        expect(day).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#booking-status")).to_contain_text("Repas réservé : Léa")
    expect(lea_grid.locator("[data-estimate]")).to_have_text("-17,50\u00a0€")  # no credit yet: 5 × 3,50
    expect(lea_grid.locator("[data-short]")).to_be_visible()
    lea_grid.get_by_role("button", name="Mêmes repas pour Hugo").click()
    taps += 1
    expect(page.get_by_text("5 repas réservés pour Hugo, comme pour Léa.")).to_be_visible()
    assert taps <= 10
    assert MealBooking.objects.filter(pupil=lea).count() == MealBooking.objects.filter(pupil=hugo).count() == 5
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing wider than the phone


def test_a_day_past_its_cutoff_is_shown_locked_with_its_reason(page, school, parent, lea, hugo):
    lunch = open_booking(school)
    lunch.days_before = 14
    lunch.save()
    page.set_viewport_size({"width": 390, "height": 800})
    log_in(page, school, parent.email)
    page.goto("/reservations/")
    locked = page.locator(f"#enfant-{lea.pk} button.booking-day").first
    expect(locked).to_be_disabled()
    assert locked.get_attribute("title").startswith("Réservations closes depuis le")


def test_the_cook_reads_and_prints_the_counts_on_a_phone(page, school):
    service = open_booking(school)
    KitchenCount.objects.create(service=service, day=datetime.date(2026, 3, 10), category="Maternelle", booked=12)
    cook = _staff("cuisine@esvres.example", KITCHEN, school)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/admin/login/")
    page.get_by_label("Adresse électronique").or_(page.get_by_label("Email")).first.fill(cook.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.goto("/admin/canteen/kitchencount/")
    expect(page.get_by_text("Maternelle").first).to_be_visible()
    page.get_by_role("link", name="Imprimer").click()
    expect(page.get_by_role("heading", name="Effectifs de cuisine")).to_be_visible()
    expect(page.locator("#kitchen-totals")).to_contain_text("12")
