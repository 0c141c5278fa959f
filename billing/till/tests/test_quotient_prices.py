"""At the till, each meal at the price of its day: the family's QF band from the day staff chose, the grid's
default price before it, whatever order the passages arrive in."""

import datetime
import re
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import EntryKind, LedgerEntry
from billing.till.tests.test_api import passage, post
from canteen.tests.quotients import make_grid, validated

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def last_monday() -> datetime.date:
    today = datetime.datetime.now(PARIS).date()
    return today - datetime.timedelta(days=today.weekday() or 7)  # a Monday already past


def at_noon(day: datetime.date) -> str:
    return datetime.datetime.combine(day, datetime.time(12, 0), tzinfo=PARIS).isoformat()


def test_a_qf_validated_from_monday_pays_its_band_from_monday_and_the_default_on_friday_before(
    client, school, parent, lea, till_token
):
    monday = last_monday()
    friday = monday - datetime.timedelta(days=3)
    make_grid(school, monday - datetime.timedelta(days=60))
    validated(parent, school, 450, monday)
    # The Friday's meal arrives after Monday's (a till that was offline): each at its own day's price.
    response = post(
        client,
        {"passages": [passage("LUNDI", at=at_noon(monday)), passage("VENDREDI", at=at_noon(friday))]},
        till_token[1],
    )
    assert [r["status"] for r in response.json()["results"]] == ["recorded", "recorded"]
    amounts = dict(LedgerEntry.objects.filter(kind=EntryKind.MEAL).values_list("reference", "amount"))
    till = till_token[0].pk
    assert amounts == {f"till:{till}:LUNDI": D("-1.00"), f"till:{till}:VENDREDI": D("-4.20")}


def test_a_batch_of_many_pupils_on_a_qf_grid_costs_the_same_queries(client, school, parent, lea, hugo, till_token):
    from accounts.models import User
    from canteen.models import Guardianship, Pupil

    monday = last_monday()
    make_grid(school, monday - datetime.timedelta(days=60))
    make_grid(school, monday - datetime.timedelta(days=60), category="Maternelle")
    cards = []
    for n in range(40):
        pupil = Pupil.objects.create(establishment=school, last_name="N", first_name=f"P{n}", card_number=f"4{n:04d}")
        guardian = User.objects.create_user(f"g{n}@example.com", None)
        Guardianship.objects.create(user=guardian, pupil=pupil)
        validated(guardian, school, 100 * n, monday)
        cards.append(pupil.card_number)

    def batch(prefix, cards):
        return {"passages": [passage(f"{prefix}{card}", card=card, at=at_noon(monday)) for card in cards]}

    with CaptureQueriesContext(connection) as queries:
        response = post(client, batch("B", cards), till_token[1])
    assert {r["status"] for r in response.json()["results"]} == {"recorded"}
    pricing = [
        q["sql"]
        for q in queries
        if re.match(r'SELECT .*? FROM "(canteen_tariff|canteen_tariffgrid|canteen_familyquotient)"', q["sql"])
        or (q["sql"].startswith("SELECT") and 'FROM "accounts_guardianship"' in q["sql"] and "quotient" in q["sql"])
    ]
    assert len(pricing) == 4  # tariffs, grids, QFs, who guards whom: for 40 pupils as for one
    amounts = LedgerEntry.objects.filter(kind=EntryKind.MEAL).order_by("wallet__pupil__card_number")
    assert [-a for a in amounts.values_list("amount", flat=True)[:7]] == [D(p) for p in ["1.00"] * 6 + ["2.50"]]
