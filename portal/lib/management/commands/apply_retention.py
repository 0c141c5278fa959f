from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from portal.lib.personal_data import apply_retention


class Command(BaseCommand):
    help = (
        "Apply every retention rule of the register of personal data (what Celery beat runs each night): "
        "delete or anonymise what is kept longer than the PRIVACY_* settings allow. --dry-run counts without "
        "changing anything. Running it twice changes nothing the second time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what is due, change nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        counts = apply_retention(timezone.now(), dry_run=dry_run)
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count}")
        verb = "due (dry run, nothing changed)" if dry_run else "deleted or anonymised"
        self.stdout.write(f"{sum(counts.values())} rows {verb} by {len(counts)} rules.")
