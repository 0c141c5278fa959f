"""« Réserver mes repas »: every child's coming weeks on one page, each day booked or unbooked with one tap,
the balance after the booked meals beside the balance; "book every Monday, Tuesday, Thursday until the
holidays" and "the same meals for Hugo".

Works as plain forms (each tap posts and comes back to the grid); ``static/js/bookings.js`` sends the same
posts in the background and updates the page. Every rule is checked on the server (``canteen.booking``): a
locked day is refused whatever the page showed. The page reads the same handful of queries whatever the
number of children and weeks.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from billing import precomputed
from canteen.booking import bookings as rules
from canteen.booking.calendar import Calendar
from canteen.booking.models import BookingStatus, Service
from canteen.models import AlertSettings, Guardianship, PriceList, Pupil
from portal.lib import cached_pages
from portal.lib.cached_pages import render_kept
from portal.lib.money import ZERO, euros

WEEKDAYS = [(1, gettext_lazy("lundi")), (2, gettext_lazy("mardi")), (3, gettext_lazy("mercredi"))]
WEEKDAYS += [(4, gettext_lazy("jeudi")), (5, gettext_lazy("vendredi"))]


# A day's button, written here once per cell rather than by a dozen tags and filters (the page has a hundred).
BUTTON = (
    '<button type="submit" name="{name}" value="{value}" class="booking-day{css}" aria-pressed="{pressed}"{lock}>'
    '<span class="booking-dayname">{dayname}</span> <span class="booking-date">{date}</span> '
    '<i class="bi {icon}" aria-hidden="true"></i> <span class="visually-hidden">{said}</span></button>'
)


@dataclass
class Week:
    monday: datetime.date
    rows: list[tuple[Service, list[str]]] = field(default_factory=list)  # each day's button, as HTML


@dataclass
class ChildGrid:
    pupil: Pupil
    balance: Decimal
    estimate: Decimal
    allowed_below: bool
    required: bool
    weeks: list[Week]
    services: list[Service]
    siblings: list[Pupil]  # of the same school: "the same meals for…"

    @property
    def short(self) -> bool:
        return self.estimate < 0


class Family:
    """A parent's children with their schools' booking rules, bookings, prices and balances, in six queries."""

    def __init__(self, user):
        self.children = list(
            Pupil.objects.guarded_by(user).active().select_related("establishment", "wallet").order_by("first_name")
        )
        self.calendar = Calendar({c.establishment for c in self.children})
        self.children = [c for c in self.children if self.calendar.enabled(c.establishment_id)]
        firsts = [self.calendar.first_day(c.establishment_id) for c in self.children]
        lasts = [self.calendar.last_day(c.establishment_id) for c in self.children]
        self.booked = rules.booked([c.pk for c in self.children], min(firsts), max(lasts)) if self.children else {}
        self.prices = PriceList({c.establishment_id for c in self.children})
        self._states: dict = {}
        self._labels: dict[datetime.date, tuple[str, str]] = {}
        self._said = (_("réservé"), _("non réservé"))

    def child(self, pupil_id) -> Pupil:
        """The parent's own child, or 404: a parent acts only for their children."""
        for child in self.children:
            if str(child.pk) == str(pupil_id):
                return child
        raise Http404

    def estimate(self, child: Pupil) -> Decimal:
        """The balance once the meals booked from today on are taken (each at its day's price)."""
        today = self.calendar.today(child.establishment_id)
        spent = sum(
            (
                self.prices.price_of(child, day) or ZERO
                for (pupil, _s, day), status in self.booked.items()
                if pupil == child.pk and day >= today and status == BookingStatus.BOOKED
            ),
            ZERO,
        )
        return child.wallet.balance - spent

    def grid(self, child: Pupil) -> ChildGrid:
        establishment_id = child.establishment_id
        services = self.calendar.services.get(establishment_id, [])
        weeks: dict[datetime.date, Week] = {}
        for day in self.calendar.days(establishment_id):
            monday = day - datetime.timedelta(days=day.weekday())
            week = weeks.setdefault(monday, Week(monday))
            for service in services:
                row = next((cells for s, cells in week.rows if s == service), None)
                if row is None:
                    row = []
                    week.rows.append((service, row))
                if service.runs_on(day):
                    row.append(self.button(child, service, day))
        siblings = [c for c in self.children if c.pk != child.pk and c.establishment_id == establishment_id]
        settings = self.calendar.settings[establishment_id]
        return ChildGrid(
            child,
            child.wallet.balance,
            self.estimate(child),
            settings.allow_insufficient_balance,
            settings.required,
            list(weeks.values()),
            services,
            siblings,
        )

    def button(self, child: Pupil, service: Service, day: datetime.date) -> str:
        """One day's button: booked or not, locked with its reason when past the cut-off (or closed)."""
        if (service.pk, day) not in self._states:
            self._states[(service.pk, day)] = self.calendar.state(service, day)
        if day not in self._labels:
            self._labels[day] = (formats.date_format(day, "D"), day.strftime("%d/%m"))
        state, (dayname, date) = self._states[(service.pk, day)], self._labels[day]
        booked = (child.pk, service.pk, day) in self.booked
        said = self._said[0] if booked else self._said[1]
        return BUTTON.format(
            name="unbook" if booked else "book",
            value=f"{child.pk}:{service.pk}:{day}",
            css=(" booked" if booked else "") + ("" if state.open else " locked"),
            pressed="true" if booked else "false",
            lock="" if state.open else f' disabled title="{escape(state.reason)}"',
            dayname=escape(dayname),
            date=date,
            icon="bi-lock" if not state.open else "bi-check-circle-fill" if booked else "bi-circle",
            said=escape(said if state.open else f"{said} — {state.reason}"),
        )

    def next_cutoff(self) -> datetime.datetime | None:
        """The soonest cut-off of a day shown open: the page changes then."""
        return min((state.cutoff for state in self._states.values() if state.open), default=None)

    def can_afford(self, child: Pupil, days: list[datetime.date]) -> bool:
        """Whether the school lets this child book these meals: always, unless it refuses bookings beyond the
        balance after the meals already booked."""
        if self.calendar.settings[child.establishment_id].allow_insufficient_balance:
            return True
        cost = sum((self.prices.price_of(child, day) or ZERO for day in days), ZERO)
        return self.estimate(child) - cost >= 0


