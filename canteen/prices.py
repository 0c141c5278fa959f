"""The price of a meal for a pupil on a day: the one place every app reads it (the till, the family's pages,
the minimum top-up, direct debits, the forecast, the alerts).

A category is priced either by a plain tariff (``Tariff``: one price from a date) or by a grid of QF bands
(``TariffGrid``); on a day the newer of the two in force applies (a grid on the same day wins). Under a grid, a
pupil pays the band of their household's QF in force that day (see ``canteen.quotient`` for whose QF counts),
or the grid's default price without one.

Queries: ``PriceList`` reads the tariffs and the grids of its establishments in two queries, then, only if a
grid exists, the QFs in force and who guards whom in two more: four at most, whatever the number of pupils.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.utils.translation import gettext

from portal.lib.localtime import today_at

from .models import Guardianship, Tariff
from .quotient import FamilyQuotient, QuotientStatus, TariffGrid, band_label


@dataclass(frozen=True)
class MealPrice:
    """A price and, under a QF grid, the band it comes from ("0–500"; None for the grid's default price)."""

    amount: Decimal
    by_quotient: bool = False
    band: str | None = None

    def describe(self) -> str:
        """What the family reads after the price: "tarif quotient familial 0–500"; empty for a plain tariff."""
        if not self.by_quotient:
            return ""
        if self.band is None:
            return gettext("tarif sans quotient familial validé")
        return gettext("tarif quotient familial %(band)s") % {"band": self.band}


class PricedPupil(NamedTuple):
    """What a price needs of a pupil, when the pupil was read as values."""

    pk: int
    establishment_id: int
    category: str


@dataclass(frozen=True)
class _Grid:
    valid_from: datetime.date
    default_price: Decimal
    bands: tuple[tuple[int, int | None, Decimal], ...]  # (lower, upper, price), by lower

    def price_for(self, quotient: int | None) -> MealPrice:
        if quotient is not None:
            for lower, upper, price in self.bands:
                if lower <= quotient and (upper is None or quotient <= upper):
                    return MealPrice(price, True, band_label(lower, upper))
        return MealPrice(self.default_price, True)


@dataclass(frozen=True)
class _Quotient:
    user_id: int
    value: int
    applies_from: datetime.date
    expires_on: datetime.date
    decided_at: datetime.datetime


class PriceList:
    """The tariffs and QF grids of some establishments, answering the price of a pupil's meal on a day.

    ``pupil_ids`` (optional) narrows the families' QFs read to these pupils (a till's batch); without it, the
    QFs of the whole establishments are read, once, on the first price asked under a grid.
    """

    def __init__(self, establishment_ids, *, pupil_ids=None):
        self._establishment_ids = set(establishment_ids)
        self._pupil_ids = None if pupil_ids is None else set(pupil_ids)
        self._tariffs: dict[tuple[int, str], list[tuple[datetime.date, Decimal]]] = {}
        rows = (
            Tariff.objects.filter(establishment_id__in=self._establishment_ids)
            .order_by("establishment_id", "category", "-valid_from")
            .values_list("establishment_id", "category", "valid_from", "price")
        )
        for establishment_id, category, valid_from, price in rows:
            self._tariffs.setdefault((establishment_id, category), []).append((valid_from, price))
        self._grids: dict[tuple[int, str], list[_Grid]] = {}
        self._load_grids()
        self._quotients: dict[int, list[_Quotient]] | None = None
        self._payers: dict[int, int] = {}

    def _load_grids(self) -> None:
        bands: dict[int, list] = {}
        heads: dict[int, tuple] = {}
        rows = (
            TariffGrid.objects.filter(establishment_id__in=self._establishment_ids)
            .order_by("establishment_id", "category", "-valid_from", "bands__lower")
            .values_list(
                "pk",
                "establishment_id",
                "category",
                "valid_from",
                "default_price",
                "bands__lower",
                "bands__upper",
                "bands__price",
            )
        )
        for pk, establishment_id, category, valid_from, default_price, lower, upper, price in rows:
            heads[pk] = (establishment_id, category, valid_from, default_price)
            if lower is not None:
                bands.setdefault(pk, []).append((lower, upper, price))
        for pk, (establishment_id, category, valid_from, default_price) in heads.items():  # newest first
            grid = _Grid(valid_from, default_price, tuple(bands.get(pk, ())))
            self._grids.setdefault((establishment_id, category), []).append(grid)

    def _load_quotients(self) -> None:
        """The validated QFs of the establishments with a grid, and which of them reach which pupil: a QF
        declared for an establishment reaches the children its parent guards there."""
        self._quotients = {}
        schools = {establishment_id for establishment_id, _category in self._grids}
        declared = FamilyQuotient.objects.filter(
            establishment_id__in=schools, status=QuotientStatus.VALIDATED, applies_from__isnull=False
        )
        if self._pupil_ids is not None:  # a till's batch: only its families' QFs, not the whole school's
            declared = declared.filter(
                user_id__in=Guardianship.objects.filter(pupil_id__in=self._pupil_ids).values("user_id")
            )
        by_parent: dict[tuple[int, int], list[_Quotient]] = {}
        for user_id, establishment_id, value, applies_from, expires_on, decided_at in declared.values_list(
            "user_id", "establishment_id", "value", "applies_from", "expires_on", "decided_at"
        ):
            quotient = _Quotient(user_id, value, applies_from, expires_on, decided_at)
            by_parent.setdefault((user_id, establishment_id), []).append(quotient)
        links = Guardianship.objects.filter(
            pupil__establishment_id__in=schools, user_id__in=declared.values("user_id")
        ).values_list("pupil_id", "pupil__establishment_id", "user_id", "pupil__paying_household__guardian_id")
        if self._pupil_ids is not None:
            links = links.filter(pupil_id__in=self._pupil_ids)
        for pupil_id, establishment_id, user_id, payer_id in links:
            self._quotients.setdefault(pupil_id, []).extend(by_parent.get((user_id, establishment_id), []))
            if payer_id is not None:
                self._payers[pupil_id] = payer_id

    def quotient_of(self, pupil_id: int, on: datetime.date) -> int | None:
        """The QF of the pupil's paying household in force on ``on``: the chosen household's, or, without a
        choice, the one validated last."""
        if self._quotients is None:
            self._load_quotients()
        payer = self._payers.get(pupil_id)
        in_force = [
            q
            for q in self._quotients.get(pupil_id, ())
            if q.applies_from <= on <= q.expires_on and (payer is None or q.user_id == payer)
        ]
        if not in_force:
            return None
        return max(in_force, key=lambda q: (q.decided_at, q.applies_from)).value

    def price(self, establishment_id: int, category: str, on: datetime.date) -> Decimal | None:
        """The plain tariff of a category on ``on`` (no family's QF considered), or None."""
        found = self._tariff(establishment_id, category, on)
        return found[1] if found else None

    def _tariff(self, establishment_id: int, category: str, on: datetime.date):
        for valid_from, price in self._tariffs.get((establishment_id, category), []):  # newest first
            if valid_from <= on:
                return valid_from, price
        return None

    def _grid(self, establishment_id: int, category: str, on: datetime.date) -> _Grid | None:
        for grid in self._grids.get((establishment_id, category), []):  # newest first
            if grid.valid_from <= on:
                return grid
        return None

    def meal_price_of(self, pupil, on: datetime.date) -> MealPrice | None:
        """The pupil's price on ``on`` and where it comes from, or None when nothing prices its category yet.
        ``pupil`` needs ``pk``, ``establishment_id`` and ``category``."""
        tariff = self._tariff(pupil.establishment_id, pupil.category, on)
        grid = self._grid(pupil.establishment_id, pupil.category, on)
        if grid is not None and (tariff is None or grid.valid_from >= tariff[0]):
            return grid.price_for(self.quotient_of(pupil.pk, on))
        return MealPrice(tariff[1]) if tariff else None

    def price_of(self, pupil, on: datetime.date | None = None) -> Decimal | None:
        """The pupil's price on ``on``, by default today at its school (its establishment loaded)."""
        found = self.meal_price_of(pupil, on or today_at(pupil.establishment))
        return found.amount if found else None


def meal_prices(pupils, on: datetime.date | None = None) -> dict[int, Decimal | None]:
    """Each pupil's meal price in force on ``on`` (today at its school), keyed by pupil id, in a constant number
    of queries whatever the count: the one way a price is read."""
    return {pk: found.amount if found else None for pk, found in meal_prices_with_bands(pupils, on).items()}


def meal_prices_with_bands(pupils, on: datetime.date | None = None) -> dict[int, MealPrice | None]:
    """``meal_prices``, each price with the band it comes from."""
    pupils = list(pupils)
    prices = PriceList({p.establishment_id for p in pupils}, pupil_ids=[p.pk for p in pupils])
    return {p.pk: prices.meal_price_of(p, on or today_at(p.establishment)) for p in pupils}


def with_prices_today(pupils) -> list:
    """The pupils (their establishment loaded), each given ``price_today`` (its meal price in force today at its
    school, or None when nothing prices it yet) and ``meal_price_today`` (the same with its band).
    ``Pupil.meal_price()`` then answers without asking again."""
    pupils = list(pupils)
    prices = meal_prices_with_bands(pupils)
    for pupil in pupils:
        pupil.meal_price_today = prices[pupil.pk]
        pupil.price_today = prices[pupil.pk].amount if prices[pupil.pk] else None
    return pupils
