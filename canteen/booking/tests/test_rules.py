import datetime

import pytest
from django.utils import timezone

from canteen.booking.bookings import BookingRefused, book, book_many, unbook
from canteen.booking.calendar import Calendar
from canteen.booking.models import BookingStatus, MealBooking
from canteen.models import ClosedPeriod

from .helpers import ONE_DAY, open_booking, tomorrow, yesterday


@pytest.fixture
def lunch(school):
    return open_booking(school)


def test_refuses_a_day_past_its_cutoff_with_the_reason(lunch, school, lea):
    with pytest.raises(BookingRefused, match="Réservations closes depuis le"):
        book(Calendar([school]), lea, lunch, yesterday(school), None)
    assert not MealBooking.objects.exists()


def test_refuses_a_closed_day(lunch, school, lea):
    day = tomorrow(school)
    ClosedPeriod.objects.create(establishment=school, start=day, end=day, label="Grève")
    with pytest.raises(BookingRefused, match="Cantine fermée"):
        book(Calendar([school]), lea, lunch, day, None)


def test_refuses_a_day_beyond_the_weeks_ahead(lunch, school, lea):
    with pytest.raises(BookingRefused, match="Trop loin"):
        book(Calendar([school]), lea, lunch, tomorrow(school) + datetime.timedelta(weeks=4), None)


def test_refuses_a_school_without_booking(school, lea, lunch):
    school.booking_settings.enabled = False
    school.booking_settings.save()
    with pytest.raises(BookingRefused, match="pas ouverte"):
        book(Calendar([school]), lea, lunch, tomorrow(school), None)


def test_refuses_a_day_without_service(school, lea, lunch):
    day = tomorrow(school)
    lunch.weekdays = "".join(str(n) for n in range(1, 8) if n != day.isoweekday())
    lunch.save()
    with pytest.raises(BookingRefused, match="Pas de service"):
        book(Calendar([school]), lea, lunch, day, None)


def test_cutoff_same_day_at_time_on_the_school_clock(lunch, school):
    day = datetime.date(2026, 3, 10)
    cutoff = lunch.cutoff(day, school.timezone)
    assert cutoff.isoformat() == "2026-03-10T09:30:00+01:00"
    before = Calendar([school], now=cutoff - datetime.timedelta(seconds=1))
    at = Calendar([school], now=cutoff)
    assert before.state(lunch, day).open
    assert at.state(lunch, day).reason == "Réservations closes depuis le 10/03 à 09:30."
    lunch.days_before = 7
    assert lunch.cutoff(day, school.timezone).date() == datetime.date(2026, 3, 3)


def test_booking_twice_makes_one_booking(lunch, school, lea):
    calendar = Calendar([school])
    assert book(calendar, lea, lunch, tomorrow(school), None) is True
    assert book(calendar, lea, lunch, tomorrow(school), None) is False
    assert MealBooking.objects.count() == 1


def test_unbooking_before_the_cutoff_removes_it(lunch, school, lea):
    calendar = Calendar([school])
    book(calendar, lea, lunch, tomorrow(school), None)
    assert unbook(calendar, lea, lunch, tomorrow(school)) is True
    assert not MealBooking.objects.exists()


def test_unbooking_after_the_cutoff_is_refused_and_keeps_it(lunch, school, lea):
    MealBooking.objects.create(pupil=lea, service=lunch, day=yesterday(school))
    with pytest.raises(BookingRefused):
        unbook(Calendar([school]), lea, lunch, yesterday(school))
    assert MealBooking.objects.filter(status=BookingStatus.BOOKED).count() == 1


def test_refuses_a_pupil_who_left(lunch, school, lea):
    lea.active = False
    lea.save()
    with pytest.raises(BookingRefused, match="plus inscrit"):
        book(Calendar([school]), lea, lunch, tomorrow(school), None)


def test_book_many_skips_locked_days(lunch, school, lea):
    days = [yesterday(school), tomorrow(school), tomorrow(school) + ONE_DAY]
    assert book_many(Calendar([school]), lea, [(lunch, d) for d in days], None) == 2
    assert set(MealBooking.objects.values_list("day", flat=True)) == set(days[1:])


def test_until_holidays_stops_before_a_long_closure(lunch, school):
    start = tomorrow(school) + 3 * ONE_DAY
    ClosedPeriod.objects.create(establishment=school, start=start, end=start + 9 * ONE_DAY, label="Vacances")
    calendar = Calendar([school], now=timezone.now())
    assert calendar.until_holidays(school.pk) == start - ONE_DAY
