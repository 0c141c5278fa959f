"""« Réserver mes repas »: the grid, each tap saved, every rule checked on the server, only one's own children."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from billing.ledger import book
from billing.models import EntryKind
from canteen.booking.models import MealBooking
from canteen.booking.tests.helpers import ONE_DAY, open_booking, tomorrow, yesterday
from canteen.models import ClosedPeriod, Guardianship

GRID = reverse("portal:bookings")
TOGGLE = reverse("portal:booking_toggle")
JSON = {"Accept": "application/json"}


@pytest.fixture
def lunch(school):
    return open_booking(school)


@pytest.fixture
def family(client, parent, lea, hugo):
    for pupil in (lea, hugo):
        book(pupil, kind=EntryKind.ONLINE_PAYMENT, amount=D("18.40"), label="Paiement en ligne")
    client.force_login(parent)
    return client


def value(pupil, service, day):
    return f"{pupil.pk}:{service.pk}:{day.isoformat()}"


def test_grid_shows_every_child_with_days_and_balances(family, lunch, lea, hugo, school):
    MealBooking.objects.create(pupil=lea, service=lunch, day=tomorrow(school))
    html = family.get(GRID).content.decode()
    assert "Léa Martin" in html and "Hugo Martin" in html
    assert "après les repas réservés :" in html
    assert "14,90\u00a0€" in html  # 18,40 − 3,50 for Léa's booked meal
    assert f'name="unbook" value="{value(lea, lunch, tomorrow(school))}"' in html
    assert f'name="book" value="{value(hugo, lunch, tomorrow(school))}"' in html


def test_days_past_their_cutoff_are_locked_with_the_reason(family, lunch, school, lea):
    lunch.days_before = 14  # every day of the grid's first two weeks is past its cut-off
    lunch.save()
    html = family.get(GRID).content.decode()
    assert 'disabled title="Réservations closes depuis le' in html
    assert f'name="book" value="{value(lea, lunch, tomorrow(school))}" class="booking-day locked"' in html


def test_a_tap_books_at_once_and_answers_the_new_estimate(family, lunch, lea, school):
    response = family.post(TOGGLE, {"book": value(lea, lunch, tomorrow(school))}, headers=JSON)
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] and data["booked"] and data["estimate"] == "14,90\u00a0€"
    assert data["message"].startswith("Repas réservé : Léa")
    assert MealBooking.objects.filter(pupil=lea, day=tomorrow(school)).count() == 1


def test_a_tap_works_as_a_plain_form_too(family, lunch, lea, school):
    response = family.post(TOGGLE, {"book": value(lea, lunch, tomorrow(school))}, follow=True)
    assert "Repas réservé : Léa" in response.content.decode()
    assert MealBooking.objects.filter(pupil=lea).count() == 1


def test_tapping_again_unbooks(family, lunch, lea, school):
    family.post(TOGGLE, {"book": value(lea, lunch, tomorrow(school))}, headers=JSON)
    data = family.post(TOGGLE, {"unbook": value(lea, lunch, tomorrow(school))}, headers=JSON).json()
    assert data["ok"] and not data["booked"]
    assert not MealBooking.objects.exists()


def test_booking_after_the_cutoff_is_refused_by_the_server(family, lunch, lea, school):
    response = family.post(TOGGLE, {"book": value(lea, lunch, yesterday(school))}, headers=JSON)
    assert response.status_code == 400
    assert response.json()["message"].startswith("Réservations closes depuis le")
    assert not MealBooking.objects.exists()


def test_booking_a_closed_day_is_refused(family, lunch, lea, school):
    ClosedPeriod.objects.create(establishment=school, start=tomorrow(school), end=tomorrow(school))
    response = family.post(TOGGLE, {"book": value(lea, lunch, tomorrow(school))}, headers=JSON)
    assert response.json()["message"] == "Cantine fermée ce jour-là."


@pytest.mark.parametrize(
    "posted",
    [{"book": "x"}, {"book": "1:2:2026-02-30"}, {"book": "1:abc:2026-03-02"}, {"book": "9" * 200}, {}, {"book": ""}],
)
def test_malformed_taps_get_a_french_message_and_change_nothing(family, lunch, posted):
    response = family.post(TOGGLE, posted, headers=JSON)
    assert response.status_code == 400
    assert response.json()["message"] == "Demande de réservation mal formée : rechargez la page."
    assert not MealBooking.objects.exists()


def test_another_familys_child_is_not_found(family, lunch, chloe, school):
    response = family.post(TOGGLE, {"book": value(chloe, lunch, tomorrow(school))}, headers=JSON)
    assert response.status_code == 404
    assert not MealBooking.objects.exists()


def test_another_schools_service_is_not_found(family, lunch, lea, school):
    response = family.post(TOGGLE, {"book": f"{lea.pk}:{lunch.pk + 99}:{tomorrow(school)}"}, headers=JSON)
    assert response.status_code == 404


def test_the_grid_needs_a_login(client):
    assert client.get(GRID).status_code == 302
    assert client.post(TOGGLE, {"book": "1:1:2026-03-02"}).status_code == 302


def test_refused_beyond_the_balance_when_the_school_says_so(family, school, lea):
    lunch = open_booking(school, allow_insufficient_balance=False)
    for n in range(5):  # 5 × 3,50 = 17,50 ≤ 18,40
        day = tomorrow(school) + n * ONE_DAY
        assert family.post(TOGGLE, {"book": value(lea, lunch, day)}, headers=JSON).json()["ok"]
    response = family.post(TOGGLE, {"book": value(lea, lunch, tomorrow(school) + 5 * ONE_DAY)}, headers=JSON)
    assert response.status_code == 400 and response.json()["message"].startswith("Solde insuffisant")
    assert MealBooking.objects.count() == 5


def test_allowed_beyond_the_balance_with_a_warning(family, school, lea):
    lunch = open_booking(school)
    for n in range(6):
        data = family.post(TOGGLE, {"book": value(lea, lunch, tomorrow(school) + n * ONE_DAY)}, headers=JSON).json()
    assert data["ok"] and data["short"] and data["estimate"] == "-2,60\u00a0€"
    assert "Les repas réservés dépassent le solde" in family.get(GRID).content.decode()


def test_book_every_chosen_weekday_until_the_holidays(family, lunch, lea, school):
    start = tomorrow(school) + 7 * ONE_DAY
    ClosedPeriod.objects.create(establishment=school, start=start, end=start + 14 * ONE_DAY, label="Vacances")
    response = family.post(
        reverse("portal:booking_repeat"), {"pupil": lea.pk, "weekdays": ["1", "2", "4"]}, follow=True
    )
    days = list(MealBooking.objects.filter(pupil=lea).values_list("day", flat=True))
    assert days and all(d.isoweekday() in (1, 2, 4) and tomorrow(school) <= d < start for d in days)
    assert "réservé" in response.content.decode()


def test_same_meals_for_the_sibling(family, lunch, lea, hugo, school):
    days = [tomorrow(school), tomorrow(school) + ONE_DAY]
    for day in days:
        MealBooking.objects.create(pupil=lea, service=lunch, day=day)
    family.post(reverse("portal:booking_copy"), {"from": lea.pk, "to": hugo.pk})
    assert sorted(MealBooking.objects.filter(pupil=hugo).values_list("day", flat=True)) == days


def test_copy_to_another_familys_child_is_not_found(family, lunch, lea, chloe):
    response = family.post(reverse("portal:booking_copy"), {"from": lea.pk, "to": chloe.pk})
    assert response.status_code == 404


def test_grid_queries_do_not_grow_with_children_and_weeks(
    family, parent, lunch, lea, chloe, school, django_assert_max_num_queries, settings
):
    settings.KEEP_FAMILY_PAGES = False  # the page made, not the kept one
    family.get(GRID)  # warm the session and the user
    with django_assert_max_num_queries(14) as few:
        family.get(GRID)
    school.booking_settings.weeks_ahead = 8
    school.booking_settings.save()
    Guardianship.objects.create(user=parent, pupil=chloe)
    MealBooking.objects.create(pupil=chloe, service=lunch, day=tomorrow(school))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "Chloé" in family.get(GRID).content.decode()


def test_a_school_without_booking_says_so(family):
    assert "La réservation des repas n'est pas ouverte" in family.get(GRID).content.decode()


def test_a_meal_already_taken_is_not_counted_twice_in_the_estimate(family, lunch, lea, school):
    from canteen.booking.models import BookingStatus

    MealBooking.objects.create(pupil=lea, service=lunch, day=tomorrow(school), status=BookingStatus.TAKEN)
    html = family.get(GRID).content.decode()
    assert 'après les repas réservés : <strong class="estimate" data-estimate>18,40\u00a0€' in html


def test_the_kept_grid_is_renewed_by_a_booking(family, lunch, lea, school, django_capture_on_commit_callbacks):
    assert f'name="book" value="{value(lea, lunch, tomorrow(school))}"' in family.get(GRID).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        family.post(TOGGLE, {"book": value(lea, lunch, tomorrow(school))}, headers=JSON)
    assert f'name="unbook" value="{value(lea, lunch, tomorrow(school))}"' in family.get(GRID).content.decode()


def test_the_kept_grid_is_renewed_when_the_school_changes_its_rules(
    family, lunch, lea, school, django_capture_on_commit_callbacks
):
    assert "Les jours où Léa mange" in family.get(GRID).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        school.booking_settings.enabled = False
        school.booking_settings.save()
    assert "La réservation des repas n'est pas ouverte" in family.get(GRID).content.decode()


def test_a_school_that_requires_booking_says_so(family, school):
    open_booking(school, required=True)
    assert "Réservation obligatoire dans cet établissement" in family.get(GRID).content.decode()
