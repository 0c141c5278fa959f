"""The banks' calendar: SEPA debits settle on TARGET2 business days, and when each month's debit is taken.

TARGET2 is closed on weekends, 1 January, Good Friday, Easter Monday, 1 May, 25 and 26 December.
"""

from __future__ import annotations

import datetime

ONE_DAY = datetime.timedelta(days=1)


def easter(year: int) -> datetime.date:
    """Easter Sunday (the Gregorian computus, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return datetime.date(year, month, day + 1)


def is_business_day(day: datetime.date) -> bool:
    if day.weekday() >= 5 or (day.month, day.day) in {(1, 1), (5, 1), (12, 25), (12, 26)}:
        return False
    sunday = easter(day.year)
    return day not in (sunday - 2 * ONE_DAY, sunday + ONE_DAY)


def next_business_day(day: datetime.date) -> datetime.date:
    """``day`` itself when the banks work that day, else the next day they do."""
    while not is_business_day(day):
        day += ONE_DAY
    return day


def collection_date(month: datetime.date, collection_day: int, earliest: datetime.date) -> datetime.date:
    """When the month's debit is taken: its collection day (moved to a business day), or the first business day
    from ``earliest`` on (today plus the pre-notification delay) when that day is already too close."""
    return next_business_day(max(month.replace(day=collection_day), earliest))


def sending_deadline(collection: datetime.date) -> datetime.date:
    """The last day a file for ``collection`` may reach the bank: one business day before (D-1)."""
    day = collection - ONE_DAY
    while not is_business_day(day):
        day -= ONE_DAY
    return day
