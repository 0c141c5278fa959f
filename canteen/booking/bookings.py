"""Booking and unbooking meals: every rule checked on the server, whatever the page showed.

Two taps on the same day (two guardians, two tabs) make one booking: the row is unique per pupil, service
and day, and a second insert finds the first. Nothing here moves money.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import Pupil
from .calendar import Calendar
from .models import BookingStatus, MealBooking, Service


class BookingRefused(Exception):
    """A booking or unbooking that cannot be done; the message is the French reason shown to the parent."""


def check_open(calendar: Calendar, pupil: Pupil, service: Service, day: datetime.date) -> None:
    if not pupil.active:
        raise BookingRefused(_("Cet enfant n'est plus inscrit à la cantine."))
    if service.establishment_id != pupil.establishment_id:
        raise BookingRefused(_("Ce service n'est pas celui de l'établissement de l'enfant."))
    state = calendar.state(service, day)
    if not state.open:
        raise BookingRefused(state.reason)


def book(calendar: Calendar, pupil: Pupil, service: Service, day: datetime.date, user) -> bool:
    """Book the meal; True when this call booked it, False when it already was. ``BookingRefused`` otherwise."""
    check_open(calendar, pupil, service, day)
    try:
        with transaction.atomic():
            MealBooking.objects.create(pupil=pupil, service=service, day=day, booked_by=user)
    except IntegrityError:  # booked meanwhile (another tap, another guardian): one booking all the same
        return False
    return True


def unbook(calendar: Calendar, pupil: Pupil, service: Service, day: datetime.date) -> bool:
    """Cancel the booking before its cut-off; True when there was one."""
    check_open(calendar, pupil, service, day)
    deleted, _rows = MealBooking.objects.filter(
        pupil=pupil, service=service, day=day, status=BookingStatus.BOOKED
    ).delete()
    return bool(deleted)


def book_many(calendar: Calendar, pupil: Pupil, wanted: list[tuple[Service, datetime.date]], user) -> int:
    """Book every open (service, day) of ``wanted`` at once, skipping closed ones; returns how many are new."""
    rows = []
    for service, day in wanted:
        try:
            check_open(calendar, pupil, service, day)
        except BookingRefused:
            continue
        rows.append(MealBooking(pupil=pupil, service=service, day=day, booked_by=user))
    if not rows:
        return 0
    before = MealBooking.objects.filter(pupil=pupil, day__in={r.day for r in rows}).count()
    MealBooking.objects.bulk_create(rows, ignore_conflicts=True)
    return MealBooking.objects.filter(pupil=pupil, day__in={r.day for r in rows}).count() - before


def booked(pupil_ids, first: datetime.date, last: datetime.date) -> dict[tuple[int, int, datetime.date], str]:
    """{(pupil id, service id, day): status} of every meal booked between ``first`` and ``last``, in one query
    (taken or not: the grid shows them booked; only those still "booked" are yet to be paid)."""
    rows = MealBooking.objects.filter(pupil_id__in=pupil_ids, day__gte=first, day__lte=last).exclude(
        status=BookingStatus.WALK_IN
    )
    return {
        (pupil, service, day): status
        for pupil, service, day, status in rows.values_list("pupil_id", "service_id", "day", "status")
    }
