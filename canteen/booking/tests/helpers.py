"""A school that takes bookings every day of the week (so that tests do not depend on today's weekday)."""

from __future__ import annotations

import datetime

from canteen.booking.models import BookingSettings, Service
from portal.lib.localtime import today_at

ONE_DAY = datetime.timedelta(days=1)


def open_booking(school, **settings) -> Service:
    BookingSettings.objects.create(establishment=school, enabled=True, weeks_ahead=2, **settings)
    return Service.objects.create(
        establishment=school, weekdays="1234567", days_before=0, cutoff_time=datetime.time(9, 30)
    )


def tomorrow(school) -> datetime.date:
    return today_at(school) + ONE_DAY


def yesterday(school) -> datetime.date:
    return today_at(school) - ONE_DAY
