"""Who guards each pupil, moved here from accounts (state only: the table keeps its name)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("canteen", "0001_initial"),
        ("accounts", "0003_guardianship_moves_to_canteen"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Guardianship",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="créé le")),
                        (
                            "pupil",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="guardianships",
                                to="canteen.pupil",
                                verbose_name="élève",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="guardianships",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="parent",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "lien parent – élève",
                        "verbose_name_plural": "liens parent – élève",
                        "db_table": "accounts_guardianship",
                        "constraints": [
                            models.UniqueConstraint(fields=("user", "pupil"), name="guardianship_unique")
                        ],
                    },
                ),
                migrations.AddField(
                    model_name="pupil",
                    name="guardians",
                    field=models.ManyToManyField(
                        related_name="pupils",
                        through="canteen.Guardianship",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="responsables légaux",
                    ),
                ),
            ],
        ),
    ]
