"""A guardian's alert settings now belong to canteen, the record of alerts sent to billing, which tells
whose balance went low (state only: their tables keep their names)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_outbox_moves_to_lib")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AlertSettings"), migrations.DeleteModel(name="LowBalanceAlert")],
        ),
    ]
