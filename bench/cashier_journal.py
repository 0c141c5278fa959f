"""Benchmark: the cash desk's journal and negative-balance list over a year of ledger entries.

Run against a scratch PostgreSQL database (it writes rows there, never use production):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/openself_bench .venv/bin/python bench/cashier_journal.py 1000000

Fills ``N`` entries spread over 200 school days (95 % meals, like a real year), then prints how
long one day's journal, a month's journal and the negative-balance page's query take.
"""

from __future__ import annotations

import datetime
import os
import random
import sys
import time
from decimal import Decimal

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from billing.desk.journal import journal  # noqa: E402
from billing.models import EntryKind, LedgerEntry, Wallet  # noqa: E402
from canteen.models import Establishment, Pupil  # noqa: E402

PUPILS = 2_000
DAYS = 200
MONEY_KINDS = [EntryKind.CHEQUE, EntryKind.CASH, EntryKind.ONLINE_PAYMENT, EntryKind.DIRECT_DEBIT]


def fill(total: int) -> datetime.date:
    call_command("migrate", verbosity=0)
    school, _ = Establishment.objects.get_or_create(
        code="bench", defaults={"name": "Bench", "contact_email": "b@example.com", "beneficiary": "B", "address": "B"}
    )
    if not Pupil.objects.filter(establishment=school).exists():
        Pupil.objects.bulk_create(
            Pupil(establishment=school, last_name=f"Élève{i}", first_name="Bench", card_number=f"B{i}")
            for i in range(PUPILS)
        )
        Wallet.objects.bulk_create(Wallet(pupil=p) for p in Pupil.objects.filter(establishment=school))
    wallets = list(Wallet.objects.filter(pupil__establishment=school).values_list("pk", flat=True))
    first_day = timezone.now() - datetime.timedelta(days=DAYS)
    rng = random.Random(6)
    batch = []
    for _ in range(total - LedgerEntry.objects.count()):
        moment = first_day + datetime.timedelta(seconds=rng.randrange(DAYS * 86_400))
        meal = rng.random() < 0.95
        batch.append(
            LedgerEntry(
                wallet_id=rng.choice(wallets),
                occurred_at=moment,
                kind=EntryKind.MEAL if meal else rng.choice(MONEY_KINDS),
                amount=Decimal("-3.50") if meal else Decimal("20.00"),
                balance_after=Decimal("0.00"),
                label="Self" if meal else "Paiement",
            )
        )
        if len(batch) == 20_000:
            LedgerEntry.objects.bulk_create(batch)
            batch = []
    LedgerEntry.objects.bulk_create(batch)
    # recorded_at is auto_now_add: spread it like occurred_at so that a day holds 1/200 of the year.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE billing_ledgerentry DISABLE TRIGGER USER")
        cursor.execute("UPDATE billing_ledgerentry SET recorded_at = occurred_at WHERE recorded_at > occurred_at")
        cursor.execute("ALTER TABLE billing_ledgerentry ENABLE TRIGGER USER")
        cursor.execute("ANALYZE billing_ledgerentry")
    return timezone.localdate(first_day) + datetime.timedelta(days=DAYS // 2)


def timed(label: str, function, repeat: int = 5) -> None:
    best = min(_duration(function) for _ in range(repeat))
    print(f"{label:<40} {best * 1000:8.1f} ms (best of {repeat})")


def _duration(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


if __name__ == "__main__":
    if connection.vendor != "postgresql":
        sys.exit("Run this benchmark on PostgreSQL (set DATABASE_URL to a scratch database).")
    day = fill(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
    print(f"{LedgerEntry.objects.count():,} ledger entries, {PUPILS:,} pupils")
    timed("journal of one day", lambda: journal(day, day))
    timed("journal of one month", lambda: journal(day, day + datetime.timedelta(days=30)))
    timed("negative balances, first page", lambda: list(Wallet.objects.filter(balance__lt=0).order_by("balance")[:100]))
