#!/usr/bin/env python
"""Fill PostgreSQL with a district's canteen data, then measure the till API and the history page.

    .venv/bin/python bench/ledger_bench.py                # the full district: 100 schools, 50,000 pupils, ~7 M entries
    .venv/bin/python bench/ledger_bench.py --scale 0.1    # a tenth of it, a few minutes on a small machine

It drops and recreates its own database (``openself_bench`` by default, ``--database`` to change it):
never point it at a database you care about. It prints:

- till throughput: passages/s of 500-passage batches posted to ``POST /api/till/meals`` (through
  Django's full request handling, one transaction per batch as in production), beside PostgreSQL's
  own single-row UPDATE rate measured by ``pgbench`` on the same server in the same run: the floor,
  one transaction per statement, that a passage is compared to (a batch is about 6 statements in all);
- the history page's server time for the first and a far page, for a typical pupil and for one
  heavy account with many years of history;
- how long ``verify_wallets``' check takes over the whole ledger.

The fill uses COPY; it writes wallets and entries directly, with balances equal to the sums (the
benchmark is the only code allowed to do so: it builds a database, it does not move money).
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHOOLS, PUPILS, MEALS_A_YEAR = 100, 50_000, 140
YEAR_START, YEAR_END = datetime.date(2025, 9, 1), datetime.date(2026, 7, 3)
LUNCH_DAYS = {0, 1, 3, 4}
PRICES = {"Élève": Decimal("3.50"), "Maternelle": Decimal("3.10")}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the district (default 1: 50,000 pupils)")
    parser.add_argument("--database", default="openself_bench", help="database to DROP and recreate")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--batches", type=int, default=10, help="till batches of 500 passages to post")
    parser.add_argument("--heavy", type=int, default=20_000, help="entries of the one heavy account")
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    return parser.parse_args()


def recreate_database(server: str, name: str) -> None:
    import psycopg2

    connection = psycopg2.connect(f"{server}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def school_days() -> list[datetime.date]:
    day, days = YEAR_START, []
    while day <= YEAR_END:
        if day.weekday() in LUNCH_DAYS:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def fill(scale: float, heavy: int) -> dict:
    """Schools, tariffs and pupils through the ORM; wallets and a school year of entries through COPY."""
    from django.db import connection

    from accounts.models import User
    from billing.till.models import Till
    from canteen.models import Establishment, Guardianship, Pupil, Tariff

    rng = random.Random(2026)
    n_schools, n_pupils = max(1, round(SCHOOLS * scale)), max(500, round(PUPILS * scale))
    schools = Establishment.objects.bulk_create(
        Establishment(
            name=f"École {i:03d}", code=f"E{i:03d}", contact_email=f"e{i}@bench.example", beneficiary="x", address="y"
        )
        for i in range(n_schools)
    )
    Tariff.objects.bulk_create(
        Tariff(establishment=s, category=c, price=p, valid_from=datetime.date(2020, 9, 1))
        for s in schools
        for c, p in PRICES.items()
    )
    pupils = Pupil.objects.bulk_create(
        (
            Pupil(
                establishment=schools[i % n_schools],
                last_name=f"Nom{i}",
                first_name=f"Prénom{i}",
                card_number=f"{i:06d}",
                category="Maternelle" if i % 4 == 0 else "Élève",
            )
            for i in range(n_pupils + 1)
        ),
        batch_size=5000,
    )
    heavy_pupil, pupils = pupils[-1], pupils[:-1]
    days = school_days()
    zone = datetime.timezone(datetime.timedelta(hours=1))
    meals_a_day = MEALS_A_YEAR / len(days)
    wallet_rows = io.StringIO()
    entries = 0

    def account(pupil, n_days: list[datetime.date]) -> tuple[Decimal, list[str]]:
        price, balance, rows = PRICES[pupil.category], Decimal("0.00"), []
        month = None
        for n, day in enumerate(n_days):
            if day.month != month:  # a top-up at the start of each month
                month = day.month
                amount = Decimal(rng.choice([30, 40, 50, 60]))
                balance += amount
                at = datetime.datetime.combine(day, datetime.time(8, rng.randrange(60)), zone)
                rows.append(f"{at.isoformat()}\tonline_payment\t{amount}\t{balance}\tPaiement en ligne\t\\N")
            if rng.random() < meals_a_day or n_days is not days:
                balance -= price
                at = datetime.datetime.combine(day, datetime.time(12, rng.randrange(60)), zone)
                rows.append(f"{at.isoformat()}\tmeal\t{-price}\t{balance}\tSelf\ttill:0:{pupil.pk}-{n}")
        return balance, rows

    balances = {}
    copy = connection.cursor().cursor
    buffer = io.StringIO()
    heavy_days = [YEAR_START + datetime.timedelta(days=i) for i in range(heavy)]
    for pupil in [*pupils, heavy_pupil]:
        balance, rows = account(pupil, heavy_days if pupil is heavy_pupil else days)
        balances[pupil.pk] = (balance, rows)
    for pupil_id, (balance, _rows) in balances.items():
        wallet_rows.write(f"{pupil_id}\t{balance}\t2026-07-03T18:00:00+00:00\n")
    wallet_rows.seek(0)
    copy.copy_expert("COPY billing_wallet (pupil_id, balance, updated_at) FROM STDIN", wallet_rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pupil_id, id FROM billing_wallet")
        wallet_of = dict(cursor.fetchall())
    columns = "wallet_id, occurred_at, kind, amount, balance_after, label, reference, recorded_at, note"
    for pupil_id, (_balance, rows) in balances.items():
        for row in rows:
            buffer.write(f"{wallet_of[pupil_id]}\t{row}\t2026-07-03T18:00:00+00:00\t\n")
            entries += 1
        if buffer.tell() > 32_000_000:
            buffer.seek(0)
            copy.copy_expert(f"COPY billing_ledgerentry ({columns}) FROM STDIN", buffer)
            buffer = io.StringIO()
    buffer.seek(0)
    copy.copy_expert(f"COPY billing_ledgerentry ({columns}) FROM STDIN", buffer)
    with connection.cursor() as cursor:  # settle the server before measuring: no autovacuum or checkpoint mid-run
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("CHECKPOINT")

    parent = User.objects.create_user("parent@bench.example", "x")
    typical = pupils[0]
    Guardianship.objects.create(user=parent, pupil=typical)
    Guardianship.objects.create(user=parent, pupil=heavy_pupil)
    till = Till(establishment=schools[0], name="Borne bench")
    token = till.new_token()
    till.save()
    lunch = [p for p in pupils if p.establishment_id == schools[0].pk]
    return {
        "schools": n_schools,
        "pupils": n_pupils,
        "entries": entries,
        "parent": parent,
        "typical": typical,
        "heavy": heavy_pupil,
        "token": token,
        "lunch": lunch,
    }


def timed(function, repeat: int = 5) -> float:
    """Median wall time of ``function`` in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def till_throughput(data: dict, batches: int) -> tuple[float, float]:
    """Passages/s of fresh 500-passage batches, and of the same batches sent again (all duplicates)."""
    import json

    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {data['token']}")
    at = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=30)).isoformat()
    cards = [p.card_number for p in data["lunch"]]
    bodies = [
        json.dumps(
            {
                "passages": [
                    {"card": cards[(b * 500 + i) % len(cards)], "at": at, "ref": f"bench-{b}-{i}"} for i in range(500)
                ]
            }
        )
        for b in range(batches)
    ]

    def post_all() -> float:
        start = time.perf_counter()
        for body in bodies:
            response = client.post("/api/till/meals", body, content_type="application/json")
            assert response.status_code == 200, response.content
        return batches * 500 / (time.perf_counter() - start)

    fresh = post_all()
    statuses = {r["status"] for r in json.loads(response_of(client, bodies[0]))["results"]}
    assert statuses == {"duplicate"}, statuses
    return fresh, post_all()


