"""The evening before a cut-off: a child who usually eats at the canteen (meals in the last four weeks) and has
nothing booked for the days that close within a day → one email and one notification to each guardian (not
to those who turned reminders off in "Mon profil"), in their language, with a link straight to the grid.
A guardian of two such children gets one message naming both; two guardians of one child get one each."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils import translation

from billing.models import EntryKind, LedgerEntry
from canteen.booking.calendar import ONE_DAY, Calendar
from canteen.booking.models import BookingStatus, MealBooking
from canteen.models import AlertSettings, Establishment, Guardianship
from portal.lib.emails import queue_email

from .models import Notification, NotificationKind
from .notifications import notify

log = logging.getLogger(__name__)

HISTORY = datetime.timedelta(days=28)
USUAL_MEALS = 4  # at least this many meals in the last four weeks: the child usually eats at the canteen
WITHIN = datetime.timedelta(hours=24)
# A second run the same evening sends nothing again.
ALREADY_REMINDED = datetime.timedelta(hours=20)


def closing_days(calendar: Calendar) -> dict[int, set[datetime.date]]:
    """Per establishment, the service days whose cut-off falls within the next 24 hours."""
    days: dict[int, set[datetime.date]] = {}
    for establishment_id, services in calendar.services.items():
        day, last = calendar.today(establishment_id), calendar.today(establishment_id) + datetime.timedelta(days=16)
        while day <= last:
            for service in services:
                state = calendar.state(service, day)
                if state.open and state.cutoff - calendar.now <= WITHIN:
                    days.setdefault(establishment_id, set()).add(day)
            day += ONE_DAY
    return days


def remind_unbooked(now: datetime.datetime | None = None) -> int:
    """Send tonight's reminders; returns how many guardians were reminded."""
    calendar = Calendar(Establishment.objects.filter(booking_settings__enabled=True), now=now)
    days = closing_days(calendar)
    if not days:
        return 0
    usual = set(
        LedgerEntry.objects.filter(
            kind=EntryKind.MEAL,
            occurred_at__gte=calendar.now - HISTORY,
            wallet__pupil__establishment_id__in=days,
            wallet__pupil__active=True,
        )
        .values("wallet__pupil_id")
        .annotate(meals=Count("pk"))
        .filter(meals__gte=USUAL_MEALS)
        .values_list("wallet__pupil_id", flat=True)
    )
    all_days = set().union(*days.values())
    booked = set(
        MealBooking.objects.filter(pupil_id__in=usual, day__in=all_days)
        .exclude(status=BookingStatus.WALK_IN)
        .values_list("pupil_id", "day")
    )
    off = AlertSettings.objects.filter(booking_reminders=False).values("user_id")
    recent = Notification.objects.filter(
        kind=NotificationKind.BOOKING_REMINDER, created_at__gte=calendar.now - ALREADY_REMINDED
    ).values("user_id")
    links = (
        Guardianship.objects.filter(pupil_id__in=usual)
        .exclude(user_id__in=off)
        .exclude(user_id__in=recent)
        .select_related("pupil", "user")
        .order_by("user_id", "pupil__first_name")
    )
    children: dict[int, list] = defaultdict(list)
    users = {}
    for link in links:
        pupil = link.pupil
        if not any((pupil.pk, day) in booked for day in days.get(pupil.establishment_id, ())):
            children[link.user_id].append(pupil)
            users[link.user_id] = link.user
    languages = dict(AlertSettings.objects.filter(user_id__in=users).values_list("user_id", "language"))
    grid = settings.SITE_URL + reverse("portal:bookings")
    notices = []
    for user_id, pupils in children.items():
        first = min(min(days[p.establishment_id]) for p in pupils)
        cutoff = _first_cutoff(calendar, pupils, days)
        names = ", ".join(p.first_name for p in pupils)
        notices.append(
            Notification(
                user_id=user_id,
                kind=NotificationKind.BOOKING_REMINDER,
                params={"pupils": names, "cutoff": cutoff},
                link=reverse("portal:bookings"),
            )
        )
        with translation.override(languages.get(user_id) or "fr"):
            queue_email(
                "booking-reminder",
                users[user_id].email,
                {"pupils": names, "count": len(pupils), "day": first.strftime("%d/%m"), "cutoff": cutoff, "url": grid},
            )
    notify(notices)
    log.info("Booking reminders: %s guardians reminded.", len(notices))
    return len(notices)


def _first_cutoff(calendar: Calendar, pupils, days) -> str:
    """The soonest cut-off of these children's closing days, as "10/03 09:30" on the school's clock."""
    moments = [
        state.cutoff
        for p in pupils
        for service in calendar.services[p.establishment_id]
        for day in days[p.establishment_id]
        if (state := calendar.state(service, day)).open
    ]
    soonest = min(moments)
    return f"{soonest:%d/%m %H:%M}"
