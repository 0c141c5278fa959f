"""Low balances: which guardians must hear that a child's balance went below their threshold.

Checked after each booking commits (``billing.after_booking``), never under the wallet locks: one query reads
the guardians of the wallets that moved, with their threshold (``canteen.AlertSettings``, two meals by
default) and whether each was already told; only when a balance seems to have crossed a guardian's
threshold is ``settle`` run, in a Celery task.

``settle`` locks the pupils' ``LowBalanceAlert`` rows, reads the guardians and the balances again under those
locks, moves each guardian to the side of their threshold the balance is on, and sends ``balance_low`` in that
same transaction for each guardian who must be told: one alert per crossing, whatever the order in which
bookings and tasks run and however often a task is retried; the next alert only once the balance went back
above. An alert says the balance as it is when checked: a crossing already made good by then (a top-up
right after) is not announced. A check that never ran (a broker down when the booking committed) is made by
the next booking of that child.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from canteen.models import AlertSettings, Guardianship, PriceList, alert_threshold
from canteen.prices import PricedPupil
from portal.lib.localtime import today_in

from .models import LowBalanceAlert
from .signals import balance_low


@dataclass(frozen=True)
class LowBalance:
    """What a guardian is told: this child's balance is below their threshold."""

    user_id: int
    pupil_id: int
    balance: Decimal


@dataclass(frozen=True)
class Guard:
    """A guardian of a pupil: the balance under which they want to hear about it (None: they do not), whether
    they were told it is below, and the pupil's balance as read."""

    user_id: int
    pupil_id: int
    threshold: Decimal | None
    told: bool
    balance: Decimal

    def falls(self, balance: Decimal) -> bool:
        return self.threshold is not None and not self.told and balance < self.threshold

    def rises(self, balance: Decimal) -> bool:
        return self.threshold is not None and self.told and balance >= self.threshold


def guards_of(pupil_ids, balances: dict[int, Decimal] | None = None) -> list[Guard]:
    """Every guardian of these pupils, in a few queries whatever their number: the guardians, whether they were
    told, the pupils' schools and categories (and balances, unless given); the guardians' own settings; the
    prices of the schools, by quotient familial where a grid says so (``canteen.prices.PriceList``: a default
    threshold is two meals at the child's price of the school's day)."""
    told = LowBalanceAlert.objects.filter(user_id=OuterRef("user_id"), pupil_id=OuterRef("pupil_id"), below=True)
    columns = ["user_id", "pupil_id", "told", "pupil__establishment_id", "pupil__establishment__timezone"]
    columns += ["pupil__category"] if balances is not None else ["pupil__category", "pupil__wallet__balance"]
    rows = list(
        Guardianship.objects.filter(pupil_id__in=pupil_ids)
        .annotate(told=Exists(told))
        .order_by("user_id", "pupil_id")
        .values_list(*columns)
    )
    if not rows:
        return []
    own = {
        user_id: (enabled, threshold)
        for user_id, enabled, threshold in AlertSettings.objects.filter(
            user_id__in={row[0] for row in rows}
        ).values_list("user_id", "enabled", "threshold")
    }
    prices = PriceList({row[3] for row in rows}, pupil_ids={row[1] for row in rows})
    days = {name: today_in(name) for name in {row[4] for row in rows}}
    guards = []
    for user_id, pupil_id, was_told, school_id, zone_name, category, *balance in rows:
        price = prices.price_of(PricedPupil(pupil_id, school_id, category), days[zone_name])
        threshold = alert_threshold(*own.get(user_id, (True, None)), price)
        guards.append(Guard(user_id, pupil_id, threshold, was_told, balance[0] if balance else balances[pupil_id]))
    return guards


def to_settle(guards: list[Guard], balances: dict[int, Decimal]) -> set[int]:
    """The pupils whose new balance (``balances``, as a booking left them) crossed a guardian's threshold."""
    return {g.pupil_id for g in guards if g.falls(balances[g.pupil_id]) or g.rises(balances[g.pupil_id])}


@transaction.atomic
def settle(pupil_ids) -> list[LowBalance]:
    """Move each guardian of these pupils to the side of their threshold the balance is on now, and tell the
    ones whose child went below (``balance_low``). Returns what they are told."""
    falling = [g for g in guards_of(pupil_ids) if g.falls(g.balance)]
    LowBalanceAlert.objects.bulk_create(
        [LowBalanceAlert(user_id=g.user_id, pupil_id=g.pupil_id) for g in falling], ignore_conflicts=True
    )
    # The pupils' alert rows locked, in one order for every task: a second check of the same pupils waits for
    # this one, then reads what it decided. Read again under the locks, the balances are as they stand.
    list(LowBalanceAlert.objects.select_for_update().filter(pupil_id__in=pupil_ids).order_by("pk").values("pk"))
    now, told = timezone.now(), []
    for g in guards_of(pupil_ids):
        pair = LowBalanceAlert.objects.filter(user_id=g.user_id, pupil_id=g.pupil_id)
        if g.falls(g.balance):
            pair.update(below=True, changed_at=now)
            told.append(LowBalance(g.user_id, g.pupil_id, g.balance))
        elif g.rises(g.balance):
            pair.update(below=False, changed_at=now)
    if told:
        balance_low.send(sender=LowBalanceAlert, alerts=told)
    return told
