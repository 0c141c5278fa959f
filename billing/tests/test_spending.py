"""Spending at a glance: meals and credits per month over 12 months, as an SVG chart and a table."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.ledger import book
from billing.models import EntryKind
from billing.spending import BASELINE, TOP, monthly_spending

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 15)


def on(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())


def test_twelve_months_of_meals_and_credits_with_bars_scaled_to_the_peak(lea):
    book(lea, kind=EntryKind.CHEQUE, amount=D("40.00"), label="Chèque", occurred_at=on(datetime.date(2026, 9, 2)))
    for day in (3, 4, 7):
        book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", occurred_at=on(datetime.date(2026, 9, day)))
    book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", occurred_at=on(datetime.date(2026, 11, 2)))
    book(
        lea,
        kind=EntryKind.CORRECTION,
        amount=D("-1.00"),
        label="Correction",
        occurred_at=on(datetime.date(2026, 11, 3)),
    )
    book(
        lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", occurred_at=on(datetime.date(2025, 11, 28))
    )  # 12 months + 1
    months = monthly_spending(lea, TODAY)
    assert [m.month for m in (months[0], months[-1])] == [datetime.date(2025, 12, 1), datetime.date(2026, 11, 1)]
    figures = {m.month.month: (m.meals, m.credits) for m in months}
    assert figures[9] == (D("10.50"), D("40.00"))
    assert figures[11] == (D("3.50"), D("0.00"))  # a negative correction is neither a meal nor a credit
    assert figures[12] == (D("0.00"), D("0.00"))  # November 2025 is out of the window
    september = months[9]
    assert september.h_credits == BASELINE - TOP  # the year's peak fills the chart
    assert september.h_meals == int(D("10.50") * (BASELINE - TOP) / D("40.00"))
    assert september.y_credits == TOP


def test_the_history_page_draws_the_chart_and_the_same_figures_as_a_table(client, parent, lea):
    book(lea, kind=EntryKind.CHEQUE, amount=D("40.00"), label="Chèque")
    book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self")
    client.force_login(parent)
    html = client.get(reverse("billing:history", args=[lea.pk])).content.decode()
    assert html.count('<rect class="bar-meals"') == 12 and html.count('<rect class="bar-credits"') == 12
    assert "<caption>Repas et crédits par mois, sur les 12 derniers mois</caption>" in html
    assert "<td>3,50\u00a0€</td><td>40,00\u00a0€</td>" in html
    assert "style=" not in html.split('class="card shadow-sm mb-3 spending"')[1].split("</section>")[0]
    # Not repeated on the next pages nor on a month's page.
    assert (
        "bar-meals" not in client.get(reverse("billing:history", args=[lea.pk]), {"mois": "2026-01"}).content.decode()
    )
