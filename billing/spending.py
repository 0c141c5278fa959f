"""Spending at a glance: a child's meals and credits per month over the last 12 months, and the geometry
of the small bar chart drawn from them server-side (SVG, no script, no CDN)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from canteen.models import Pupil
from portal.lib.localtime import midnight, today_at, zone_of
from portal.lib.money import ZERO

from .models import EntryKind, LedgerEntry

MONTHS = 12
# The chart's drawing box (viewBox units): bars grow up from the baseline.
WIDTH, HEIGHT, BASELINE, TOP = 600, 180, 150, 10
SLOT = WIDTH // MONTHS
BAR = 18


@dataclass
class Month:
    month: datetime.date
    meals: Decimal = ZERO  # what the meals cost, as a positive amount
    credits: Decimal = ZERO  # money in: payments, cheques, cash, positive corrections
    # Geometry, set by ``chart``.
    x_meals: int = 0
    x_credits: int = 0
    x_label: int = 0
    h_meals: int = 0
    h_credits: int = 0

    @property
    def y_meals(self) -> int:
        return BASELINE - self.h_meals

    @property
    def y_credits(self) -> int:
        return BASELINE - self.h_credits


def _months_back(today: datetime.date) -> list[datetime.date]:
    months, year, month = [], today.year, today.month
    for _ in range(MONTHS):
        months.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def monthly_spending(pupil: Pupil, today: datetime.date | None = None) -> list[Month]:
    """The last 12 months, oldest first, from one query on the wallet's history index (a year of rows)."""
    school = pupil.establishment
    local = zone_of(school)
    today = today or today_at(school)
    months = {m: Month(m) for m in _months_back(today)}
    start = midnight(min(months), school)
    rows = LedgerEntry.objects.filter(wallet_id=pupil.wallet.pk, occurred_at__gte=start).values_list(
        "occurred_at", "kind", "amount"
    )
    for occurred_at, kind, amount in rows.iterator(chunk_size=2000):
        local_day = occurred_at.astimezone(local).date()
        month = months.get(local_day.replace(day=1))
        if month is None:  # in the future of ``today``
            continue
        if kind == EntryKind.MEAL:
            month.meals -= amount
        elif amount > 0:
            month.credits += amount
    return chart(list(months.values()))


def chart(months: list[Month]) -> list[Month]:
    """Set each month's bar positions and heights, scaled to the largest amount of the year."""
    peak = max([m.meals for m in months] + [m.credits for m in months] + [Decimal("1")])
    for index, m in enumerate(months):
        left = index * SLOT + (SLOT - 2 * BAR) // 2
        m.x_meals, m.x_credits, m.x_label = left, left + BAR, index * SLOT + SLOT // 2
        m.h_meals = int(max(m.meals, ZERO) * (BASELINE - TOP) / peak)
        m.h_credits = int(m.credits * (BASELINE - TOP) / peak)
    return months


def chart_box() -> dict:
    return {"width": WIDTH, "height": HEIGHT, "baseline": BASELINE, "bar": BAR, "label_y": BASELINE + 20}
