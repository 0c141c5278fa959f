#!/usr/bin/env python
"""The meal-booking cut-off task at a district's scale: its time, and that a second run does nothing.

    .venv/bin/python bench/booking_cutoff.py                     # 50,000 pupils, 100 schools
    .venv/bin/python bench/booking_cutoff.py --pupils 10000      # a smaller district (shared machines)

The script drops and recreates its own PostgreSQL database (``openself_bench_booking`` by default; the name must
start with ``openself_bench``), migrates it, then fills, with ``bulk_create``: ``--schools`` establishments that
take bookings (lunch every weekday, the cut-off at 9:30 the same day, a booked meal not taken charged), their
pupils (each with a wallet and a top-up booked through ``billing.ledger.book_many``), and bookings: yesterday's
lunch for 90 % of the pupils, four in five of them taken, and today's for 90 %. Then it runs
``billing.tasks.apply_booking_cutoffs`` twice and prints each run's time and what it did: the first freezes the
counts of yesterday and today (when today's cut-off has passed), closes yesterday and charges the meals not
taken, through the one ledger road; the second must change nothing.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="openself_bench_booking", help="database to DROP and recreate")
    parser.add_argument("--pupils", type=int, default=50_000)
    parser.add_argument("--schools", type=int, default=100)
    return parser.parse_args()


def fill(pupils_count: int, schools_count: int) -> datetime.date:
    from django.core.management import call_command

    from billing.ledger import Movement, book_many
    from billing.models import EntryKind, Wallet
    from canteen.booking.models import BookingSettings, BookingStatus, MealBooking, Service
    from canteen.models import Establishment, Pupil, Tariff
    from portal.lib.localtime import today_at

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    schools = Establishment.objects.bulk_create(
        Establishment(name=f"École {n}", code=f"B{n}", contact_email="e@example.fr", beneficiary="B", address="A")
        for n in range(schools_count)
    )
    Tariff.objects.bulk_create(
        Tariff(establishment=s, category=category, price=Decimal(price), valid_from=datetime.date(2020, 9, 1))
        for s in schools
        for category, price in (("Élève", "3.50"), ("Maternelle", "3.10"))
    )
    BookingSettings.objects.bulk_create(BookingSettings(establishment=s, enabled=True) for s in schools)
    services = Service.objects.bulk_create(
        Service(establishment=s, weekdays="1234567", cutoff_time=datetime.time(9, 30)) for s in schools
    )
    per_school = pupils_count // schools_count
    pupils = Pupil.objects.bulk_create(
        (
            Pupil(
                establishment=school,
                last_name=f"Élève {n}",
                first_name="Bench",
                card_number=f"{school.pk}x{n}",
                class_name=f"C{n % 12}",
                category="Élève" if n % 5 else "Maternelle",
            )
            for school in schools
            for n in range(per_school)
        ),
        batch_size=5000,
    )
    Wallet.objects.bulk_create((Wallet(pupil=p) for p in pupils), batch_size=5000)
    for start in range(0, len(pupils), 5000):
        book_many(
            [
                Movement(p.pk, EntryKind.ONLINE_PAYMENT, Decimal("40.00"), "Paiement en ligne")
                for p in pupils[start : start + 5000]
            ]
        )
    today = today_at(schools[0])
    yesterday = today - datetime.timedelta(days=1)
    service_of = {s.establishment_id: s for s in services}
    rows = []
    for n, pupil in enumerate(pupils):
        if n % 10:
            status = BookingStatus.TAKEN if n % 5 else BookingStatus.BOOKED
            rows.append(
                MealBooking(pupil=pupil, service=service_of[pupil.establishment_id], day=yesterday, status=status)
            )
            rows.append(MealBooking(pupil=pupil, service=service_of[pupil.establishment_id], day=today))
    MealBooking.objects.bulk_create(rows, batch_size=10_000)
    print(
        f"fill: {schools_count} schools, {len(pupils):,} pupils, {len(rows):,} bookings "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return yesterday


def main() -> None:
    args = parse_args()
    if not args.database.startswith("openself_bench"):
        sys.exit(f"refusing to drop {args.database!r}: the bench database's name starts with openself_bench")
    os.environ.update(
        {
            "DATABASE_URL": f"{args.server}/{args.database}",
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-secret",
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
        }
    )
    import psycopg2

    server = psycopg2.connect(f"{args.server}/postgres")
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{args.database}"')
    server.close()
    import django

    django.setup()
    yesterday = fill(args.pupils, args.schools)
    from django.db import connection

    from billing.models import LedgerEntry
    from billing.tasks import apply_booking_cutoffs
    from canteen.booking.models import KitchenCount

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    for run in (1, 2):
        started = time.perf_counter()
        summary = apply_booking_cutoffs()
        print(f"run {run}: {time.perf_counter() - started:.1f} s, {summary}")
    charged = LedgerEntry.objects.filter(label="Repas réservé non consommé").count()
    frozen = KitchenCount.objects.filter(day=yesterday).count()
    print(f"charged once: {charged:,} meals not taken; {frozen:,} kitchen count rows for yesterday")


if __name__ == "__main__":
    main()
