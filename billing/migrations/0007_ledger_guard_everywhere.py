"""The database refuses to edit, delete or empty the ledger on SQLite too, and TRUNCATE on PostgreSQL.

Migration 0002 refuses UPDATE and DELETE of rows on PostgreSQL; TRUNCATE fires no row trigger,
so a statement trigger refuses it too. The embedded SQLite default gets the same refusals. Only
``billing.guards.whole_database_flush`` (``manage.py flush``) may empty the table.

A SQLite table rebuilt by a later migration loses its triggers: such a migration must create them
again (``billing/tests/test_ledger_guard.py`` fails if they are missing).
"""

from django.db import migrations

POSTGRES_CREATE = """
CREATE OR REPLACE FUNCTION billing_ledger_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('openself.ledger_flush', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'billing_ledgerentry is append-only: TRUNCATE refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_ledger_no_truncate
    BEFORE TRUNCATE ON billing_ledgerentry
    FOR EACH STATEMENT EXECUTE FUNCTION billing_ledger_no_truncate();
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS billing_ledger_no_truncate ON billing_ledgerentry;
DROP FUNCTION IF EXISTS billing_ledger_no_truncate();
"""
SQLITE_CREATE = [
    """
    CREATE TRIGGER billing_ledger_no_update BEFORE UPDATE ON billing_ledgerentry
    BEGIN SELECT RAISE(ABORT, 'billing_ledgerentry is append-only: book a correction instead'); END
    """,
    """
    CREATE TRIGGER billing_ledger_no_delete BEFORE DELETE ON billing_ledgerentry
    WHEN NOT openself_ledger_flush()
    BEGIN SELECT RAISE(ABORT, 'billing_ledgerentry is append-only: book a correction instead'); END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS billing_ledger_no_update",
    "DROP TRIGGER IF EXISTS billing_ledger_no_delete",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_CREATE)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("billing", "0006_ledger_dates_since_2000")]
    operations = [migrations.RunPython(create, drop)]
