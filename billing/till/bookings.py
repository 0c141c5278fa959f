"""What meal booking changes at the till and at the cut-off, in money.

At the till (``record_passages``): a passage consumes the pupil's booking of that service and day; a meal
taken without booking costs what the establishment says (normal price, a surcharge in %, a fixed price) or is
refused. The day after (``charge_not_taken``, run by the cut-off task): a booked meal not taken is debited
when the establishment says so, once (its reference is unique), as "Repas réservé non consommé".
A booking itself is never a debit.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from billing import references
from billing.ledger import Movement, book_many
from billing.models import EntryKind, LedgerEntry
from canteen.booking.models import BookingSettings, BookingStatus, MealBooking, Service, ServiceKind, UnbookedPolicy
from canteen.models import Pupil, meal_prices
from portal.lib.localtime import today_at, zone_of
from portal.lib.money import CENT

log = logging.getLogger(__name__)

# A passage from this hour on (school's clock) is the dinner's, when the school serves one.
DINNER_FROM = datetime.time(16, 0)
# How far back the task charges booked meals not taken (a worker down over a long weekend).
CHARGE_WINDOW_DAYS = 7
UNBOOKED_SURCHARGE_LABEL = "Repas non réservé (majoration)"
NOT_TAKEN_LABEL = "Repas réservé non consommé"
NOT_TAKEN_UNDONE_LABEL = "Repas réservé non consommé : annulé, repas pris"


class RefusedUnbooked(Exception):
    """The establishment refuses meals taken without booking."""


@dataclass
class Outcome:
    """What booking changes for one passage: whether it was booked, the price applied, the label, and what to
    write on the booking rows once the meal is booked."""

    booked: bool | None  # None: the school takes no bookings
    amount: Decimal
    label: str
    booking_id: int | None = None
    walk_in: tuple[int, int, datetime.date] | None = None  # (pupil, service, day) of a meal taken unbooked
    reversal: Movement | None = None  # a "not taken" charge taken back: the meal was taken after all


class TillBookings:
    """The booking rules of one till's establishment for a batch of passages, read in a few queries."""

    def __init__(self, establishment):
        self.settings = BookingSettings.objects.filter(establishment=establishment, enabled=True).first()
        self.services = list(Service.objects.filter(establishment=establishment)) if self.settings else []
        self.bookings: dict[tuple[int, int, datetime.date], tuple[int, str]] = {}
        self.charged: set[int] = set()  # bookings "not taken" already charged

    def load(self, keys: set[tuple[int, datetime.datetime]]) -> None:
        """Read the bookings of these (pupil id, local time) passages in one query."""
        if not self.services:
            return
        pupil_ids = {pupil_id for pupil_id, _at in keys}
        days = {at.date() for _pupil, at in keys}
        rows = MealBooking.objects.filter(pupil_id__in=pupil_ids, day__in=days)
        found = list(rows.values_list("pk", "pupil_id", "service_id", "day", "status"))
        missed = [pk for pk, *_rest, status in found if status == BookingStatus.NOT_TAKEN]
        if missed:
            # A meal sent late for a booking "not taken": the row lock makes the charging task and this passage
            # queue up, so that the charge is either not made or taken back, never kept beside the meal.
            found = list(
                rows.select_for_update().order_by("pk").values_list("pk", "pupil_id", "service_id", "day", "status")
            )
            refs = [references.booking_not_taken(pk) for pk in missed]
            charged = LedgerEntry.objects.filter(reference__in=refs).values_list("reference", flat=True)
            self.charged = {int(ref.split(":")[1]) for ref in charged}
        self.bookings = {(pupil_id, service_id, day): (pk, status) for pk, pupil_id, service_id, day, status in found}

    def service_at(self, local_at: datetime.datetime) -> Service | None:
        kinds = {s.kind: s for s in self.services}
        if local_at.time() >= DINNER_FROM and ServiceKind.DINNER in kinds:
            return kinds[ServiceKind.DINNER]
        return kinds.get(ServiceKind.LUNCH) or next(iter(kinds.values()), None)

    def outcome(self, pupil_id: int, local_at: datetime.datetime, amount: Decimal) -> Outcome:
        """The price and label of a passage of ``amount`` (the meal's price), or ``RefusedUnbooked``."""
        service = self.service_at(local_at) if self.settings else None
        if service is None:
            return Outcome(None, amount, "Self")
        key = (pupil_id, service.pk, local_at.date())
        found = self.bookings.get(key)
        if found is not None and found[1] in (BookingStatus.BOOKED, BookingStatus.NOT_TAKEN):
            pk, status = found
            reversal = None
            if status == BookingStatus.NOT_TAKEN and pk in self.charged:
                reversal = Movement(
                    pupil_id,
                    EntryKind.CORRECTION,
                    amount,
                    NOT_TAKEN_UNDONE_LABEL,
                    references.booking_not_taken_undone(pk),
                )
            self.bookings[key] = (pk, BookingStatus.TAKEN)
            return Outcome(True, amount, "Self", booking_id=pk, reversal=reversal)
        policy = self.settings.unbooked_policy
        if policy == UnbookedPolicy.REFUSED:
            raise RefusedUnbooked
        walk_in = key if found is None else None  # a second passage the same day is a second meal, unbooked
        if policy == UnbookedPolicy.PERCENT and self.settings.unbooked_surcharge_percent:
            surcharged = amount * (1 + self.settings.unbooked_surcharge_percent / 100)
            return Outcome(False, surcharged.quantize(CENT, ROUND_HALF_UP), UNBOOKED_SURCHARGE_LABEL, walk_in=walk_in)
        if policy == UnbookedPolicy.FIXED and self.settings.unbooked_fixed_price:
            return Outcome(False, self.settings.unbooked_fixed_price, UNBOOKED_SURCHARGE_LABEL, walk_in=walk_in)
        return Outcome(False, amount, "Self", walk_in=walk_in)

    def save(self, outcomes: list[Outcome]) -> None:
        """Write on the booking rows what the booked passages did (in the caller's transaction)."""
        taken = [o.booking_id for o in outcomes if o.booking_id is not None]
        if taken:
            MealBooking.objects.filter(pk__in=taken).update(status=BookingStatus.TAKEN)
        walk_ins = {o.walk_in for o in outcomes if o.walk_in is not None}
        if walk_ins:
            MealBooking.objects.bulk_create(
                [MealBooking(pupil_id=p, service_id=s, day=d, status=BookingStatus.WALK_IN) for p, s, d in walk_ins],
                ignore_conflicts=True,
            )


