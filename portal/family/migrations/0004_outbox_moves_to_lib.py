"""The outbox and the failed tasks now belong to portal.lib (state only: their tables keep their names)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("portal", "0003_french_names")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="OutboxMessage"), migrations.DeleteModel(name="TaskFailure")],
        ),
    ]
