"""One price in force everywhere: a family's QF band also sets the direct debit "compléter jusqu'à N repas",
the low-balance threshold, and the State's "cantine à 1 €" claim counts the meals billed at 1 € or less."""

import datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from billing.claims import meal_claim
from billing.desk.models import DebitMode, DirectDebitMandate
from billing.desk.operations import debit_parts
from billing.ledger import book
from billing.models import EntryKind
from billing.thresholds import guards_of
from canteen.tests.quotients import make_grid, validated

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
SEPT = datetime.date(2026, 9, 1)


def test_a_top_up_direct_debit_completes_n_meals_at_the_family_s_band(school, parent, cashier, lea, hugo):
    make_grid(school, SEPT)
    validated(parent, school, 450, SEPT)
    mandate = DirectDebitMandate.objects.create(
        user=parent,
        establishment=school,
        reference="OS-QF-1",
        iban="FR7630006000011234567890189",
        signed_on=SEPT,
        mode=DebitMode.TOP_UP,
        meals=10,
        created_by=cashier,
    )
    parts = debit_parts(mandate, datetime.date(2026, 10, 1))
    assert [(pupil, amount) for pupil, amount in parts] == [(hugo, D("31.00")), (lea, D("10.00"))]  # 10 × 1,00 €


def test_the_default_threshold_is_two_meals_at_the_family_s_band(school, parent, lea):
    make_grid(school, datetime.date(2020, 9, 2))
    from django.utils import timezone

    validated(parent, school, 450, timezone.localdate())
    (guard,) = [g for g in guards_of([lea.pk]) if g.pupil_id == lea.pk]
    assert guard.threshold == D("2.00")


def meal(pupil, price: str, day: datetime.date, ref: str):
    at = datetime.datetime.combine(day, datetime.time(12), tzinfo=PARIS)
    book(pupil, kind=EntryKind.MEAL, amount=-D(price), label="Self", reference=f"test:{ref}", occurred_at=at)


@pytest.fixture
def october(school, lea, hugo, chloe):
    """October's meals: four at 1,00 €, two at 2,50 €, one at 4,20 €; and meals outside the month."""
    make_grid(school, SEPT)
    for n in range(4):
        meal(lea, "1.00", datetime.date(2026, 10, 1 + n), f"lea{n}")
    meal(hugo, "2.50", datetime.date(2026, 10, 5), "hugo1")
    meal(hugo, "2.50", datetime.date(2026, 10, 6), "hugo2")
    meal(chloe, "4.20", datetime.date(2026, 10, 7), "chloe")
    meal(lea, "1.00", datetime.date(2026, 9, 30), "sept")  # the day before
    # 1 November 00:30 in Paris is still 31 October in UTC: it belongs to November, the school's month.
    book(
        lea,
        kind=EntryKind.MEAL,
        amount=-D("1.00"),
        label="Self",
        reference="test:nov",
        occurred_at=datetime.datetime(2026, 10, 31, 23, 30, tzinfo=datetime.UTC),
    )
    return school


def test_the_claim_counts_the_month_s_meals_at_one_euro_or_less(october):
    claim = meal_claim(october, datetime.date(2026, 10, 1))
    assert [(line.bands, line.price, line.meals, line.aid) for line in claim.lines] == [
        ("0–500", D("1.00"), 4, D("12.00"))
    ]
    assert (claim.meals, claim.aid, claim.eligible) == (4, D("12.00"), True)


def test_a_grid_of_two_bands_does_not_meet_the_conditions(school):
    make_grid(school, SEPT, bands=[(0, 500, "1.00"), (501, None, "4.20")])
    claim = meal_claim(school, datetime.date(2026, 10, 1))
    assert not claim.eligible and claim.grids[0].bands == 2


def test_a_grid_without_a_band_at_one_euro_does_not_meet_the_conditions(school):
    make_grid(school, SEPT, bands=[(0, 500, "1.50"), (501, 900, "2.50"), (901, None, "4.20")])
    assert not meal_claim(school, datetime.date(2026, 10, 1)).eligible


def test_staff_read_the_claim_and_download_its_csv(client, administrator, october):
    client.force_login(administrator)
    url = reverse("admin:billing_state_claim")
    page = client.get(url, {"establishment": october.pk, "month": "2026-10"}).content.decode()
    assert '<td id="claim-meals">4</td>' in page
    assert "remplit les conditions" in page
    response = client.get(url, {"establishment": october.pk, "month": "2026-10", "format": "csv"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines == [
        "Tranche de quotient familial;Prix du repas;Repas;Aide due (3 € par repas)",
        "0–500;1,00;4;12,00",
        "Total;;4;12,00",
    ]


@pytest.mark.parametrize("month", ["octobre", "2026-13", ""])
def test_a_bad_month_gets_a_french_message(client, administrator, october, month):
    client.force_login(administrator)
    page = client.get(reverse("admin:billing_state_claim"), {"establishment": october.pk, "month": month})
    assert page.status_code == 200
    assert "Saisissez un mois" in page.content.decode() or "Ce champ est obligatoire" in page.content.decode()


def test_another_school_s_claim_is_refused(client, school, october):
    from conftest import _staff
    from portal.roles import ADMINISTRATION

    other = school.__class__.objects.create(
        name="Autre", code="AUTRE", contact_email="a@b.example", beneficiary="x", address="y"
    )
    client.force_login(_staff("secretariat@autre.example", ADMINISTRATION, other))
    response = client.get(reverse("admin:billing_state_claim"), {"establishment": school.pk, "month": "2026-10"})
    assert "claim-meals" not in response.content.decode()
    assert "Sélectionnez un choix valide" in response.content.decode()
