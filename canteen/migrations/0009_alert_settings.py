"""A guardian's low-balance alert settings, moved here from the portal app (state only).

The table ``portal_alertsettings`` keeps its name: on an existing database nothing runs but the content type
following the model (portal.lib.model_moves); on a new one the portal app's migration creates the table,
hence the dependency on it.
"""

from decimal import Decimal

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from portal.lib.model_moves import content_types_follow


class Migration(migrations.Migration):
    dependencies = [
        ("canteen", "0008_establishment_staff"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("portal", "0005_alerts_move_to_canteen_and_billing"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AlertSettings",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("enabled", models.BooleanField(default=True, verbose_name="m'alerter quand le solde est bas")),
                        (
                            "threshold",
                            models.DecimalField(
                                blank=True,
                                decimal_places=2,
                                help_text="Vide : le prix de deux repas.",
                                max_digits=12,
                                null=True,
                                validators=[
                                    django.core.validators.MinValueValidator(Decimal("0.00")),
                                    django.core.validators.MaxValueValidator(Decimal("500.00")),
                                ],
                                verbose_name="seuil d'alerte",
                            ),
                        ),
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="alert_settings",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="parent",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "réglage d'alerte",
                        "verbose_name_plural": "réglages d'alerte",
                        "db_table": "portal_alertsettings",
                    },
                ),
            ],
        ),
        content_types_follow("portal", "canteen", ["alertsettings"]),
    ]