@login_required
def grid(request):
    """Every child's weeks; kept for the family (``portal.lib.cached_pages``) until a booking, a payment, a meal or
    the school's settings change, or the next cut-off locks a day."""

    def context() -> dict:
        family = Family(request.user)
        grids = [family.grid(child) for child in family.children]
        for grid in grids:  # our own markup, every text in it escaped by ``Family.button``
            for week in grid.weeks:
                week.rows = [(service, mark_safe("".join(cells))) for service, cells in week.rows]
        return {
            "grids": grids,
            "weekdays": WEEKDAYS,
            "schools": {child.establishment for child in family.children},
            "until": family.next_cutoff(),
        }

    return render_kept(request, "portal/bookings.html", context)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _changed(child: Pupil) -> None:
    """The child's bookings changed: its forecast is computed again, its families' kept pages renewed."""
    precomputed.forget_bookings([child.pk])
    cached_pages.bump(Guardianship.objects.filter(pupil=child).values_list("user_id", flat=True))


def _answer(request, ok: bool, message: str, family: Family | None = None, child: Pupil | None = None, **extra):
    """JSON for the page's script (with the child's new balances), or the message and back to the grid."""
    if _wants_json(request):
        data = {"ok": ok, "message": message, **extra}
        if family is not None and child is not None:
            estimate = family.estimate(child)
            data.update(estimate=euros(estimate), short=estimate < 0, pupil=child.pk)
        return JsonResponse(data, status=200 if ok else 400)
    (messages.success if ok else messages.error)(request, message)
    anchor = f"#enfant-{child.pk}" if child is not None else ""
    return redirect(reverse("portal:bookings") + anchor)


def _parse(value: str) -> tuple[str, int, datetime.date] | None:
    """ "pupil:service:YYYY-MM-DD" as posted by a day's button, or None."""
    parts = value.split(":") if isinstance(value, str) and len(value) < 40 else []
    if len(parts) != 3 or not parts[1].isascii() or not parts[1].isdigit():
        return None
    try:
        return parts[0], int(parts[1]), datetime.date.fromisoformat(parts[2])
    except ValueError:
        return None


def _remember_language(user) -> None:
    """The language the parent books in: their reminders are written in it (``portal.family.reminders``)."""
    language = translation.get_language() or "fr"
    if not AlertSettings.objects.filter(user=user, language=language).exists():
        AlertSettings.objects.update_or_create(user=user, defaults={"language": language})


def _day_label(day: datetime.date) -> str:
    return formats.date_format(day, "l d/m")


