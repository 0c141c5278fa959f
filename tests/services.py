"""Real services started by the fault tests, and the faults they inject.

- ``RedisServer``: a redis-server of its own on a free port, stopped and started again mid-test.
- ``SmtpServer``: a local SMTP server (aiosmtpd) that refuses the next n messages, or hangs.
- ``celery_on(url)``: the project's Celery app pointed at a broker for one test, not eager.
- ``terminate_backend_after(n)``: PostgreSQL kills this thread's connection before its n-th query.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import os
import shutil
import socket
import subprocess
import threading
import time

import pytest
from django.db import connection

REDIS_SERVER = shutil.which("redis-server")
needs_redis_server = pytest.mark.skipif(REDIS_SERVER is None, reason="no redis-server binary (apt-get install redis)")
needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL=postgres://…)"
)


def family_message_email(subject: str = "Cantine") -> tuple[str, dict]:
    """A product email for the outbox and broker tests: a family's message, told to the school."""
    return "message-received", {
        "establishment": {"name": "École d'Esvres"},
        "subject": subject,
        "sender": {"name": "", "email": "p@x.fr", "has_login": True},
        "pupil_name": "",
        "body": "Bonjour",
        "sent_at": datetime.datetime(2026, 11, 27, 8, 0, tzinfo=datetime.UTC),
        "admin_url": "http://127.0.0.1:8000/admin/portal/messagethread/1/change/",
    }


def family_message_subject(subject: str = "Cantine") -> str:
    return f"Nouveau message ({subject}) de p@x.fr"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class RedisServer:
    """An ephemeral redis-server (nothing saved to disk) that the test stops and starts at will."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)

        def up() -> bool:
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        assert wait_until(up, 10), "redis-server did not start"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


class SmtpHandler:
    """Refuses the next ``refuse`` messages with a temporary error, then accepts; never answers the
    DATA of the next ``hang`` messages (the client waits until it is killed or times out)."""

    def __init__(self, refuse: int = 0, hang: int = 0) -> None:
        self.refuse = refuse
        self.hang = hang
        self.accepted: list = []
        self.refused = 0
        self.data_started = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.data_started.set()
        if self.hang > 0:
            self.hang -= 1
            await asyncio.sleep(3600)
        if self.refuse > 0:
            self.refuse -= 1
            self.refused += 1
            return "451 4.3.0 Serveur occupé, réessayez plus tard"
        self.accepted.append(envelope)
        return "250 2.0.0 OK"


@contextlib.contextmanager
def smtp_server(handler: SmtpHandler):
    from aiosmtpd.controller import Controller

    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller
    finally:
        controller.stop(no_assert=True)


def use_smtp(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5


def reset_broker_connections(app) -> None:
    from kombu import pools

    pools.reset()  # closes and forgets kombu's shared connection and producer pools
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def celery_on(url: str):
    """The project's Celery app publishing to ``url``, tasks no longer run eagerly."""
    from portal.celery import app
    from portal.lib import broker

    # Celery reads the CELERY_BROKER_URL environment variable before its configuration: both change.
    previous_env = os.environ.get("CELERY_BROKER_URL")
    previous = app.conf.broker_url, app.conf.task_always_eager
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.broker_url, app.conf.task_always_eager = url, False
    reset_broker_connections(app)
    broker.forget_failures()
    try:
        with app.connection_for_write() as conn:
            assert conn.as_uri(include_password=True) == url, "the test would publish to another broker"
        yield app
    finally:
        if previous_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = previous_env
        app.conf.broker_url, app.conf.task_always_eager = previous
        reset_broker_connections(app)
        broker.forget_failures()


def _side_connection():
    import psycopg2

    params = connection.get_connection_params()
    return psycopg2.connect(**params)


def terminate_all_backends() -> int:
    """What a PostgreSQL restart does to the connections of the test database (ours included)."""
    with contextlib.closing(_side_connection()) as side:
        side.autocommit = True
        with side.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return cursor.fetchone()[0]


@contextlib.contextmanager
def terminate_backend_after(queries: int):
    """PostgreSQL terminates this thread's connection just before its ``queries``-th query (1 = the first)."""
    seen = {"count": 0, "terminated": False}

    def wrapper(execute, sql, params, many, context):
        seen["count"] += 1
        if seen["count"] == queries and not seen["terminated"]:
            seen["terminated"] = True
            pid = context["connection"].connection.info.backend_pid
            with contextlib.closing(_side_connection()) as side:
                side.autocommit = True
                with side.cursor() as cursor:
                    cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            wait_until(lambda: not _alive(pid), 5)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen


def _alive(pid: int) -> bool:
    with contextlib.closing(_side_connection()) as side, side.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None
