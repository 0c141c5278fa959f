"""The forecast's arithmetic on fixed calendars (March 2026: Monday 2 to Friday 13), then from the ledger."""

import datetime
from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from billing.forecast import forecast_until, forecasts, school_window
from billing.ledger import book
from billing.models import EntryKind
from canteen.models import ClosedPeriod

TODAY = date(2026, 3, 2)  # a Monday
PRICE = D("3.50")


def school_days(before: date, count: int, closed=frozenset(), weekdays=(0, 1, 2, 3, 4)):
    """The ``count`` school days before ``before`` on which the child ate (every day of ``weekdays``)."""
    return [d for d in school_window(before, set(closed))[:count] if d.weekday() in weekdays]


def test_a_child_eating_every_day_is_covered_until_the_eighth_school_day():
    meals = school_days(TODAY, 20)
    until = forecast_until(D("28.00"), PRICE, meals, meals[-1], TODAY, set())
    # Tue 3, Wed 4, Thu 5, Fri 6, (weekend), Mon 9, Tue 10, Wed 11, Thu 12: eight meals of 3,50 €.
    assert until == date(2026, 3, 12)
    assert date_format(until, "l d/m") == "jeudi 12/03"


def test_one_cent_short_of_the_eighth_meal_stops_on_the_seventh():
    meals = school_days(TODAY, 20)
    assert forecast_until(D("27.99"), PRICE, meals, meals[-1], TODAY, set()) == date(2026, 3, 11)


def test_closed_days_ahead_are_skipped():
    meals = school_days(TODAY, 20)
    closed = {date(2026, 3, 5), date(2026, 3, 6)}  # Thursday and Friday closed
    # Tue 3, Wed 4, Mon 9, Tue 10, Wed 11, Thu 12, Fri 13, Mon 16.
    assert forecast_until(D("28.00"), PRICE, meals, meals[-1], TODAY, closed) == date(2026, 3, 16)


def test_a_child_eating_four_days_a_week_is_not_counted_on_wednesdays():
    meals = school_days(TODAY, 20, weekdays=(0, 1, 3, 4))
    assert len(meals) == 16
    # Tue 3, Thu 5, Fri 6, Mon 9, Tue 10, Thu 12, Fri 13, Mon 16: the last covered meal, never a Wednesday.
    assert forecast_until(D("28.00"), PRICE, meals, meals[-1], TODAY, set()) == date(2026, 3, 16)


def test_holidays_inside_the_window_do_not_dilute_the_pace():
    holidays = {date(2026, 2, 9) + datetime.timedelta(days=i) for i in range(14)}  # two weeks in February
    window = school_window(TODAY, holidays)
    assert not holidays & set(window)
    assert window[-1] < date(2026, 2, 9)  # the window reaches back over the holidays
    meals = list(window)
    assert forecast_until(D("28.00"), PRICE, meals, meals[-1], TODAY, holidays) == date(2026, 3, 12)


def test_half_the_days_means_twice_as_long():
    meals = school_days(TODAY, 20)[::2]  # every other school day
    # Expected cost 1,75 € per school day: 28,00 € last 16 school days, from Tue 3 to Tue 24.
    assert forecast_until(D("28.00"), PRICE, meals, meals[-1], TODAY, set()) == date(2026, 3, 24)


@pytest.mark.parametrize(
    "balance, meals, first_meal",
    [
        (D("28.00"), [], None),  # never ate
        (D("28.00"), [date(2026, 2, 27)], date(2026, 2, 27)),  # first meal last Friday: too little history
        (D("3.49"), "all", "first"),  # not even one meal left
        (D("-5.00"), "all", "first"),
    ],
)
def test_nothing_is_forecast_without_enough_history_or_money(balance, meals, first_meal):
    window_meals = school_days(TODAY, 20)
    meals = window_meals if meals == "all" else meals
    first_meal = window_meals[-1] if first_meal == "first" else first_meal
    assert forecast_until(balance, PRICE, meals, first_meal, TODAY, set()) is None


def test_nothing_is_forecast_without_a_price():
    meals = school_days(TODAY, 20)
    assert forecast_until(D("28.00"), None, meals, meals[-1], TODAY, set()) is None


