"""The kitchen's counts: at each cut-off, the meals booked per service, day, category and class are frozen
(what the cook prepares); the day after, the meals taken are written beside them, so that waste can be
measured. Both steps are run by the cut-off task (``billing.tasks.apply_booking_cutoffs``) and are safe to
run again: a count is frozen once, a day is closed once."""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.db.models import Count

from .calendar import ONE_DAY, Calendar
from .models import BookingStatus, KitchenCount, MealBooking

log = logging.getLogger(__name__)

# How far back a missed run catches up (a worker down over a weekend).
CATCH_UP_DAYS = 7


def _groups(service_id: int, day: datetime.date, statuses) -> dict[tuple[str, str], int]:
    rows = (
        MealBooking.objects.filter(service_id=service_id, day=day, status__in=statuses)
        .values_list("pupil__category", "pupil__class_name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(category, class_name): n for category, class_name, n in rows}


def freeze_counts(calendar: Calendar) -> int:
    """Freeze the counts of every service day whose cut-off has passed and that has none yet; returns how
    many service days were frozen. Counts the bookings as they stand at the cut-off (none can change after)."""
    frozen = 0
    for establishment_id, services in calendar.services.items():
        today = calendar.today(establishment_id)
        first, last = today - datetime.timedelta(days=CATCH_UP_DAYS), today + datetime.timedelta(days=15)
        done = set(
            KitchenCount.objects.filter(service__in=services, day__gte=first, day__lte=last).values_list(
                "service_id", "day"
            )
        )
        for service in services:
            day = first
            while day <= last:
                if (
                    service.runs_on(day)
                    and (service.pk, day) not in done
                    and not calendar.is_closed(establishment_id, day)
                    and calendar.now >= service.cutoff(day, calendar.zones[establishment_id])
                ):
                    frozen += _freeze(service.pk, day)
                day += ONE_DAY
    return frozen


@transaction.atomic
def _freeze(service_id: int, day: datetime.date) -> int:
    groups = _groups(service_id, day, [BookingStatus.BOOKED, BookingStatus.TAKEN, BookingStatus.NOT_TAKEN])
    # A day without bookings still gets its row (zero), so that it is frozen once and shown to the cook.
    rows = [
        KitchenCount(service_id=service_id, day=day, category=category, class_name=class_name, booked=n)
        for (category, class_name), n in (groups or {("", ""): 0}).items()
    ]
    created = KitchenCount.objects.bulk_create(rows, ignore_conflicts=True)
    return 1 if created else 0


def close_past_days(calendar: Calendar) -> int:
    """For each service day already over at the school: the meals booked and not taken become "not taken",
    and the counts get how many were taken. Returns how many bookings became "not taken"."""
    not_taken = 0
    for establishment_id, services in calendar.services.items():
        today = calendar.today(establishment_id)
        first = today - datetime.timedelta(days=CATCH_UP_DAYS)
        open_days = (
            KitchenCount.objects.filter(service__in=services, day__gte=first, day__lt=today, taken__isnull=True)
            .values_list("service_id", "day")
            .order_by()
            .distinct()
        )
        for service_id, day in list(open_days):
            not_taken += _close(service_id, day)
    return not_taken


@transaction.atomic
def _close(service_id: int, day: datetime.date) -> int:
    missed = MealBooking.objects.filter(service_id=service_id, day=day, status=BookingStatus.BOOKED).update(
        status=BookingStatus.NOT_TAKEN
    )
    taken = _groups(service_id, day, [BookingStatus.TAKEN, BookingStatus.WALK_IN])
    counts = list(KitchenCount.objects.filter(service_id=service_id, day=day))
    for count in counts:
        count.taken = taken.pop((count.category, count.class_name), 0)
    KitchenCount.objects.bulk_update(counts, ["taken"])
    KitchenCount.objects.bulk_create(  # classes that booked nothing and ate anyway
        KitchenCount(service_id=service_id, day=day, category=category, class_name=class_name, booked=0, taken=n)
        for (category, class_name), n in taken.items()
    )
    log.info("Kitchen day closed: service %s on %s, %s booked meals not taken.", service_id, day, missed)
    return missed
