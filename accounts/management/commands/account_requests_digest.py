from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts.tasks import email_pending_requests_digest


class Command(BaseCommand):
    help = (
        "Emails each establishment's contact address the number of pending account requests and how many "
        "wait for more than 48 hours, and each staff member who may validate requests the same for the "
        "establishments they work at. Celery beat runs it every morning; this command runs it now."
    )

    def handle(self, *args, **options):
        sent = email_pending_requests_digest()
        self.stdout.write(self.style.SUCCESS(f"Account requests digest: {sent} establishment(s) emailed."))
