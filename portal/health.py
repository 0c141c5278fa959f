"""Health checks for the load balancer and the operator: liveness and readiness."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from portal.lib.emails import outbox_counts
from portal.lib.models import TaskFailure


@never_cache
def healthz(request):
    """Liveness for load balancers: answers without touching the database."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def readyz(request):
    """Readiness, and what is down: the database (503 without it: this process cannot serve), the
    Celery broker and the email outbox (the portal still serves without them: "degraded", 200).

    ``outbox``: emails waiting, waiting for more than 15 minutes ("late": a broker, worker or mail
    server is down) and given up on ("failed": for staff to resend in the admin); ``tasks``: Celery
    tasks that failed for good in the last 24 hours (listed in the admin).
    """
    checks: dict = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "not ready"
        checks["database"] = f"error: {exc.__class__.__name__}"
    if settings.CELERY_BROKER_URL:
        from .celery import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = "ok"
        except ImportError as exc:  # not a broker that is down: an incomplete installation
            checks["broker"] = f"error: the transport cannot be loaded ({exc.__class__.__name__}: {exc})"
        except Exception as exc:
            checks["broker"] = f"error: {exc.__class__.__name__}"
    if checks["database"] == "ok":
        try:
            checks["outbox"] = outbox_counts()
        except Exception as exc:  # the table is missing (migrations not run) or the database went away
            checks["outbox"] = f"error: {exc.__class__.__name__}"
    if checks["database"] == "ok":
        try:
            since = timezone.now() - timedelta(hours=24)
            checks["tasks"] = {"failed_last_24h": TaskFailure.objects.filter(failed_at__gte=since).count()}
        except Exception as exc:
            checks["tasks"] = f"error: {exc.__class__.__name__}"
    if checks["database"] != "ok":
        status = "down"
    elif checks.get("broker", "ok") != "ok" or not isinstance(checks["outbox"], dict) or checks["outbox"]["late"]:
        status = "degraded"
    else:
        status = "ok"
    checks["status"] = status
    return JsonResponse(checks, status=503 if status == "down" else 200)
