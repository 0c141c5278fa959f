"""What a family's first visit needs is computed after the booking commits (billing.precomputed): the home
page's forecast, the history's count and chart are then read, not computed, by the first visit."""

from __future__ import annotations

import datetime
from decimal import Decimal as D
from functools import partial

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing import precomputed
from billing.ledger import Movement, book_many
from billing.models import EntryKind, Wallet

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return partial(django_capture_on_commit_callbacks, execute=True)


def a_month_of_lunches(pupil) -> list[Movement]:
    start = timezone.now() - datetime.timedelta(days=40)
    movements = [Movement(pupil.pk, EntryKind.CASH, D("200.00"), "Espèces", None, start)]
    return movements + [
        Movement(
            pupil.pk, EntryKind.MEAL, D("-3.50"), "Self", f"lunch:{pupil.pk}:{n}", start + datetime.timedelta(days=n)
        )
        for n in range(1, 36)
    ]


def first_visit(client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def ledger_reads(queries: list[str]) -> list[str]:
    return [sql for sql in queries if "billing_ledgerentry" in sql]


def test_after_a_booking_the_first_visit_reads_the_forecast_count_and_chart(client, parent, lea, hugo, committed):
    with committed():
        book_many(a_month_of_lunches(lea))
    client.force_login(parent)
    assert ledger_reads(first_visit(client, reverse("portal:home"))) == []  # the forecast was prepared
    history = ledger_reads(first_visit(client, reverse("billing:history", args=[lea.pk])))
    assert len(history) == 1 and "COUNT" not in history[0].upper()  # the page's rows only


def test_without_the_preparation_the_first_visit_computes_them(client, parent, lea):
    book_many(a_month_of_lunches(lea))  # never committed: nothing prepared
    client.force_login(parent)
    assert ledger_reads(first_visit(client, reverse("portal:home")))
    assert len(ledger_reads(first_visit(client, reverse("billing:history", args=[lea.pk])))) == 3


def test_the_bookings_of_half_a_minute_make_one_preparation(parent, lea, hugo):
    assert precomputed.due()  # the first booking schedules it...
    assert not precomputed.due()  # ...the next ones of the half minute find it scheduled


def test_the_preparation_takes_the_children_booked_lately_with_a_family(parent, lea, hugo, chloe):
    Wallet.objects.update(updated_at=timezone.now() - datetime.timedelta(hours=1))  # opened an hour ago
    book_many(a_month_of_lunches(lea) + a_month_of_lunches(chloe))  # Chloé has no family in this test
    assert precomputed.prepare_recent() == 1
    Wallet.objects.filter(pupil=lea).update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    assert precomputed.prepare_recent() == 0  # booked an hour ago: prepared then


def test_what_is_prepared_is_per_release(client, parent, lea, committed, settings):
    with committed():
        book_many(a_month_of_lunches(lea))
    settings.RELEASE = "a-new-release"
    client.force_login(parent)
    assert ledger_reads(first_visit(client, reverse("portal:home")))  # computed again for the new release