def charge_not_taken() -> int:
    """Debit each booked meal not taken of the last days, at the establishments that charge them; returns how
    many were debited by this call. Safe to run twice: each charge's reference is unique."""
    establishments = {
        s.establishment_id: s.establishment
        for s in BookingSettings.objects.filter(enabled=True, charge_unconsumed=True).select_related("establishment")
    }
    charged = 0
    for establishment in establishments.values():
        today = today_at(establishment)
        missed = list(
            MealBooking.objects.filter(
                service__establishment=establishment,
                status=BookingStatus.NOT_TAKEN,
                day__gte=today - datetime.timedelta(days=CHARGE_WINDOW_DAYS),
                day__lt=today,
            ).values_list("pk", "pupil_id", "day")
        )
        charged += _charge(establishment, missed)
    log.info("Booked meals not taken: %s charged.", charged)
    return charged


def _charge(establishment, missed: list[tuple[int, int, datetime.date]], chunk: int = 2000) -> int:
    charged = 0
    for start in range(0, len(missed), chunk):
        with transaction.atomic():
            charged += _charge_chunk(establishment, missed[start : start + chunk])
    return charged


def _charge_chunk(establishment, part: list[tuple[int, int, datetime.date]]) -> int:
    """Charge these bookings still "not taken" once locked (a till may have sent the meal meanwhile) and not
    charged yet."""
    still = set(
        MealBooking.objects.select_for_update()
        .filter(pk__in=[pk for pk, _pupil, _day in part], status=BookingStatus.NOT_TAKEN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    refs = {pk: references.booking_not_taken(pk) for pk, _pupil, _day in part if pk in still}
    done = set(LedgerEntry.objects.filter(reference__in=refs.values()).values_list("reference", flat=True))
    todo = [(pk, pupil_id, day) for pk, pupil_id, day in part if pk in refs and refs[pk] not in done]
    pupils = Pupil.objects.select_related("establishment").in_bulk({pupil_id for _pk, pupil_id, _day in todo})
    movements = []
    for day in sorted({day for _pk, _pupil, day in todo}):
        prices = meal_prices([pupils[p] for _pk, p, d in todo if d == day], day)
        movements += [
            Movement(p, EntryKind.MEAL, -prices[p], NOT_TAKEN_LABEL, refs[pk], _noon(day, establishment))
            for pk, p, d in todo
            if d == day and prices[p]
        ]
    movements.sort(key=lambda m: m.pupil_id)
    return sum(1 for booking in book_many(movements) if booking.created) if movements else 0


def _noon(day: datetime.date, establishment) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12, 0), tzinfo=zone_of(establishment))
