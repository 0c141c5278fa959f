"""Prepare the month's direct debits: pre-notified by the daily task, then sent to the bank in a file."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from billing.desk.operations import prepare_direct_debits
from canteen.models import Establishment


def parse_month(value: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise CommandError(f"Month must look like 2026-10, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Computes the month's debit of every active mandate (a fixed amount per child, or what tops each "
        "child up to N meals) and records them as pending payments, split between the children of the "
        "mandate's establishment (--establishment CODE: only that establishment's mandates), each with its "
        "collection date (the establishment's collection day, or later to leave the pre-notification delay). "
        "The daily task (run_direct_debit_calendar) pre-notifies the families; the cashier downloads the bank "
        "file in the admin (Prélèvements → Fichier pour la banque); nothing is credited before the collection "
        "date. Running it twice for the same month prepares nothing more."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", type=parse_month, help="YYYY-MM (default: the current month)")
        parser.add_argument("--establishment", help="an establishment's public code (default: all of them)")

    def handle(self, *args, month: datetime.date | None = None, establishment: str | None = None, **options):
        month = month or timezone.localdate()
        establishments = None
        if establishment:
            establishments = Establishment.objects.filter(code=establishment)
            if not establishments.exists():
                raise CommandError(f"No establishment with the code {establishment!r}.")
        debits = prepare_direct_debits(month, establishments=establishments)
        total = sum((debit.payment.amount for debit in debits), 0)
        self.stdout.write(f"{len(debits)} direct debit(s) prepared for {month:%m/%Y}, total {total} EUR.")
