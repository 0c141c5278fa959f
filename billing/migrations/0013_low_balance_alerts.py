"""The record of low-balance alerts sent, moved here from the portal app (state only).

The table ``portal_lowbalancealert`` keeps its name: on an existing database nothing runs but the content
type following the model (portal.lib.model_moves); on a new one the portal app's migration creates the
table, hence the dependency on it.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from portal.lib.model_moves import content_types_follow


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0012_fill_establishment_of_slips_and_mandates"),
        ("canteen", "0009_alert_settings"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("portal", "0005_alerts_move_to_canteen_and_billing"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="LowBalanceAlert",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("below", models.BooleanField(default=False, verbose_name="sous le seuil")),
                        ("changed_at", models.DateTimeField(auto_now=True, verbose_name="modifiée le")),
                        (
                            "pupil",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="canteen.pupil",
                                verbose_name="élève",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="parent",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "alerte de solde bas",
                        "verbose_name_plural": "alertes de solde bas",
                        "db_table": "portal_lowbalancealert",
                        "indexes": [
                            models.Index(condition=models.Q(("below", True)), fields=["pupil"], name="low_balance_below_idx")
                        ],
                        "constraints": [models.UniqueConstraint(fields=("user", "pupil"), name="low_balance_alert_unique")],
                    },
                ),
            ],
        ),
        content_types_follow("portal", "billing", ["lowbalancealert"]),
    ]
