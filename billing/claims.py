"""The State's "cantine à 1 €": for a month and an establishment, the meals billed at most 1 € and the aid due
for them (3 € each), by band, for the town's finance office; and whether the school's grids meet the
conditions (at least three bands, one at most 1 €).

The meals counted are the ledger's: each meal debited at the till that month (the school's local days), at the
price it was billed. A price is named by the bands of the month's grids that have it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from canteen.models import Establishment, TariffGrid
from canteen.quotient import CLAIM_AID_PER_MEAL, CLAIM_PRICE_CEILING, band_label, meets_claim_conditions
from portal.lib.csvfiles import csv_download, text_cell
from portal.lib.localtime import zone_of
from portal.lib.money import ZERO

from .models import EntryKind, LedgerEntry


@dataclass(frozen=True)
class ClaimLine:
    bands: str  # "0–500", or "0–500 / 0–400" when two grids of the month have that price
    price: Decimal
    meals: int

    @property
    def aid(self) -> Decimal:
        return CLAIM_AID_PER_MEAL * self.meals


@dataclass(frozen=True)
class GridCheck:
    grid: TariffGrid
    bands: int
    lowest: Decimal | None
    eligible: bool


@dataclass
class Claim:
    establishment: Establishment
    month: datetime.date
    lines: list[ClaimLine] = field(default_factory=list)
    grids: list[GridCheck] = field(default_factory=list)

    @property
    def meals(self) -> int:
        return sum(line.meals for line in self.lines)

    @property
    def aid(self) -> Decimal:
        return sum((line.aid for line in self.lines), ZERO)

    @property
    def eligible(self) -> bool:
        """The conditions are met when every grid of the month meets them (and there is one)."""
        return bool(self.grids) and all(check.eligible for check in self.grids)


def month_bounds(establishment: Establishment, month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The first instant of the month and of the next one, at the school."""
    zone = zone_of(establishment)
    start = datetime.datetime(month.year, month.month, 1, tzinfo=zone)
    following = datetime.datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=zone)
    return start, following


def grids_of_month(establishment: Establishment, month: datetime.date) -> list[TariffGrid]:
    """Each category's grid in force on the month's first day, and those starting within the month."""
    first = month.replace(day=1)
    last = (month_bounds(establishment, month)[1] - datetime.timedelta(days=1)).date()
    grids = list(
        TariffGrid.objects.filter(establishment=establishment, valid_from__lte=last)
        .prefetch_related("bands")
        .order_by("category", "-valid_from")
    )
    kept, seen_before_month = [], set()
    for grid in grids:  # newest first within a category
        if grid.valid_from > first:
            kept.append(grid)
        elif grid.category not in seen_before_month:
            seen_before_month.add(grid.category)
            kept.append(grid)
    return kept


def meal_claim(establishment: Establishment, month: datetime.date) -> Claim:
    """The month's meals billed at most 1 €, by price and band, and the conditions of the month's grids."""
    start, end = month_bounds(establishment, month)
    counts = (
        LedgerEntry.objects.filter(
            kind=EntryKind.MEAL,
            wallet__pupil__establishment=establishment,
            occurred_at__gte=start,
            occurred_at__lt=end,
            amount__lte=ZERO,
            amount__gte=-CLAIM_PRICE_CEILING,
        )
        .values("amount")
        .annotate(meals=Count("pk"))
        .order_by("-amount")
    )
    grids = grids_of_month(establishment, month)
    names: dict[Decimal, list[str]] = {}
    for grid in grids:
        for band in grid.bands.all():
            label = band_label(band.lower, band.upper)
            if label not in names.setdefault(band.price, []):
                names[band.price].append(label)
    claim = Claim(establishment, month.replace(day=1))
    for row in counts:
        price = -row["amount"]
        claim.lines.append(ClaimLine(" / ".join(names.get(price, [])) or _("hors grille"), price, row["meals"]))
    for grid in grids:
        prices = [band.price for band in grid.bands.all()]
        claim.grids.append(GridCheck(grid, len(prices), min(prices, default=None), meets_claim_conditions(prices)))
    return claim


def claim_csv(claim: Claim):
    """The claim for the finance office: one line per band, then the total."""
    rows = [
        [text_cell(line.bands), number_format(line.price, 2), line.meals, number_format(line.aid, 2)]
        for line in claim.lines
    ]
    rows.append([_("Total"), "", claim.meals, number_format(claim.aid, 2)])
    filename = f"cantine-1-euro-{claim.establishment.code}-{claim.month:%Y-%m}.csv"
    return csv_download(
        filename,
        [_("Tranche de quotient familial"), _("Prix du repas"), _("Repas"), _("Aide due (3 € par repas)")],
        rows,
    )
