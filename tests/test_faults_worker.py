"""A worker killed (SIGKILL, as by the OOM killer or a lost machine) while the mail server holds the
email: the row lock dies with its connection, the email is still pending, and the next beat run has
another worker send it, once.

Real processes: a redis-server, two ``celery worker`` processes on the test database, two SMTP servers
(one that never answers the end of DATA, one that accepts).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from portal.lib.emails import queue_email, requeue_pending_emails
from portal.lib.models import OutboxMessage

from .services import (
    RedisServer,
    SmtpHandler,
    celery_on,
    family_message_email,
    needs_postgres,
    needs_redis_server,
    smtp_server,
    wait_until,
)

EMAIL, CONTEXT = family_message_email()

pytestmark = [needs_postgres, needs_redis_server, pytest.mark.django_db(transaction=True)]


def start_worker(broker_url: str, smtp_port: int, pool: str = "solo") -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": broker_url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
        "DEBUG": "1",
        "CACHE_URL": "",
    }
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "-P", pool, "-c", "1", "-l", "warning"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, start_new_session=True)


def locked_by_someone_else(pk: int) -> bool:
    with transaction.atomic():
        return not OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=pk).exists()


def test_a_worker_killed_while_sending_loses_nothing_and_the_next_beat_sends_it_once():
    redis_server = RedisServer()
    redis_server.start()
    stuck, healthy = SmtpHandler(hang=1000), SmtpHandler()
    workers: list[subprocess.Popen] = []
    try:
        with smtp_server(stuck) as stuck_smtp, smtp_server(healthy) as healthy_smtp, celery_on(redis_server.url):
            workers.append(start_worker(redis_server.url, stuck_smtp.port))
            queue_email(EMAIL, "ecole@example.com", CONTEXT)
            row = OutboxMessage.objects.get()
            # The first worker takes it and waits for the mail server, the row locked.
            assert stuck.data_started.wait(90), "the worker never reached the mail server"
            assert locked_by_someone_else(row.pk)
            os.killpg(workers[0].pid, signal.SIGKILL)
            workers[0].wait(10)
            # Its connection gone, PostgreSQL releases the lock; nothing was marked.
            assert wait_until(lambda: not locked_by_someone_else(row.pk), 10)
            row.refresh_from_db()
            assert row.status == OutboxMessage.Status.PENDING and row.attempts == 0

            workers.append(start_worker(redis_server.url, healthy_smtp.port))
            OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=row.created_at)  # two minutes later
            requeue_pending_emails.delay()  # what beat sends every minute
            assert wait_until(lambda: OutboxMessage.objects.get(pk=row.pk).status == "sent", 90)
            wait_until(lambda: False, 2)  # anything sent twice would arrive by now
        assert len(healthy.accepted) == 1 and healthy.accepted[0].rcpt_tos == ["ecole@example.com"]
        assert stuck.accepted == []
        row.refresh_from_db()
        assert row.attempts == 1 and row.sent_at is not None
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                try:
                    worker.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)
        redis_server.stop()


def test_a_pool_process_killed_while_sending_gives_the_task_back_and_the_email_leaves_once():
    """``reject_on_worker_lost``: the worker's parent sees its pool process die and puts the message
    back on the queue; a new pool process sends the email, with no beat run."""
    redis_server = RedisServer()
    redis_server.start()
    smtp = SmtpHandler(hang=1)
    worker = None
    try:
        with smtp_server(smtp) as server, celery_on(redis_server.url):
            worker = start_worker(redis_server.url, server.port, pool="prefork")
            queue_email(EMAIL, "ecole@example.com", CONTEXT)
            row = OutboxMessage.objects.get()
            assert smtp.data_started.wait(90), "the worker never reached the mail server"
            children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
            assert len(children) == 1
            os.kill(int(children[0]), signal.SIGKILL)
            assert wait_until(lambda: OutboxMessage.objects.get(pk=row.pk).status == "sent", 90)
            wait_until(lambda: False, 2)
        assert len(smtp.accepted) == 1
        row.refresh_from_db()
        assert row.attempts == 1
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        redis_server.stop()
