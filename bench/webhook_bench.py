"""Webhook throughput: signed ``checkout.session.completed`` events, each delivered twice,
posted to gunicorn over PostgreSQL. Prints events/s and checks credits == distinct sessions.

Realistic traffic by default: every session is a distinct family's payment (its own parent and
child). ``--same-family`` puts them all on the demo parent's two children instead: the worst
case, where every credit waits for the previous one's wallet lock.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/openself_bench5 \\
        .venv/bin/python bench/webhook_bench.py --sessions 500 --clients 8 --workers 3

The database is dropped and created again: give it one of its own. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
SECRET = "whsec_bench"


def recreate_database(url: str) -> None:
    import psycopg2

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if not name.startswith("openself_bench"):
        sys.exit(f"refusing to drop {name!r}: the bench database's name starts with openself_bench")
    admin = psycopg2.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def prepare(sessions: int, same_family: bool) -> list[dict]:
    """Migrate, load the demo school, and create ``sessions`` pending Stripe payments, one per family
    (or all the demo parent's with ``same_family``)."""
    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command

    from billing.models import Payment, PaymentAllocation, PaymentMethod, PaymentStatus
    from billing.online.tests.stripe_events import event, session_object
    from portal.management.commands.demo_data import PARENT_EMAIL, SCHOOL_CODE

    call_command("migrate", verbosity=0)
    call_command("demo_data", stdout=open(os.devnull, "w"))
    from accounts.models import User
    from billing.models import Wallet
    from canteen.models import Establishment, Guardianship, Pupil

    demo_parent = User.objects.get(email=PARENT_EMAIL)
    if same_family:
        families = [(demo_parent, child) for child in demo_parent.pupils.all()]
    else:
        school = Establishment.objects.get(code=SCHOOL_CODE)
        parents = User.objects.bulk_create(User(email=f"famille{n}@bench.example") for n in range(sessions))
        pupils = Pupil.objects.bulk_create(
            Pupil(establishment=school, last_name=f"Famille{n}", first_name="Enfant", card_number=f"9{n:07d}")
            for n in range(sessions)
        )
        Wallet.objects.bulk_create(Wallet(pupil=pupil) for pupil in pupils)
        Guardianship.objects.bulk_create(Guardianship(user=u, pupil=p) for u, p in zip(parents, pupils, strict=True))
        families = list(zip(parents, pupils, strict=True))
    events = []
    for number in range(sessions):
        parent, child = families[number % len(families)]
        payment = Payment.objects.create(
            method=PaymentMethod.ONLINE,
            status=PaymentStatus.PENDING,
            amount=Decimal("20.00"),
            user=parent,
            provider="stripe",
        )
        PaymentAllocation.objects.create(payment=payment, pupil=child, amount=Decimal("20.00"))
        payment.provider_id = f"cs_bench_{payment.pk:08d}"
        payment.save(update_fields=["provider_id"])
        events.append(
            event("checkout.session.completed", session_object(payment), event_id=f"evt_bench_{payment.pk:08d}")
        )
    return events


def post_all(port: int, bodies: list[str], clients: int) -> list[int]:
    import stripe

    def send(chunk: list[str]) -> list[int]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        statuses = []
        for body in chunk:
            header = stripe.WebhookSignature.generate_signature_header(body, SECRET)
            connection.request(
                "POST",
                "/billing/stripe/webhook/",
                body,
                {"Content-Type": "application/json", "Stripe-Signature": header},
            )
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
        connection.close()
        return statuses

    chunks = [bodies[index::clients] for index in range(clients)]
    with ThreadPoolExecutor(clients) as pool:
        return [status for statuses in pool.map(send, chunks) for status in statuses]


def healthz_rate(port: int, requests: int, clients: int) -> float:
    """GET /healthz a second through the same gunicorn and clients: the framework's floor."""

    def send(count: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(count):
            connection.request("GET", "/healthz")
            connection.getresponse().read()
        connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(send, [requests // clients] * clients))
    return (requests // clients) * clients / (time.perf_counter() - started)


def wait_until_up(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("gunicorn did not start in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--same-family", action="store_true", help="every payment credits the demo parent's children")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/openself_bench5")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    recreate_database(url)
    events = prepare(args.sessions, args.same_family)
    bodies = [json.dumps(envelope) for envelope in events] * 2  # every event delivered twice: 50% duplicates
    random.Random(5).shuffle(bodies)

    # Production-like web processes: DEBUG off (no query log kept in memory), plain HTTP on loopback.
    production = {
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**env, **production},
        stdout=subprocess.DEVNULL,
        stderr=open(ROOT / "bench" / "webhook_bench.log", "w"),
    )
    try:
        wait_until_up(args.port, time.monotonic() + 30)
        started = time.perf_counter()
        statuses = post_all(args.port, bodies, args.clients)
        elapsed = time.perf_counter() - started
        floor = healthz_rate(args.port, len(bodies), args.clients)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    from billing.ledger import wallets_out_of_balance
    from billing.models import EntryKind, LedgerEntry
    from billing.online.models import StripeEvent

    # Credits of payments only (the demo data's own history has online entries without a payment).
    credits = LedgerEntry.objects.filter(kind=EntryKind.ONLINE_PAYMENT, payment__isnull=False).count()
    who = "the demo parent's 2 children" if args.same_family else f"{args.sessions} distinct families"
    print(f"events posted:      {len(bodies)} ({args.sessions} distinct sessions of {who}, each delivered twice)")
    print(f"clients / workers:  {args.clients} / {args.workers} gunicorn sync workers")
    print(f"answers:            {dict(sorted({s: statuses.count(s) for s in set(statuses)}.items()))}")
    rate = len(bodies) / elapsed
    print(f"throughput:         {rate:.0f} events/s ({elapsed:.2f} s)")
    print(f"floor (GET /healthz, same server and clients): {floor:.0f} requests/s; ratio {rate / floor:.2f}")
    print(
        f"credits:            {credits} (distinct sessions: {args.sessions}, events stored: {StripeEvent.objects.count()})"
    )
    balanced = not list(wallets_out_of_balance())
    print(f"ledger invariant:   {'holds' if balanced else 'BROKEN'}")
    if credits != args.sessions or not balanced:
        sys.exit("FAILED: a payment was credited more or less than once")


if __name__ == "__main__":
    main()
