"""portal.lib.prepared: a queryset compiled once answers as the ORM does, with each call's values."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.db import connection

from billing.children import children_with_wallets as children
from billing.ledger import book
from billing.models import EntryKind, LedgerEntry
from canteen.models import Pupil
from portal.lib.prepared import Prepared

pytestmark = pytest.mark.django_db

entries_page = Prepared(
    "test_entries_page",
    lambda wallet_id, offset: (
        LedgerEntry.objects.filter(wallet_id=wallet_id)
        .order_by("-occurred_at", "-id")
        .values_list("occurred_at", "amount", named=True)[offset : offset + 2]
    ),
    wallet_id=-7_349_002,
    offset=7_349_003,
)


def test_answers_what_the_orm_answers_related_objects_and_annotations_included(parent, other_parent, lea, hugo):
    book(lea, kind=EntryKind.CASH, amount=D("12.30"), label="Espèces")
    today = datetime.date(2026, 11, 27)
    orm = list(
        Pupil.objects.filter(guardianships__user_id=parent.pk)
        .select_related("establishment", "wallet")
        .with_price_today(today)
        .order_by("first_name", "last_name")
    )
    prepared = children(user_id=parent.pk, today=today)
    assert [p.pk for p in prepared] == [p.pk for p in orm] == [hugo.pk, lea.pk]
    for mine, theirs in zip(prepared, orm, strict=True):
        assert mine.establishment.name == theirs.establishment.name
        assert mine.wallet.balance == theirs.wallet.balance
        assert mine.price_today == theirs.price_today
    assert prepared[1].wallet.balance == D("12.30") and prepared[0].price_today == D("3.10")
    assert [p.pk for p in children(user_id=other_parent.pk, today=today)] != [hugo.pk, lea.pk]
    assert children(user_id=-1, today=today) == []


def test_a_price_is_the_one_in_force_on_the_day_given(parent, lea, school):
    school.tariffs.create(category="Élève", price=D("4.00"), valid_from=datetime.date(2027, 1, 1))
    before, after = datetime.date(2026, 12, 31), datetime.date(2027, 1, 1)
    assert [p.price_today for p in children(user_id=parent.pk, today=before) if p.pk == lea.pk] == [D("3.50")]
    assert [p.price_today for p in children(user_id=parent.pk, today=after) if p.pk == lea.pk] == [D("4.00")]


def test_a_slice_takes_its_offset_and_gives_named_rows(lea):
    for day in range(1, 6):
        at = datetime.datetime(2026, 11, day, 12, tzinfo=datetime.UTC)
        book(lea, kind=EntryKind.MEAL, amount=D(f"-{day}.00"), label="Self", occurred_at=at)
    wallet_id = lea.wallet.pk
    assert [row.amount for row in entries_page(wallet_id=wallet_id, offset=0)] == [D("-5.00"), D("-4.00")]
    assert [row.occurred_at.day for row in entries_page(wallet_id=wallet_id, offset=4)] == [1]
    first = entries_page(wallet_id=wallet_id, offset=0)[0]
    assert first == (datetime.datetime(2026, 11, 5, 12, tzinfo=datetime.UTC), D("-5.00"))  # rows, not instances


def test_a_placeholder_the_query_does_not_carry_is_refused():
    missing = Prepared("test_missing", lambda user_id: Pupil.objects.all(), user_id=-7_349_004)
    with pytest.raises(ValueError):
        missing()


@pytest.mark.postgres
def test_on_postgresql_the_statement_is_prepared_again_for_a_server_session_without_it(parent, lea):
    if connection.vendor != "postgresql":
        pytest.skip("server-side statements are PostgreSQL's")
    today = datetime.date(2026, 11, 27)
    assert len(children(user_id=parent.pk, today=today)) == 2
    assert "children_with_wallets" in connection.prepared_statements
    with connection.cursor() as cursor:  # what a new server session looks like: no statement
        cursor.execute("DEALLOCATE ALL")
    connection.prepared_statements = set()
    assert len(children(user_id=parent.pk, today=today)) == 2
