"""The kitchen's counts: at each cut-off, the meals booked per service, day, category and class are frozen
(what the cook prepares); the day after, the meals taken are written beside them, so that waste can be
measured. Both steps are run by the cut-off task (``billing.tasks.apply_booking_cutoffs``) and are safe to
run again: a count is frozen once, a day is closed once. Each step reads and writes every school's service
days in a few statements, whatever their number."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.db import transaction
from django.db.models import Count

from .calendar import ONE_DAY, Calendar
from .models import BookingStatus, KitchenCount, MealBooking

log = logging.getLogger(__name__)

# How far back a missed run catches up (a worker down over a weekend).
CATCH_UP_DAYS = 7
ServiceDay = tuple[int, datetime.date]


def _groups(pairs: set[ServiceDay], statuses) -> dict[ServiceDay, dict[tuple[str, str], int]]:
    """The bookings of these service days in ``statuses``, counted per category and class, in one query."""
    groups: dict[ServiceDay, dict[tuple[str, str], int]] = defaultdict(dict)
    if not pairs:
        return groups
    rows = (
        MealBooking.objects.filter(
            service_id__in={s for s, _d in pairs}, day__in={d for _s, d in pairs}, status__in=statuses
        )
        .values_list("service_id", "day", "pupil__category", "pupil__class_name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for service_id, day, category, class_name, n in rows:
        if (service_id, day) in pairs:
            groups[(service_id, day)][(category, class_name)] = n
    return groups


def freeze_counts(calendar: Calendar) -> int:
    """Freeze the counts of every service day whose cut-off has passed and that has none yet; returns how
    many service days were frozen. Counts the bookings as they stand at the cut-off (none can change after)."""
    due: set[ServiceDay] = set()
    services = [s for group in calendar.services.values() for s in group]
    if not services:
        return 0
    first = min(calendar.today(s.establishment_id) for s in services) - datetime.timedelta(days=CATCH_UP_DAYS)
    last = max(calendar.today(s.establishment_id) for s in services) + datetime.timedelta(days=15)
    done = set(
        KitchenCount.objects.filter(service__in=services, day__gte=first, day__lte=last)
        .values_list("service_id", "day")
        .order_by()
        .distinct()
    )
    for service in services:
        establishment_id = service.establishment_id
        day = calendar.today(establishment_id) - datetime.timedelta(days=CATCH_UP_DAYS)
        while day <= calendar.today(establishment_id) + datetime.timedelta(days=15):
            if (
                service.runs_on(day)
                and (service.pk, day) not in done
                and not calendar.is_closed(establishment_id, day)
                and calendar.now >= service.cutoff(day, calendar.zones[establishment_id])
            ):
                due.add((service.pk, day))
            day += ONE_DAY
    groups = _groups(due, [BookingStatus.BOOKED, BookingStatus.TAKEN, BookingStatus.NOT_TAKEN])
    # A day without bookings still gets its row (zero), so that it is frozen once and shown to the cook.
    rows = [
        KitchenCount(service_id=service_id, day=day, category=category, class_name=class_name, booked=n)
        for service_id, day in due
        for (category, class_name), n in (groups.get((service_id, day)) or {("", ""): 0}).items()
    ]
    KitchenCount.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(due)


@transaction.atomic
def close_past_days(calendar: Calendar) -> int:
    """For each service day already over at the school: the meals booked and not taken become "not taken",
    and the counts get how many were taken. Returns how many bookings became "not taken"."""
    services = {s.pk: s for group in calendar.services.values() for s in group}
    if not services:
        return 0
    open_days = KitchenCount.objects.filter(
        service__in=services,
        taken__isnull=True,
        day__lt=max(calendar.today(s.establishment_id) for s in services.values()),
    )
    pairs = {
        (service_id, day)
        for service_id, day in open_days.values_list("service_id", "day").order_by().distinct()
        if day < calendar.today(services[service_id].establishment_id)
    }
    if not pairs:
        return 0
    missed = 0
    by_day: dict[datetime.date, list[int]] = defaultdict(list)
    for service_id, day in pairs:
        by_day[day].append(service_id)
    for day, service_ids in by_day.items():
        missed += MealBooking.objects.filter(service_id__in=service_ids, day=day, status=BookingStatus.BOOKED).update(
            status=BookingStatus.NOT_TAKEN
        )
    taken = _groups(pairs, [BookingStatus.TAKEN, BookingStatus.WALK_IN])
    counts = [
        c
        for c in KitchenCount.objects.filter(service__in={s for s, _d in pairs}, day__in=by_day)
        if (c.service_id, c.day) in pairs
    ]
    for count in counts:
        count.taken = taken[(count.service_id, count.day)].pop((count.category, count.class_name), 0)
    KitchenCount.objects.bulk_update(counts, ["taken"], batch_size=1000)
    KitchenCount.objects.bulk_create(  # classes that booked nothing and ate anyway
        (
            KitchenCount(service_id=service_id, day=day, category=category, class_name=class_name, booked=0, taken=n)
            for (service_id, day), groups in taken.items()
            for (category, class_name), n in groups.items()
        ),
        batch_size=2000,
    )
    log.info("Kitchen days closed: %s service days, %s booked meals not taken.", len(pairs), missed)
    return missed
