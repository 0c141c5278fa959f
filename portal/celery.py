"""The Celery app. The broker comes from CELERY_BROKER_URL; without it, tasks run eagerly."""

import logging
import os

from celery import Celery
from celery.signals import task_failure

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


@task_failure.connect(dispatch_uid="portal.record_task_failure")
def record_task_failure(sender=None, task_id=None, exception=None, args=None, kwargs=None, einfo=None, **extra):
    """A task that fails for good ends in the admin ("Tâches en échec"), not only in a log."""
    from portal.lib.models import TaskFailure

    try:
        TaskFailure.objects.create(
            task=getattr(sender, "name", str(sender))[:200],
            task_id=(task_id or "")[:64],
            arguments=repr({"args": args, "kwargs": kwargs})[:2000],
            error=f"{exception.__class__.__name__}: {exception}"[:2000],
            traceback=str(einfo or "")[:20000],
        )
    except Exception:  # the database is down too: the log is all that is left
        logger.exception("Task %s (%s) failed and could not be recorded", getattr(sender, "name", sender), task_id)
