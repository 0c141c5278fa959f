"""Prices by quotient familial: the band of the paying household's QF in force on the day, the default price
without one, the newer of a grid and a plain tariff, in a constant number of queries."""

import datetime
from decimal import Decimal as D

import pytest

from accounts.models import User
from canteen.models import Guardianship, PayingHousehold, Pupil, Tariff, meal_prices, meal_prices_with_bands
from canteen.prices import PriceList
from canteen.quotient import QuotientStatus, end_of_school_year

from .quotients import make_grid, validated

pytestmark = pytest.mark.django_db
SEPT = datetime.date(2025, 9, 1)


def test_a_pupil_without_a_validated_quotient_pays_the_default_price(school, parent, lea):
    make_grid(school, SEPT)
    priced = meal_prices_with_bands([lea], datetime.date(2025, 10, 1))[lea.pk]
    assert priced.amount == D("4.20")
    assert priced.describe() == "tarif sans quotient familial validé"


def test_a_validated_quotient_gives_its_band_from_the_day_staff_chose(school, parent, lea):
    make_grid(school, SEPT)
    validated(parent, school, 450, datetime.date(2025, 10, 6))
    prices = PriceList([school.pk])
    assert prices.price_of(lea, datetime.date(2025, 10, 3)) == D("4.20")  # the Friday before
    assert prices.price_of(lea, datetime.date(2025, 10, 6)) == D("1.00")
    priced = prices.meal_price_of(lea, datetime.date(2025, 10, 6))
    assert priced.describe() == "tarif quotient familial 0–500"


def test_an_expired_quotient_falls_back_to_the_default_band_on_its_date(school, parent, lea):
    make_grid(school, SEPT)
    validated(parent, school, 700, SEPT)
    assert end_of_school_year(SEPT) == datetime.date(2026, 8, 31)
    make_grid(school, datetime.date(2026, 9, 1))  # next year's grid, same prices
    prices = meal_prices([lea], datetime.date(2026, 8, 31)), meal_prices([lea], datetime.date(2026, 9, 1))
    assert [p[lea.pk] for p in prices] == [D("2.50"), D("4.20")]


@pytest.mark.parametrize("value, price", [(0, "1.00"), (500, "1.00"), (501, "2.50"), (900, "2.50"), (901, "4.20")])
def test_each_bound_belongs_to_one_band(school, parent, lea, value, price):
    make_grid(school, SEPT)
    validated(parent, school, value, SEPT)
    assert meal_prices([lea], datetime.date(2025, 9, 2))[lea.pk] == D(price)


def test_pending_or_refused_quotients_do_not_count(school, parent, lea):
    make_grid(school, SEPT)
    quotient = validated(parent, school, 450, SEPT)
    for status in (QuotientStatus.PENDING, QuotientStatus.REFUSED):
        quotient.status = status
        quotient.save()
        assert meal_prices([lea], datetime.date(2025, 9, 2))[lea.pk] == D("4.20")


def test_the_newer_of_a_grid_and_a_plain_tariff_applies(school, parent, lea):
    make_grid(school, SEPT)
    validated(parent, school, 450, SEPT)
    Tariff.objects.create(establishment=school, category="Élève", price=D("3.90"), valid_from=datetime.date(2026, 1, 5))
    assert meal_prices([lea], datetime.date(2019, 9, 2))[lea.pk] is None  # before anything
    assert meal_prices([lea], datetime.date(2020, 9, 2))[lea.pk] == D("3.50")  # the plain tariff of 2020
    assert meal_prices([lea], datetime.date(2025, 9, 2))[lea.pk] == D("1.00")  # the grid
    assert meal_prices([lea], datetime.date(2026, 1, 5))[lea.pk] == D("3.90")  # the town went back to one price


def test_a_quotient_declared_for_another_school_does_not_count(school, parent, lea):

    other = school.__class__.objects.create(
        name="Autre", code="AUTRE", contact_email="a@b.example", beneficiary="x", address="y"
    )
    make_grid(school, SEPT)
    validated(parent, other, 450, SEPT)
    assert meal_prices([lea], datetime.date(2025, 9, 2))[lea.pk] == D("4.20")


def test_other_categories_keep_their_plain_tariff(school, parent, lea, hugo):
    make_grid(school, SEPT)  # Élève only
    validated(parent, school, 450, SEPT)
    assert meal_prices([lea, hugo], datetime.date(2025, 9, 2)) == {lea.pk: D("1.00"), hugo.pk: D("3.10")}


@pytest.fixture
def two_households(school, parent, lea):
    """Léa's second guardian lives in another household, with a QF of their own."""
    other = User.objects.create_user("dominique.durand@example.com", None)
    Guardianship.objects.create(user=other, pupil=lea)
    make_grid(school, SEPT)
    validated(parent, school, 450, SEPT)  # Camille: 1,00 €
    validated(other, school, 800, SEPT)  # Dominique: 2,50 €, validated last
    return other


def test_without_a_choice_the_quotient_validated_last_applies(two_households, lea):
    assert meal_prices([lea], datetime.date(2025, 9, 2))[lea.pk] == D("2.50")


def test_staff_choose_the_paying_household(two_households, parent, lea):
    PayingHousehold.objects.create(pupil=lea, guardian=parent)
    assert meal_prices([lea], datetime.date(2025, 9, 2))[lea.pk] == D("1.00")


def test_the_paying_household_without_a_quotient_pays_the_default_price(school, two_households, lea):
    third = User.objects.create_user("tiers@example.com", None)
    Guardianship.objects.create(user=third, pupil=lea)
    PayingHousehold.objects.create(pupil=lea, guardian=third)
    assert meal_prices([lea], datetime.date(2025, 9, 2))[lea.pk] == D("4.20")


def test_many_pupils_cost_the_same_queries(school, django_assert_num_queries):
    make_grid(school, SEPT)
    make_grid(school, SEPT, category="Maternelle")
    pupils = []
    for n in range(30):
        pupil = Pupil.objects.create(establishment=school, last_name="N", first_name=f"P{n}", card_number=f"3{n:04d}")
        parent = User.objects.create_user(f"p{n}@example.com", None)
        Guardianship.objects.create(user=parent, pupil=pupil)
        validated(parent, school, 320 * (n % 4), SEPT)  # 0, 320, 640, 960
        pupils.append(pupil)
    with django_assert_num_queries(4):  # tariffs, grids with their bands, QFs, who guards whom
        prices = meal_prices(pupils, datetime.date(2025, 9, 2))
    assert [prices[p.pk] for p in pupils[:4]] == [D("1.00"), D("1.00"), D("2.50"), D("4.20")]


def test_a_deleted_declaration_takes_its_file_with_it(school, parent, django_capture_on_commit_callbacks):
    from pathlib import Path

    from .quotients import declare

    quotient = declare(parent, school)
    stored = Path(quotient.attestation.path)
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        parent.delete()
    assert not stored.exists()
