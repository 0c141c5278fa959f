"""Low balances are checked after the booking commits, never under its wallet locks, and announced once per
crossing (``billing.thresholds``), whoever runs the check and however often."""

from __future__ import annotations

from decimal import Decimal as D
from functools import partial

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from billing import thresholds
from billing.ledger import Movement, book_many
from billing.models import EntryKind, LowBalanceAlert
from billing.signals import balance_low
from tests.threads import at_once

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced():
    """What billing announces (``balance_low``), as (user id, pupil id, balance)."""
    heard = []

    def listen(sender, alerts, **kwargs):
        heard.extend((a.user_id, a.pupil_id, a.balance) for a in alerts)

    balance_low.connect(listen, dispatch_uid="test.announced")
    yield heard
    balance_low.disconnect(dispatch_uid="test.announced")


def meals(pupil, count: int, tag: str) -> list[Movement]:
    return [Movement(pupil.pk, EntryKind.MEAL, D("-3.50"), "Self", f"{tag}:{n}") for n in range(count)]


def test_the_booking_transaction_reads_no_guardian_and_no_alert(parent, lea, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as after_commit, CaptureQueriesContext(connection) as booking:
        book_many(meals(lea, 2, "lunch"))
    assert not [q["sql"] for q in booking.captured_queries if "guardianship" in q["sql"] or "alert" in q["sql"]]
    assert len(after_commit) == 1  # the checks wait for the commit


def test_a_crossing_is_announced_after_the_commit_with_the_balance_as_it_stands(
    parent, lea, announced, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book_many(meals(lea, 1, "lunch"))  # -3,50: below the default 7,00
    assert announced == [(parent.pk, lea.pk, D("-3.50"))]


def test_a_booking_rolled_back_announces_nothing(parent, lea, announced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            book_many(meals(lea, 1, "lunch"))
            raise RuntimeError("the caller fails after booking")
    assert announced == []


def test_settling_twice_or_late_announces_once(parent, lea, announced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        book_many(meals(lea, 1, "lunch"))
    thresholds.settle([lea.pk])  # a task delivered again, or a second check of the same booking
    thresholds.settle([lea.pk])
    assert len(announced) == 1
    assert LowBalanceAlert.objects.get(user=parent, pupil=lea).below


def test_a_crossing_made_good_before_the_check_is_not_announced(parent, lea, announced):
    book_many(meals(lea, 1, "lunch"))  # the check after this commit has not run yet...
    book_many([Movement(lea.pk, EntryKind.CASH, D("20.00"), "Espèces", "cash:1")])  # ...when a top-up lands
    thresholds.settle([lea.pk])
    assert announced == []


def test_a_guardian_whose_alerts_are_off_is_not_counted(parent, lea, announced, django_capture_on_commit_callbacks):
    from canteen.models import AlertSettings

    AlertSettings.objects.create(user=parent, enabled=False)
    assert thresholds.guards_of([lea.pk])[0].threshold is None
    with django_capture_on_commit_callbacks(execute=True):
        book_many(meals(lea, 3, "lunch"))
    assert announced == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="checks racing each other need PostgreSQL's row locks")
def test_eight_checks_at_once_announce_a_crossing_once(parent, lea, announced):
    book_many(meals(lea, 1, "lunch"))  # committed: checked and announced
    LowBalanceAlert.objects.update(below=False)  # as if that check had not run yet
    announced.clear()
    at_once(*[partial(thresholds.settle, [lea.pk])] * 8)
    assert announced == [(parent.pk, lea.pk, D("-3.50"))]
