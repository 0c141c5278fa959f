"""The price of a meal: two queries for many pupils, the tariff in force on the day."""

import datetime
from decimal import Decimal as D

import pytest

from canteen.models import PriceList, Tariff, meal_prices

pytestmark = pytest.mark.django_db


def test_meal_prices_reads_each_pupils_tariff_in_force_in_two_queries(school, lea, hugo, django_assert_num_queries):
    Tariff.objects.create(establishment=school, category="Élève", price=D("3.80"), valid_from=datetime.date(2026, 1, 1))
    Tariff.objects.create(establishment=school, category="Élève", price=D("9.99"), valid_from=datetime.date(2030, 1, 1))
    with django_assert_num_queries(2):  # the tariffs, the grids (none here)
        prices = meal_prices([lea, hugo], on=datetime.date(2026, 11, 26))
    assert prices == {lea.pk: D("3.80"), hugo.pk: D("3.10")}


def test_meal_prices_is_none_for_a_category_without_tariff(school, lea):
    lea.category = "Adulte"
    assert meal_prices([lea]) == {lea.pk: None}


def test_a_price_list_answers_the_tariff_in_force_on_each_day(school):
    Tariff.objects.create(establishment=school, category="Élève", price=D("3.80"), valid_from=datetime.date(2026, 1, 1))
    prices = PriceList([school.pk])
    assert prices.price(school.pk, "Élève", datetime.date(2025, 12, 31)) == D("3.50")
    assert prices.price(school.pk, "Élève", datetime.date(2026, 1, 1)) == D("3.80")
    assert prices.price(school.pk, "Élève", datetime.date(2019, 1, 1)) is None
    assert prices.price(school.pk, "Inconnue", datetime.date(2026, 1, 1)) is None
