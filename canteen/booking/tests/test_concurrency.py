"""Two taps on the same day at the same moment (two guardians, two phones) make one booking: PostgreSQL, real
threads, each with its own connection."""

import pytest
from django.db import connection

from canteen.booking.bookings import book
from canteen.booking.calendar import Calendar
from canteen.booking.models import MealBooking
from tests.threads import at_once

from .helpers import open_booking, tomorrow

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"),
]


def test_simultaneous_bookings_of_one_day_never_count_twice(school, lea):
    lunch = open_booking(school)
    day = tomorrow(school)

    def tap():
        return book(Calendar([school]), lea, lunch, day, None)

    results = at_once(*[tap] * 8)
    assert sorted(results) == [False] * 7 + [True]
    assert MealBooking.objects.filter(pupil=lea, service=lunch, day=day).count() == 1
