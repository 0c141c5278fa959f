from decimal import Decimal as D

import pytest

from billing.models import meals_covered


@pytest.mark.parametrize(
    ("balance", "price", "meals"),
    [
        (D("-3.50"), D("3.50"), 0),
        (D("0.00"), D("3.50"), 0),
        (D("18.40"), None, 0),
        (D("18.40"), D("0.00"), 0),
        (D("3.49"), D("3.50"), 0),
        (D("3.50"), D("3.50"), 1),
        (D("18.40"), D("3.50"), 5),
        (D("20.00"), D("3.10"), 6),
    ],
)
def test_meals_covered_counts_whole_meals_only(balance, price, meals):
    assert meals_covered(balance, price) == meals
