"""The database's own guard of the ledger, on PostgreSQL and on the embedded SQLite alike.

Triggers refuse any UPDATE or DELETE of a ledger row (migrations 0002 and 0007) and, on
PostgreSQL, a TRUNCATE of the table. Emptying the whole database (``manage.py flush``, which
the test suite runs between transactional tests) is the one legitimate exception: it runs
inside ``whole_database_flush()``, which lifts the DELETE/TRUNCATE guard for its own transaction
only (``SET LOCAL`` on PostgreSQL, a function SQLite's trigger asks). Editing a row stays refused
even then: the UPDATE triggers have no exception.
"""

from __future__ import annotations

import contextlib

from django.db import connections, transaction
from django.db.backends.signals import connection_created

UNLOCK_SETTING = "openself.ledger_flush"
SQLITE_FUNCTION = "openself_ledger_flush"
_flushing_sqlite = {"on": False}  # SQLite's test database is shared between threads (live server)


@contextlib.contextmanager
def whole_database_flush(using: str = "default"):
    """Let ``flush`` empty the ledger table with the rest of the database; nothing else uses it."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        # Transaction-scoped: behind PgBouncer in transaction pooling, a session setting would stay on
        # the server connection and lift the guard for whichever client is given that connection next.
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL {UNLOCK_SETTING} = 'on'")
            yield
        return
    _flushing_sqlite["on"] = True
    try:
        yield
    finally:
        _flushing_sqlite["on"] = False


def _register_sqlite_function(sender, connection, **kwargs) -> None:
    # The SQLite trigger refuses a DELETE unless this answers 1; a connection without it
    # (the sqlite3 shell) gets "no such function": refused as well.
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 0, lambda: int(_flushing_sqlite["on"]))


def connect() -> None:
    connection_created.connect(_register_sqlite_function, dispatch_uid="billing-ledger-guard")
