"""A task that fails for good ends in the admin, for superusers, and in /readyz."""

from __future__ import annotations

import pytest
from celery import shared_task
from django.urls import reverse

from accounts.models import User
from portal.lib.models import TaskFailure

pytestmark = pytest.mark.django_db(transaction=True)


@shared_task
def explode(school_code: str) -> None:
    raise ValueError(f"no such school: {school_code}")


def test_a_failing_task_is_recorded_with_its_arguments_and_error(client, administrator):
    explode.delay("4388")
    failure = TaskFailure.objects.get()
    assert failure.task.endswith("test_task_failures.explode")
    assert "4388" in failure.arguments and failure.error == "ValueError: no such school: 4388"
    assert "Traceback" in failure.traceback
    assert client.get(reverse("readyz")).json()["tasks"] == {"failed_last_24h": 1}

    url = reverse("admin:lib_taskfailure_change", args=[failure.pk])
    client.force_login(administrator)
    assert client.get(url).status_code == 403
    client.force_login(User.objects.create_superuser("exploitant@openself.example", "un-mot-de-passe-solide-42"))
    assert "no such school: 4388" in client.get(reverse("admin:lib_taskfailure_changelist")).content.decode()


def test_a_task_that_succeeds_records_nothing(mailoutbox):
    from accounts.tasks import email_pending_requests_digest

    assert email_pending_requests_digest.delay().get() == 0
    assert TaskFailure.objects.count() == 0
