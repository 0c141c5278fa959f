"""The outbox and the failed tasks, moved here from the portal app (state only).

Their tables were created by the portal app's first migration and keep their names: on an existing
database nothing runs but the content types following the models (portal.lib.model_moves); on a new one
the portal app's migration creates the tables, hence the dependency on it.
"""

from django.db import migrations, models

from portal.lib.model_moves import content_types_follow


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("portal", "0004_outbox_moves_to_lib"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TaskFailure",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("task", models.CharField(max_length=200, verbose_name="tâche")),
                        ("task_id", models.CharField(blank=True, max_length=64, verbose_name="identifiant")),
                        ("arguments", models.TextField(blank=True, verbose_name="arguments")),
                        ("error", models.TextField(verbose_name="erreur")),
                        ("traceback", models.TextField(blank=True, verbose_name="trace")),
                        ("failed_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="échouée le")),
                    ],
                    options={
                        "verbose_name": "tâche en échec",
                        "verbose_name_plural": "tâches en échec",
                        "ordering": ["-failed_at"],
                        "db_table": "portal_taskfailure",
                    },
                ),
                migrations.CreateModel(
                    name="OutboxMessage",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=100, verbose_name="modèle")),
                        ("recipients", models.JSONField(verbose_name="destinataires")),
                        ("reply_to", models.JSONField(blank=True, null=True, verbose_name="répondre à")),
                        ("context", models.TextField(verbose_name="contexte")),
                        ("language", models.CharField(default="fr", max_length=10, verbose_name="langue")),
                        (
                            "status",
                            models.CharField(
                                choices=[("pending", "En attente"), ("sent", "Envoyé"), ("failed", "En échec")],
                                default="pending",
                                max_length=10,
                                verbose_name="état",
                            ),
                        ),
                        ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="tentatives")),
                        ("last_error", models.TextField(blank=True, verbose_name="dernière erreur")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="créé le")),
                        ("next_attempt_at", models.DateTimeField(verbose_name="prochaine tentative")),
                        ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="envoyé le")),
                    ],
                    options={
                        "verbose_name": "email sortant",
                        "verbose_name_plural": "emails sortants",
                        "ordering": ["-created_at"],
                        "db_table": "portal_outboxmessage",
                        "indexes": [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")],
                    },
                ),
            ],
        ),
        content_types_follow("portal", "lib", ["outboxmessage", "taskfailure"]),
    ]
