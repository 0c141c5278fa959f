"""Moving a model from one app to another without touching its table: what the migrations of both apps do.

The old app's migration forgets the model (``SeparateDatabaseAndState`` with state operations only), the new
app's migration declares it again with the same ``db_table``: no SQL runs, an existing database keeps its rows.
``content_types_follow`` moves the model's content type to its new app, so that its permissions and the
admin's history of its rows stay attached to it (a fresh database has none yet: nothing to move).
"""

from __future__ import annotations

from django.db import migrations


def content_types_follow(old_label: str, new_label: str, models: list[str]) -> migrations.RunPython:
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model in models:
            if not ContentType.objects.filter(app_label=new_label, model=model).exists():
                ContentType.objects.filter(app_label=old_label, model=model).update(app_label=new_label)

    def move_back(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model in models:
            if not ContentType.objects.filter(app_label=old_label, model=model).exists():
                ContentType.objects.filter(app_label=new_label, model=model).update(app_label=old_label)

    return migrations.RunPython(move, move_back)
