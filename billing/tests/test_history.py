import csv
import datetime
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse

from billing.ledger import book
from billing.models import EntryKind

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def at(day, hour=11, minute=21, month=11, year=2026):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_history_needs_a_login(client, lea):
    assert client.get(reverse("billing:history", args=[lea.pk])).status_code == 302


def test_another_familys_child_is_not_found(client, other_parent, lea):
    client.force_login(other_parent)
    assert client.get(reverse("billing:history", args=[lea.pk])).status_code == 404
    assert client.get(reverse("billing:history_csv", args=[lea.pk])).status_code == 404


def test_an_unknown_child_is_not_found(client, parent):
    client.force_login(parent)
    assert client.get(reverse("billing:history", args=[999999])).status_code == 404


def test_history_lists_entries_newest_first_in_local_time_and_french_amounts(client, parent, lea):
    book(lea, kind=EntryKind.ONLINE_PAYMENT, amount=D("20.00"), label="Paiement en ligne", occurred_at=at(2, 7, 0))
    book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", occurred_at=at(8, 11, 21))
    client.force_login(parent)
    html = client.get(reverse("billing:history", args=[lea.pk])).content.decode()
    assert "HISTORIQUE" in html.upper()
    assert "08/11/2026 - 12:21" in html  # 11:21 UTC is 12:21 in Paris
    assert html.index("08/11/2026 - 12:21") < html.index("02/11/2026 - 08:00")
    assert "-3,50" in html and "+20,00" in html
    assert "Cet historique est complet" in html
    assert "écarts" not in html


def test_history_is_paginated_20_a_page(client, parent, lea):
    for day in range(1, 26):
        book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", occurred_at=at(day))
    client.force_login(parent)
    first = client.get(reverse("billing:history", args=[lea.pk]))
    assert len(first.context["page"].object_list) == 20
    assert "Page 1 sur 2" in first.content.decode()
    second = client.get(reverse("billing:history", args=[lea.pk]), {"page": 2})
    assert [e.occurred_at.day for e in second.context["page"].object_list] == [5, 4, 3, 2, 1]


def test_history_filters_by_month_in_local_time(client, parent, lea):
    book(
        lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", occurred_at=at(31, 23, 30, month=10)
    )  # 1 Nov in Paris
    book(lea, kind=EntryKind.MEAL, amount=D("-3.10"), label="Self", occurred_at=at(31, 10, 0, month=10))
    book(lea, kind=EntryKind.MEAL, amount=D("-3.20"), label="Self", occurred_at=at(1, 10, 0, month=12))
    client.force_login(parent)
    page = client.get(reverse("billing:history", args=[lea.pk]), {"mois": "2026-11"}).context["page"]
    assert [e.amount for e in page.object_list] == [D("-3.50")]


def test_a_malformed_month_shows_everything(client, parent, lea):
    book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", occurred_at=at(3))
    client.force_login(parent)
    page = client.get(reverse("billing:history", args=[lea.pk]), {"mois": "novembre"}).context["page"]
    assert len(page.object_list) == 1


def test_history_downloads_as_csv_with_french_dates_and_amounts(client, parent, lea):
    book(lea, kind=EntryKind.ONLINE_PAYMENT, amount=D("20.00"), label="Paiement en ligne", occurred_at=at(2, 7, 0))
    book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", occurred_at=at(8, 11, 21))
    client.force_login(parent)
    response = client.get(reverse("billing:history_csv", args=[lea.pk]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["Date", "Détail", "€"],
        ["08/11/2026 - 12:21", "Self", "-3,50"],
        ["02/11/2026 - 08:00", "Paiement en ligne", "+20,00"],
    ]


def test_history_costs_the_same_queries_at_any_page_and_size(client, parent, lea, django_assert_max_num_queries):
    for day in range(1, 29):
        for hour in (9, 11):
            book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", occurred_at=at(day, hour))
    client.force_login(parent)
    for page in (1, 3):
        # session, user, school, pupil, count, page, the parent's unread notifications, the year's chart (page 1)
        with django_assert_max_num_queries(8):
            response = client.get(reverse("billing:history", args=[lea.pk]), {"page": page})
        assert response.status_code == 200
