"""Django's ``flush`` (empty the whole database), allowed past the ledger's guard (billing.guards).

The test suite flushes between transactional tests; without this the append-only triggers
would refuse to empty the ledger. Emptying everything is the one exception: a single row is
never edited nor deleted.
"""

from django.core.management.commands import flush

from billing.guards import whole_database_flush


class Command(flush.Command):
    def handle(self, **options):
        with whole_database_flush(options["database"]):
            return super().handle(**options)
