"""The database refuses ledger dates before 2000: a year-1 passage once broke history, CSV and admin.

On PostgreSQL the constraint is added NOT VALID (no long lock on millions of rows, new rows checked
at once), then validated; should an old bad row exist (the append-only trigger keeps it), the
constraint stays in force for every new row and the migration says so instead of failing.
"""

import datetime

from django.db import DatabaseError, migrations, models, transaction

NAME = "entry_occurred_since_2000"
CONSTRAINT = models.CheckConstraint(
    condition=models.Q(occurred_at__gte=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)), name=NAME
)


def add_constraint(apps, schema_editor):
    model = apps.get_model("billing", "LedgerEntry")
    if schema_editor.connection.vendor != "postgresql":
        # SQLite rebuilds the table from the model's constraints: the historical model lacks the new one.
        model._meta.constraints = [*model._meta.constraints, CONSTRAINT]
        schema_editor.add_constraint(model, CONSTRAINT)
        return
    schema_editor.execute(
        f"ALTER TABLE billing_ledgerentry ADD CONSTRAINT {NAME} "
        "CHECK (occurred_at >= '2000-01-01T00:00:00+00:00'::timestamptz) NOT VALID"
    )
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute(f"ALTER TABLE billing_ledgerentry VALIDATE CONSTRAINT {NAME}")
    except DatabaseError:
        print(f"\n  {NAME}: an entry older than 2000 exists; the constraint holds for new entries only.")


def remove_constraint(apps, schema_editor):
    schema_editor.remove_constraint(apps.get_model("billing", "LedgerEntry"), CONSTRAINT)


class Migration(migrations.Migration):
    dependencies = [("billing", "0005_tills")]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddConstraint(model_name="ledgerentry", constraint=CONSTRAINT)],
            database_operations=[migrations.RunPython(add_constraint, remove_constraint)],
        )
    ]