def response_of(client, body: str) -> bytes:
    return client.post("/api/till/meals", body, content_type="application/json").content


def pgbench_update_rate(server: str, database: str, seconds: int) -> float:
    """Single-row UPDATE transactions a second, one client, as a till is one client."""
    url = f"{server}/{database}"
    subprocess.run(["pgbench", "-i", "-q", "-s", "1", url], check=True, capture_output=True)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(
            "\\set aid random(1, 100000)\nUPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = :aid;\n"
        )
    result = subprocess.run(
        ["pgbench", "-n", "-c", "1", "-j", "1", "-T", str(seconds), "-f", script.name, url],
        check=True,
        capture_output=True,
        text=True,
    )
    os.unlink(script.name)
    return float(re.search(r"tps = ([0-9.]+)", result.stdout).group(1))


def history_times(data: dict) -> dict[str, float]:
    from django.test import Client
    from django.urls import reverse

    from billing.models import LedgerEntry
    from billing.views import PER_PAGE

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(data["parent"])
    times = {}
    for name in ("typical", "heavy"):
        pupil = data[name]
        url = reverse("billing:history", args=[pupil.pk])
        last = -(-LedgerEntry.objects.filter(wallet__pupil=pupil).count() // PER_PAGE)
        for label, page in (("first", 1), ("far", last)):
            assert client.get(url, {"page": page}).status_code == 200
            times[f"{name} ({last} pages), {label} page"] = timed(
                lambda url=url, page=page: client.get(url, {"page": page})
            )
    return times


def main() -> None:
    args = parse_args()
    sys.path.insert(0, str(ROOT))
    recreate_database(args.server, args.database)
    os.environ["DATABASE_URL"] = f"{args.server}/{args.database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    from billing.ledger import wallets_out_of_balance

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    data = fill(args.scale, args.heavy)
    print(
        f"fill: {data['schools']} schools, {data['pupils']} pupils, {data['entries']:,} entries "
        f"in {time.perf_counter() - start:.0f} s"
    )
    from django.conf import settings

    settings.DEBUG = False  # no query log in the measured requests
    fresh, duplicates = till_throughput(data, args.batches)
    floor = pgbench_update_rate(args.server, args.database, args.pgbench_seconds)
    print(f"till API, {args.batches} batches of 500 new passages: {fresh:,.0f} passages/s")
    print(f"till API, the same batches sent again (duplicates): {duplicates:,.0f} passages/s")
    print(f"pgbench single-row UPDATE, 1 client (the floor): {floor:,.0f} transactions/s")
    print(
        f"ratio till/pgbench: {fresh / floor:.2f} (new), {duplicates / floor:.2f} (duplicates); "
        f"a 500-passage batch takes {500 / fresh * 1000:,.0f} ms"
    )
    for label, ms in history_times(data).items():
        print(f"history page, {label}: {ms:.1f} ms")
    start = time.perf_counter()
    out_of_balance = sum(1 for _ in wallets_out_of_balance())
    print(
        f"verify_wallets over {data['entries']:,} entries: {time.perf_counter() - start:.1f} s, "
        f"{out_of_balance} wallet(s) out of balance"
    )


if __name__ == "__main__":
    main()
