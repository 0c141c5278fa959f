"""The test database taken to the migrations of an older layout and forward again: what the tests of data and
state migrations have in common (they run with ``django_db(transaction=True)``)."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets: list[tuple[str, str]]):
    """Migrate to ``targets`` (forward or back); returns the apps of that state, its historical models."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest() -> list[tuple[str, str]]:
    """Every app's last migration: the layout of the code as it is."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()
