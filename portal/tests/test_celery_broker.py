"""One task through the real broker, executed by a worker this test starts."""

import time

import pytest
from django.conf import settings

from portal.celery import app
from portal.lib.emails import send_email

pytestmark = [
    pytest.mark.broker,
    pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="no CELERY_BROKER_URL: the real-broker test needs Redis"),
]


def test_a_task_sent_through_redis_is_run_by_a_worker_and_its_email_delivered(mailoutbox):
    from celery.contrib.testing.worker import start_worker

    assert not app.conf.task_always_eager
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        send_email.delay("contact", ["ecole@example.com"], {"subject": "Cantine", "message": "Bonjour"})
        deadline = time.monotonic() + 20
        while not mailoutbox and time.monotonic() < deadline:
            time.sleep(0.05)
    assert [m.subject for m in mailoutbox] == ["[Espace numérique] Cantine"]
    assert mailoutbox[0].to == ["ecole@example.com"]
