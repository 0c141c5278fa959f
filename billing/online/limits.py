"""How much a parent may credit: the minimum per child and the maximum."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from canteen.models import Pupil
from portal.lib.money import ZERO


def minimum_credit(pupil: Pupil) -> Decimal:
    """The larger of the establishment's minimum amount and its minimum number of meals at the child's price."""
    school = pupil.establishment
    price = pupil.meal_price() or ZERO
    return max(school.min_credit_amount, school.min_meals * price)


def maximum_credit() -> Decimal:
    return settings.MAX_CREDIT_AMOUNT
