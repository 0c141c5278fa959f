"""On PostgreSQL (portal.lib.postgresql): a connection that served a query in the last second is not pinged
before the next request's first query; one idle for longer is, and a dead one is replaced unnoticed."""

from __future__ import annotations

from contextlib import contextmanager

import psycopg2
import pytest
from django.db import close_old_connections, connection, connections

from portal.lib.postgresql.base import CHECK_DELAY

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the health checks of the PostgreSQL backend"),
]


@pytest.fixture
def pings(monkeypatch) -> list[bool]:
    seen = []
    wrapper = type(connections["default"])
    real = wrapper.is_usable

    def is_usable(self):
        seen.append(result := real(self))
        return result

    monkeypatch.setattr(wrapper, "is_usable", is_usable)
    return seen


def next_request_query() -> int:
    """What Django does between two requests, then the next request's first query."""
    close_old_connections()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone()[0]


def test_a_connection_busy_a_moment_ago_is_not_pinged_an_idle_one_is(settings, pings):
    assert connection.health_check_enabled
    next_request_query()
    pings.clear()
    next_request_query()
    assert pings == []
    connection.used_at -= CHECK_DELAY
    next_request_query()
    assert pings == [True]


def test_a_connection_the_server_closed_while_idle_is_replaced(pings):
    next_request_query()
    backend_pid = connection.connection.info.backend_pid
    with other_connection() as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
    connection.used_at -= CHECK_DELAY
    assert next_request_query() == 1  # pinged, found dead, reconnected: the request never saw it
    assert pings == [False]
    assert connection.connection.info.backend_pid != backend_pid


@contextmanager
def other_connection():
    """A second session on the server, outside Django's connection."""
    raw = psycopg2.connect(**connection.get_connection_params())
    raw.autocommit = True
    try:
        yield raw.cursor()
    finally:
        raw.close()
