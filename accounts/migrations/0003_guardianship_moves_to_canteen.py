"""The guardianship (a login linked to a pupil) now belongs to canteen, beside the pupil.

State only: the table ``accounts_guardianship`` stays as it is; canteen's migration 0002
takes it over under the same name.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_account_requests")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="user", name="pupils"),
                migrations.DeleteModel(name="Guardianship"),
            ],
        ),
    ]
