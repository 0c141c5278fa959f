import datetime
from decimal import Decimal as D

import pytest

from billing.models import meals_covered
from canteen.models import Tariff
from canteen.models import meal_prices as current_prices


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


@pytest.mark.django_db
def test_current_prices_reads_each_pupils_tariff_in_force_in_one_query(school, lea, hugo, django_assert_num_queries):
    Tariff.objects.create(establishment=school, category="Élève", price=D("3.80"), valid_from=datetime.date(2026, 1, 1))
    Tariff.objects.create(establishment=school, category="Élève", price=D("9.99"), valid_from=datetime.date(2030, 1, 1))
    with django_assert_num_queries(1):
        prices = current_prices([lea, hugo], on=datetime.date(2026, 11, 26))
    assert prices == {lea.pk: D("3.80"), hugo.pk: D("3.10")}


@pytest.mark.django_db
def test_current_prices_is_none_for_a_category_without_tariff(school, lea):
    lea.category = "Adulte"
    assert current_prices([lea]) == {lea.pk: None}