@login_required
@require_POST
def toggle(request):
    """Book (``book``) or unbook (``unbook``) one day of one child: the answer says what was done, or why not."""
    action = "book" if "book" in request.POST else "unbook" if "unbook" in request.POST else None
    parsed = _parse(request.POST.get(action, "")) if action else None
    if parsed is None:
        return _answer(request, False, _("Demande de réservation mal formée : rechargez la page."))
    family = Family(request.user)
    child = family.child(parsed[0])
    _remember_language(request.user)
    service = family.calendar.service(child.establishment_id, parsed[1])
    if service is None:
        raise Http404
    day = parsed[2]
    try:
        if action == "book":
            if (child.pk, service.pk, day) not in family.booked and not family.can_afford(child, [day]):
                raise rules.BookingRefused(
                    _("Solde insuffisant : l'établissement n'accepte pas de réservation au-delà du solde.")
                )
            if rules.book(family.calendar, child, service, day, request.user):
                _changed(child)
            family.booked[(child.pk, service.pk, day)] = BookingStatus.BOOKED
            message = _("Repas réservé : %(name)s, %(day)s.") % {"name": child.first_name, "day": _day_label(day)}
        else:
            if rules.unbook(family.calendar, child, service, day):
                _changed(child)
            family.booked.pop((child.pk, service.pk, day), None)
            message = _("Réservation annulée : %(name)s, %(day)s.") % {"name": child.first_name, "day": _day_label(day)}
    except rules.BookingRefused as refused:
        return _answer(request, False, str(refused), family, child)
    return _answer(request, True, message, family, child, booked=action == "book")


@login_required
@require_POST
def repeat(request):
    """Book the chosen weekdays of one child, every week from now until the holidays (the open days only)."""
    family = Family(request.user)
    child = family.child(request.POST.get("pupil", ""))
    chosen = {int(d) for d in request.POST.getlist("weekdays") if d in {"1", "2", "3", "4", "5", "6", "7"}}
    services = family.calendar.services.get(child.establishment_id, [])
    service = next((s for s in services if str(s.pk) == request.POST.get("service")), services[0] if services else None)

    if not chosen or service is None:
        return _answer(request, False, _("Choisissez au moins un jour de la semaine."), child=child)
    until = family.calendar.until_holidays(child.establishment_id)
    wanted = []
    for day in family.calendar.days(child.establishment_id):
        if day <= until and day.isoweekday() in chosen and family.calendar.state(service, day).open:
            if (child.pk, service.pk, day) not in family.booked:
                wanted.append((service, day))
    wanted = _affordable(family, child, wanted)
    count = rules.book_many(family.calendar, child, wanted, request.user)
    if count:
        _changed(child)
    message = ngettext(
        "%(count)d repas réservé pour %(name)s jusqu'au %(until)s.",
        "%(count)d repas réservés pour %(name)s jusqu'au %(until)s.",
        count,
    ) % {"count": count, "name": child.first_name, "until": formats.date_format(until, "d/m")}
    return _answer(request, True, message, child=child)


@login_required
@require_POST
def copy(request):
    """The same meals for a brother or sister of the same school: every open day the first is booked for."""
    family = Family(request.user)
    source = family.child(request.POST.get("from", ""))
    target = family.child(request.POST.get("to", ""))
    if source.establishment_id != target.establishment_id or source.pk == target.pk:
        return _answer(request, False, _("Les deux enfants doivent être du même établissement."), child=target)
    wanted = []
    for pupil_id, service_id, day in sorted(family.booked, key=lambda key: key[2]):
        service = family.calendar.service(source.establishment_id, service_id)
        if pupil_id == source.pk and service and family.calendar.state(service, day).open:
            if (target.pk, service_id, day) not in family.booked:
                wanted.append((service, day))
    wanted = _affordable(family, target, wanted)
    count = rules.book_many(family.calendar, target, wanted, request.user)
    if count:
        _changed(target)
    message = ngettext(
        "%(count)d repas réservé pour %(name)s, comme pour %(source)s.",
        "%(count)d repas réservés pour %(name)s, comme pour %(source)s.",
        count,
    ) % {"count": count, "name": target.first_name, "source": source.first_name}
    return _answer(request, True, message, child=target)


def _affordable(family: Family, child: Pupil, wanted: list[tuple[Service, datetime.date]]):
    """The first meals of ``wanted`` the balance allows, where the school refuses bookings beyond it."""
    while wanted and not family.can_afford(child, [day for _s, day in wanted]):
        wanted = wanted[:-1]
    return wanted