def test_a_balance_beyond_a_year_is_not_forecast():
    meals = school_days(TODAY, 20)
    assert forecast_until(D("5000.00"), PRICE, meals, meals[-1], TODAY, set()) is None


# From the ledger and the establishment's calendar.


def eat(pupil, day: date) -> None:
    moment = datetime.datetime.combine(day, datetime.time(12, 15), tzinfo=timezone.get_current_timezone())
    book(
        pupil, kind=EntryKind.MEAL, amount=-PRICE, label="Self", reference=f"test:{pupil.pk}:{day}", occurred_at=moment
    )


@pytest.mark.django_db
def test_forecasts_read_meals_and_closed_days_of_each_establishment(lea, hugo, school):
    for day in school_days(TODAY, 20):
        eat(lea, day)
    book(lea, kind=EntryKind.CASH, amount=D("28.00") + 20 * PRICE, label="Espèces")
    ClosedPeriod.objects.create(establishment=school, start=date(2026, 3, 5), end=date(2026, 3, 6), label="Pont")
    lea.refresh_from_db()
    result = forecasts(
        [lea, hugo], {lea.pk: D("28.00"), hugo.pk: D("0.00")}, {lea.pk: PRICE, hugo.pk: D("3.10")}, TODAY
    )
    assert result == {lea.pk: date(2026, 3, 16), hugo.pk: None}


@pytest.mark.django_db
def test_a_child_who_started_last_week_gets_no_forecast(lea):
    for day in school_days(TODAY, 5):
        eat(lea, day)
    assert forecasts([lea], {lea.pk: D("28.00")}, {lea.pk: PRICE}, TODAY) == {lea.pk: None}


@pytest.mark.django_db
def test_home_page_says_until_when_the_balance_lasts(client, parent, lea):
    today = timezone.localdate()
    for day in school_days(today, 20):
        eat(lea, day)
    book(lea, kind=EntryKind.CASH, amount=20 * PRICE + D("28.00"), label="Espèces")
    expected = forecast_until(D("28.00"), PRICE, school_days(today, 20), school_days(today, 20)[-1], today, set())
    client.force_login(parent)
    html = client.get(reverse("portal:home")).content.decode()
    assert f"Au rythme actuel, le solde couvre les repas jusqu'au {date_format(expected, 'l d/m')}" in html, html[
        html.find("Solde") :
    ][:1500]
    assert html.count("Au rythme actuel") == 1, html[html.find("Solde") :][
        :1500
    ]  # Hugo never ate: nothing shown for him


def test_booked_days_are_spent_first_then_the_pace():
    meals = school_days(TODAY, 20)  # eats every school day
    booked = {date(2026, 3, 3), date(2026, 3, 9)}  # but only two meals booked up to Monday 9
    # Tue 3 and Mon 9 booked (7,00 €), then every day: Tue 10, Wed 11, Thu 12, Fri 13, Mon 16, Tue 17 (28,00 €).
    assert forecast_until(D("28.00"), PRICE, meals, meals[-1], TODAY, set(), booked) == date(2026, 3, 17)


def test_bookings_alone_give_a_date_when_they_exceed_the_balance():
    booked = {date(2026, 3, d) for d in (3, 4, 5, 6)}
    assert forecast_until(D("10.50"), PRICE, [], None, TODAY, set(), booked) == date(2026, 3, 5)
    assert forecast_until(D("50.00"), PRICE, [], None, TODAY, set(), booked) is None  # no pace beyond them


def test_the_home_forecast_follows_a_booking(client, parent, lea, school, django_capture_on_commit_callbacks):
    from canteen.booking.tests.helpers import open_booking, tomorrow

    lunch = open_booking(school)
    book(lea, kind=EntryKind.ONLINE_PAYMENT, amount=D("5.00"), label="Paiement en ligne")  # one meal, not two
    client.force_login(parent)
    assert "Au rythme actuel" not in client.get(reverse("portal:home")).content.decode()
    for n in range(2):
        day = tomorrow(school) + datetime.timedelta(days=n)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("portal:booking_toggle"), {"book": f"{lea.pk}:{lunch.pk}:{day}"})
    page = client.get(reverse("portal:home")).content.decode()
    assert "Au rythme actuel, le solde couvre les repas jusqu" in page
