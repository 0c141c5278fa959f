"""Which days a pupil may book, and until when: the establishment's services, cut-offs, weeks ahead and
closed days, read once for many pupils (a family's grid, the reminders, the cut-off task)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.lib.localtime import zone

from ..models import closed_days_of
from .models import BookingSettings, Service, ServiceKind

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class DayState:
    """What a parent may do with one service on one day: ``open`` to book, or the French reason why not."""

    open: bool
    reason: str = ""
    cutoff: datetime.datetime | None = None


class Calendar:
    """The booking rules of some establishments: their settings, services and closed days, in three queries."""

    def __init__(self, establishments, *, now: datetime.datetime | None = None):
        establishments = list(establishments)
        self.now = now or timezone.now()
        self.zones = {e.pk: e.timezone for e in establishments}
        self.settings = {
            s.establishment_id: s for s in BookingSettings.objects.filter(establishment_id__in=self.zones, enabled=True)
        }
        self.services: dict[int, list[Service]] = {}
        for service in Service.objects.filter(establishment_id__in=self.settings):
            self.services.setdefault(service.establishment_id, []).append(service)
        for services in self.services.values():  # the lunch first: the grid's first row, the default service
            services.sort(key=lambda s: (s.kind != ServiceKind.LUNCH, s.kind))
        last = max((self.last_day(pk) for pk in self.settings), default=None)
        first = min((self.today(pk) for pk in self.settings), default=None)
        self.closed = closed_days_of(self.settings, first, last) if first else {}

    def enabled(self, establishment_id: int) -> bool:
        return establishment_id in self.settings

    def today(self, establishment_id: int) -> datetime.date:
        """The date at the school at ``now``."""
        return timezone.localdate(self.now, zone(self.zones[establishment_id]))

    def first_day(self, establishment_id: int) -> datetime.date:
        """The Monday of this week at the school: the grid starts there, past days shown locked."""
        today = self.today(establishment_id)
        return today - datetime.timedelta(days=today.weekday())

    def last_day(self, establishment_id: int) -> datetime.date:
        """The last bookable day: the Sunday ending the weeks the school opens ahead."""
        weeks = self.settings[establishment_id].weeks_ahead
        return self.first_day(establishment_id) + datetime.timedelta(weeks=weeks + 1) - ONE_DAY

    def days(self, establishment_id: int) -> list[datetime.date]:
        """The grid's days: every weekday a service runs, from this week's Monday to the last bookable day."""
        services = self.services.get(establishment_id, [])
        day, last, days = self.first_day(establishment_id), self.last_day(establishment_id), []
        while day <= last:
            if any(s.runs_on(day) for s in services):
                days.append(day)
            day += ONE_DAY
        return days

    def is_closed(self, establishment_id: int, day: datetime.date) -> bool:
        return day in self.closed.get(establishment_id, set())

    def state(self, service: Service, day: datetime.date) -> DayState:
        """Whether ``day`` of ``service`` can be booked or unbooked now, with the reason when not."""
        establishment_id = service.establishment_id
        if not self.enabled(establishment_id):
            return DayState(False, _("La réservation des repas n'est pas ouverte dans cet établissement."))
        if not service.runs_on(day):
            return DayState(False, _("Pas de service ce jour-là."))
        if self.is_closed(establishment_id, day):
            return DayState(False, _("Cantine fermée ce jour-là."))
        cutoff = service.cutoff(day, self.zones[establishment_id])
        if self.now >= cutoff:
            return DayState(False, _("Réservations closes depuis le %(when)s.") % {"when": _when(cutoff)}, cutoff)
        if day > self.last_day(establishment_id):
            return DayState(False, _("Trop loin : la réservation n'est pas encore ouverte pour ce jour."), cutoff)
        return DayState(True, "", cutoff)

    def service(self, establishment_id: int, service_id: int) -> Service | None:
        return next((s for s in self.services.get(establishment_id, []) if s.pk == service_id), None)

    def until_holidays(self, establishment_id: int) -> datetime.date:
        """The last bookable day before the next closure of more than two days (the holidays), or the last
        bookable day when none comes sooner."""
        last, closed = self.last_day(establishment_id), self.closed.get(establishment_id, set())
        day = self.today(establishment_id)
        while day <= last:
            if day in closed and day + ONE_DAY in closed and day + 2 * ONE_DAY in closed:
                return day - ONE_DAY
            day += ONE_DAY
        return last


def _when(moment: datetime.datetime) -> str:
    return _("%(day)s à %(time)s") % {"day": moment.strftime("%d/%m"), "time": moment.strftime("%H:%M")}
