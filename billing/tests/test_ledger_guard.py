"""The database itself refuses to edit, delete or empty the ledger, on SQLite as on PostgreSQL."""

import datetime
from decimal import Decimal as D

import pytest
from django.db import DatabaseError, connection, transaction

from billing.guards import whole_database_flush
from billing.ledger import book, wallets_out_of_balance
from billing.models import EntryKind, LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(lea) -> LedgerEntry:
    return book(lea, kind=EntryKind.CASH, amount=D("20.00"), label="Espèces").entry


def raw(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE billing_ledgerentry SET amount = 1000 WHERE id = %s",
        "DELETE FROM billing_ledgerentry WHERE id = %s",
    ],
)
def test_raw_sql_cannot_edit_or_delete_a_ledger_row(entry, sql):
    with pytest.raises(DatabaseError, match="append-only"):
        raw(sql, [entry.pk])
    assert LedgerEntry.objects.get(pk=entry.pk).amount == D("20.00")
    assert list(wallets_out_of_balance()) == []


@pytest.mark.django_db(transaction=True)  # committed rows, as in production; the flush after the test passes the guard
def test_truncate_is_refused_on_postgresql(entry):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE: its DELETE trigger covers DELETE without WHERE")
    with pytest.raises(DatabaseError, match="TRUNCATE refused"):
        raw("TRUNCATE billing_ledgerentry CASCADE")
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_a_delete_of_every_row_is_refused(entry):
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM billing_ledgerentry")
    assert LedgerEntry.objects.count() == 1


def test_even_during_a_flush_a_row_cannot_be_edited(entry):
    with pytest.raises(DatabaseError, match="append-only"), whole_database_flush():
        raw("UPDATE billing_ledgerentry SET label = 'x' WHERE id = %s", [entry.pk])


@pytest.mark.django_db(transaction=True)
def test_the_flush_lifts_the_guard_for_its_own_transaction_only(entry):
    """Behind PgBouncer in transaction pooling, a session setting would outlive the flush on the server
    connection and lift the guard for the next client given it."""
    if connection.vendor != "postgresql":
        pytest.skip("the setting is PostgreSQL's")
    with whole_database_flush():
        assert connection.in_atomic_block  # SET LOCAL: gone at the transaction's end, on whichever connection
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('openself.ledger_flush', true)")
            assert cursor.fetchone()[0] == "on"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('openself.ledger_flush', true)")
        assert cursor.fetchone()[0] in (None, "")
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM billing_ledgerentry")


@pytest.mark.parametrize(
    "occurred_at",
    [datetime.datetime(1, 1, 1, tzinfo=datetime.UTC), datetime.datetime(1999, 12, 31, 23, 59, tzinfo=datetime.UTC)],
)
def test_the_database_refuses_a_ledger_date_before_2000(lea, occurred_at):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        book(lea, kind=EntryKind.CASH, amount=D("20.00"), label="Espèces", occurred_at=occurred_at)
    assert LedgerEntry.objects.count() == 0
    assert list(wallets_out_of_balance()) == []
