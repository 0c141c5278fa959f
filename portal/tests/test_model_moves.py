"""Models moved between apps keep an existing database's rows: migrating a database of the old layout
forward changes no table, and the moved models' content types (their permissions, the admin's history of
their rows) follow them. Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.migrations import latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

# The layout before the moves: the outbox, the failed tasks, the alert settings and the alerts sent, all
# in the portal app.
BEFORE = [("portal", "0003_french_names")]


def test_the_outbox_and_the_failed_tasks_keep_their_rows_in_portal_lib():
    old = migrate(BEFORE)
    ContentType = old.get_model("contenttypes", "ContentType")
    outbox_type = ContentType.objects.get_or_create(app_label="portal", model="outboxmessage")[0]
    email = old.get_model("portal", "OutboxMessage").objects.create(
        name="payment-receipt", recipients=["camille@example.com"], context="{}", next_attempt_at=timezone.now()
    )
    failure = old.get_model("portal", "TaskFailure").objects.create(task="portal.tasks.x", error="boom")

    new = migrate(latest())
    assert new.get_model("lib", "OutboxMessage").objects.get(pk=email.pk).recipients == ["camille@example.com"]
    assert new.get_model("lib", "TaskFailure").objects.get(pk=failure.pk).error == "boom"
    moved = new.get_model("contenttypes", "ContentType").objects.get(pk=outbox_type.pk)
    assert (moved.app_label, moved.model) == ("lib", "outboxmessage")


def test_the_alert_settings_and_the_alerts_sent_keep_their_rows_in_canteen_and_billing():
    old = migrate(BEFORE)
    User, Pupil = old.get_model("accounts", "User"), old.get_model("canteen", "Pupil")
    school = old.get_model("canteen", "Establishment").objects.create(name="Esvres", code="4388")
    lea = Pupil.objects.create(establishment=school, last_name="Martin", first_name="Léa", card_number="10001")
    camille = User.objects.create(email="camille@example.com")
    settings_row = old.get_model("portal", "AlertSettings").objects.create(user=camille, threshold="15.00")
    alert = old.get_model("portal", "LowBalanceAlert").objects.create(user=camille, pupil=lea, below=True)
    ContentType = old.get_model("contenttypes", "ContentType")
    settings_type = ContentType.objects.get_or_create(app_label="portal", model="alertsettings")[0]

    new = migrate(latest())
    assert str(new.get_model("canteen", "AlertSettings").objects.get(pk=settings_row.pk).threshold) == "15.00"
    assert new.get_model("billing", "LowBalanceAlert").objects.get(pk=alert.pk).below is True
    moved = new.get_model("contenttypes", "ContentType").objects.get(pk=settings_type.pk)
    assert (moved.app_label, moved.model) == ("canteen", "alertsettings")
