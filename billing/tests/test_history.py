import csv
import datetime
import io
import re
from decimal import Decimal as D

import pytest
from django.urls import reverse

from billing.ledger import book
from billing.models import EntryKind

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def at(day, hour=11, minute=21, month=11, year=2026):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=UTC)


def rows(response) -> list[tuple[str, str]]:
    """The (date, amount) of each line of the history's table, as the page shows them."""
    return re.findall(
        r'<td data-label="Date">([^<]+)</td>.*?<td data-label="€"[^>]*>([^<]+)</td>', response.content.decode()
    )


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
    assert len(rows(first)) == 20
    assert "Page 1 sur 2" in first.content.decode()
    second = client.get(reverse("billing:history", args=[lea.pk]), {"page": 2})
    assert [date[:2] for date, _amount in rows(second)] == ["05", "04", "03", "02", "01"]


def test_history_filters_by_month_in_local_time(client, parent, lea):
    book(
        lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", occurred_at=at(31, 23, 30, month=10)
    )  # 1 Nov in Paris
    book(lea, kind=EntryKind.MEAL, amount=D("-3.10"), label="Self", occurred_at=at(31, 10, 0, month=10))
    book(lea, kind=EntryKind.MEAL, amount=D("-3.20"), label="Self", occurred_at=at(1, 10, 0, month=12))
    client.force_login(parent)
    response = client.get(reverse("billing:history", args=[lea.pk]), {"mois": "2026-11"})
    assert rows(response) == [("01/11/2026 - 00:30", "-3,50")]


def test_a_malformed_month_shows_everything(client, parent, lea):
    book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", occurred_at=at(3))
    client.force_login(parent)
    assert len(rows(client.get(reverse("billing:history", args=[lea.pk]), {"mois": "novembre"}))) == 1


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


@pytest.mark.parametrize(
    "month", ["9999-12", "0001-01", "1999-12", "2026-13", "2026-00", "2026-1", "2026-11-01x", "\x00"]
)
def test_a_nonsense_month_is_ignored_with_a_message_never_an_error(client, parent, lea, month):
    book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", occurred_at=at(3))
    client.force_login(parent)
    response = client.get(reverse("billing:history", args=[lea.pk]), {"mois": month})
    assert response.status_code == 200
    assert len(rows(response)) == 1
    assert "Le mois « " in response.content.decode()
    assert "toutes les opérations sont affichées." in response.content.decode()
    csv_response = client.get(reverse("billing:history_csv", args=[lea.pk]), {"mois": month})
    assert csv_response.status_code == 200
    assert len(b"".join(csv_response.streaming_content).decode("utf-8-sig").splitlines()) == 2


def test_history_csv_and_admin_lists_work_over_two_school_years_of_1000_entries(client, parent, lea, admin_client):
    from billing.ledger import Movement, book_many

    start = datetime.datetime(2024, 9, 2, 10, 0, tzinfo=UTC)
    book_many(
        [
            Movement(lea.pk, EntryKind.MEAL, D("-3.50"), "Self", f"t:{n}", start + datetime.timedelta(hours=15 * n))
            for n in range(1000)
        ]
    )  # every 15 hours from September 2024 to August 2026
    client.force_login(parent)
    last = client.get(reverse("billing:history", args=[lea.pk]), {"page": 50})
    assert last.status_code == 200 and "Page 50 sur 50" in last.content.decode()
    assert "02/09/2024 - 12:00" in last.content.decode()
    rows = b"".join(client.get(reverse("billing:history_csv", args=[lea.pk])).streaming_content).decode("utf-8-sig")
    assert len(rows.splitlines()) == 1001
    assert client.get(reverse("billing:history", args=[lea.pk]), {"mois": "2025-02"}).status_code == 200
    for url in ("admin:billing_ledgerentry_changelist", "admin:billing_wallet_changelist"):
        assert admin_client.get(reverse(url)).status_code == 200
    assert (
        admin_client.get(reverse("admin:billing_ledgerentry_changelist"), {"occurred_at__year": "2025"}).status_code
        == 200
    )


@pytest.mark.parametrize(
    "params",
    [
        {"occurred_at__year": "9999", "occurred_at__month": "12", "occurred_at__day": "31"},
        {"occurred_at__year": "1", "occurred_at__month": "1", "occurred_at__day": "1"},
        {"occurred_at__year": "0001"},
        {"occurred_at__year": "x"},
        {"occurred_at__year": "２０２６"},
    ],
)
def test_the_admin_ledger_drops_a_date_filter_out_of_range_never_a_500(admin_client, lea, params):
    book(lea, kind=EntryKind.CASH, amount=D("1.00"), label="Espèces", occurred_at=at(3))
    url = reverse("admin:billing_ledgerentry_changelist")
    response = admin_client.get(url, {**params, "kind": "cash"})
    assert response.status_code == 302 and response["Location"] == f"{url}?kind=cash"
    page = admin_client.get(response["Location"])
    assert page.status_code == 200 and "filtre retiré" in page.content.decode()


def test_the_admin_ledger_shows_french_dates(admin_client, lea):
    book(lea, kind=EntryKind.CASH, amount=D("1.00"), label="Espèces", occurred_at=at(3, 10, 5))
    page = admin_client.get(reverse("admin:billing_ledgerentry_changelist"), {"occurred_at__year": "2026"})
    assert page.status_code == 200
    assert "3 novembre 2026 11:05" in page.content.decode()  # 10:05 UTC in Paris
