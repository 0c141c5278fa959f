"""How long a child's balance lasts: the meals booked first, then at the pace of the last four school weeks.

``forecast_until`` is pure arithmetic on dates, tested on fixed calendars; ``forecasts`` reads what it
needs for many pupils in a few queries (their meals of the window, their establishments' closed days).
The home page's are kept per wallet state (``billing.precomputed``).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Exists, OuterRef

from billing.models import EntryKind, LedgerEntry, Wallet
from canteen.booking.models import BookingStatus, MealBooking
from canteen.models import closed_days_of
from portal.lib.localtime import midnight, today_at, zone_of

WINDOW_SCHOOL_DAYS = 20  # four school weeks of five days
# Enough history: the child's first meal falls in the window's first school week or before.
FIRST_WEEK = 5
HORIZON_DAYS = 366
LOOKBACK = datetime.timedelta(days=120)  # room for 20 school days and the holidays between them
ONE_DAY = datetime.timedelta(days=1)


def is_school_day(day: datetime.date, closed: set[datetime.date]) -> bool:
    return day.weekday() < 5 and day not in closed


def school_window(today: datetime.date, closed: set[datetime.date]) -> list[datetime.date]:
    """The last ``WINDOW_SCHOOL_DAYS`` school days before ``today``, newest first."""
    days, day = [], today - ONE_DAY
    while len(days) < WINDOW_SCHOOL_DAYS:
        if is_school_day(day, closed):
            days.append(day)
        day -= ONE_DAY
    return days


def forecast_until(
    balance: Decimal,
    price: Decimal | None,
    meal_days: Iterable[datetime.date],
    first_meal: datetime.date | None,
    today: datetime.date,
    closed: set[datetime.date],
    booked: Iterable[datetime.date] = (),
) -> datetime.date | None:
    """The last school day whose meal the balance still pays for, eating as booked (``booked``: the days after
    today with a meal booked), then as over the last four school weeks.

    ``meal_days`` has one date per meal taken (at least over the window); ``first_meal`` is the date of
    the child's first meal ever. Until the last booked day, only the booked days cost a meal; after it, the pace
    of the window. None when there is too little history to go beyond the bookings (no meal before the end of
    the window's first school week, or none in the window), no price, nothing left to spend, or more than a
    year ahead.
    """
    if price is None or price <= 0 or balance < price:
        return None
    booked = {day for day in booked if day > today}
    last_booked = max(booked, default=None)
    rate = _pace(meal_days, first_meal, today, closed)
    if rate is None and last_booked is None:
        return None
    spent, covered, day = Decimal("0"), None, today + ONE_DAY
    while day <= today + datetime.timedelta(days=HORIZON_DAYS):
        if last_booked is not None and day <= last_booked:
            cost = price if day in booked else 0
        elif rate is None:
            return None  # the bookings are paid for; beyond them, too little history to say
        else:
            cost = rate.get(day.weekday(), 0) * price if is_school_day(day, closed) else 0
        if cost:
            spent += cost
            if spent > balance:
                return covered
            covered = day
        day += ONE_DAY
    return None


def _pace(
    meal_days: Iterable[datetime.date], first_meal: datetime.date | None, today: datetime.date, closed: set
) -> dict[int, Decimal] | None:
    """Meals a day per weekday over the window, or None with too little history."""
    window = school_window(today, closed)
    if first_meal is None or first_meal > window[-FIRST_WEEK]:
        return None
    in_window = set(window)
    meals = Counter(day for day in meal_days if day in in_window)
    if not meals:
        return None
    # Per weekday: meals taken / school days of that weekday in the window (a child eating 4 days a week
    # has a 0 on its free day, a child who missed one Monday of four has 0.75 on Mondays).
    open_days = Counter(day.weekday() for day in window)
    eaten = Counter()
    for day, count in meals.items():
        eaten[day.weekday()] += count
    return {weekday: Decimal(eaten[weekday]) / open_days[weekday] for weekday in open_days}


def forecasts(pupils, balances: dict, prices: dict, today: datetime.date | None = None) -> dict:
    """``forecast_until`` for each pupil (with its establishment loaded), keyed by pupil id, in a few queries
    whatever their number: the establishments' closed days, the meals of the window, who has older meals."""
    wanted = [p for p in pupils if prices.get(p.pk) and prices[p.pk] > 0 and balances[p.pk] >= prices[p.pk]]
    if not wanted:
        return {p.pk: None for p in pupils}
    zones = {p.pk: zone_of(p.establishment) for p in wanted}
    days = {p.pk: today or today_at(p.establishment) for p in wanted}
    first_day, last_day = min(days.values()) - LOOKBACK, max(days.values()) + datetime.timedelta(HORIZON_DAYS)
    closed = closed_days_of({p.establishment_id for p in wanted}, first_day, last_day)
    windows = {p.pk: school_window(days[p.pk], closed.get(p.establishment_id, set())) for p in wanted}
    since = {p.pk: midnight(windows[p.pk][-1], p.establishment) for p in wanted}
    meals = LedgerEntry.objects.filter(kind=EntryKind.MEAL, wallet__pupil_id__in=[p.pk for p in wanted])
    meal_days = defaultdict(list)
    for pupil_id, moment in meals.filter(occurred_at__gte=min(since.values())).values_list(
        "wallet__pupil_id", "occurred_at"
    ):
        meal_days[pupil_id].append(moment.astimezone(zones[pupil_id]).date())
    # A meal in the window's first school week or before: the child ate there for the whole window. One
    # EXISTS per wallet, per distinct cutoff (one per establishment at most), stopping at its first index row.
    seasoned: set[int] = set()
    by_cutoff = defaultdict(list)
    for p in wanted:
        end_of_first_week = windows[p.pk][-FIRST_WEEK] + ONE_DAY
        by_cutoff[midnight(end_of_first_week, p.establishment)].append(p.pk)
    for cutoff, pupil_ids in by_cutoff.items():
        older = LedgerEntry.objects.filter(wallet=OuterRef("pk"), kind=EntryKind.MEAL, occurred_at__lt=cutoff)
        seasoned.update(
            Wallet.objects.filter(pupil_id__in=pupil_ids).filter(Exists(older)).values_list("pupil_id", flat=True)
        )
    booked = defaultdict(set)
    future = MealBooking.objects.filter(
        pupil_id__in=[p.pk for p in wanted], status=BookingStatus.BOOKED, day__gt=min(days.values())
    )
    for pupil_id, day in future.values_list("pupil_id", "day"):
        booked[pupil_id].add(day)
    result = {p.pk: None for p in pupils}
    for p in wanted:
        first_meal = windows[p.pk][-FIRST_WEEK] if p.pk in seasoned else None
        closed_days = closed.get(p.establishment_id, set())
        result[p.pk] = forecast_until(
            balances[p.pk], prices[p.pk], meal_days[p.pk], first_meal, days[p.pk], closed_days, booked[p.pk]
        )
    return result
