#!/usr/bin/env python
"""The lunch rush: eight tills posting batches of passages at once, beside pgbench's simple-update.

    .venv/bin/python bench/till_rush.py                      # guardians with a low-balance threshold, 3 rounds
    .venv/bin/python bench/till_rush.py --no-guardians       # the meals alone
    .venv/bin/python bench/till_rush.py --code /tmp/main     # another checkout of the project (same venv)
    .venv/bin/python bench/till_rush.py --qf --batches 10    # per-category rounds and QF-grid rounds, alternated

Production as the README runs it: gunicorn (4 sync workers, DEBUG off), PostgreSQL, Redis as broker and cache,
one Celery worker (2 processes; emails on the console, thrown away). The script:

1. drops and recreates its PostgreSQL database (``openself_bench21_rush`` by default, the name must start with
   ``openself_bench``) and fills one school: 2,000 pupils, each credited three meals (10,50 €) through
   ``billing.ledger.book_many``, and, unless ``--no-guardians``, 1,000 parents each guarding two of them
   with the default low-balance threshold (two meals);
2. starts gunicorn and the worker, and for each round: waits for the worker to be idle, measures
   ``pgbench -b simple-update -c 8 -j 2`` on the same server, then the round: 8 tills (one process each, one
   keep-alive connection) post 30 batches of 50 passages at the same moment, each till its own 250 pupils
   six times over: 12,000 passages. In the first round every pupil goes below two meals (a low-balance
   alert each, with guardians); in the next ones every balance is already below: the checks alone;
   With ``--qf``, every parent has a validated quotient familial (0 to 1,499, all three bands) and, after a
   first round, the rounds alternate between the per-category tariff and a three-band QF grid on the pupils'
   category (the grid added before a QF round, removed after it): the same server, data and moment measure
   both, and the script prints each one's mean passages/s and their ratio;
3. prints per round the passages/s (12,000 over the wall time from the first post to the last answer), the
   ratio to pgbench's transactions/s of that round, the alerts written (low-balance notifications), and how
   long after the round and with how much CPU the worker finished what the round gave it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from pages import CpuMeter, production_env, recreate_database, wait_until_up  # the parent pages' bench, beside this one

ROOT = Path(__file__).resolve().parent.parent
TILLS, PER_BATCH, BATCHES, PUPILS, PARENTS = 8, 50, 30, 2_000, 1_000
PRICE = Decimal("3.50")
CREDIT = PRICE * 3


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", default=str(ROOT), help="the checkout of the project to run (default: this one)")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="openself_bench21_rush", help="database to DROP and recreate")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="Redis server")
    parser.add_argument("--redis-dbs", default="13,14", help="the cache's and the broker's database numbers")
    parser.add_argument("--guardians", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--batches", type=int, default=BATCHES, help="batches per till and round (scale)")
    parser.add_argument("--pupils", type=int, default=PUPILS, help="pupils (scale; a parent for two)")
    parser.add_argument("--qf", action="store_true", help="alternate per-category and QF-grid rounds")
    return parser.parse_args()


def environment(args: argparse.Namespace) -> dict[str, str]:
    """The pages bench's production environment, with a broker: what a booking leaves to do goes to the worker."""
    cache_db, broker_db = args.redis_dbs.split(",")
    web = argparse.Namespace(server=args.server, database=args.database, cache_url=f"{args.redis}/{cache_db}")
    return {**production_env(web), "CELERY_BROKER_URL": f"{args.redis}/{broker_db}"}


def fill(guardians: bool) -> list[str]:
    """One school, its pupils credited three meals, their parents; returns the tills' tokens."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection

    from billing.till.models import Till
    from canteen.models import Establishment, Guardianship, Pupil, Tariff

    call_command("migrate", verbosity=0)
    school = Establishment.objects.create(
        name="École du rush", code="RUSH", contact_email="rush@bench.example", beneficiary="x", address="y"
    )
    Tariff.objects.create(establishment=school, category="Élève", price=PRICE, valid_from=datetime.date(2020, 9, 1))
    for n in range(PUPILS):  # one by one: each gets its wallet from the post_save signal
        Pupil.objects.create(establishment=school, last_name=f"Nom{n}", first_name=f"Prénom{n}", card_number=f"{n:05d}")
    top_up(CREDIT)
    if guardians:
        password = make_password("bench-parent-password-42")
        User = get_user_model()
        User.objects.bulk_create(
            User(email=f"parent{n}@bench.example", password=password, first_name=f"Parent{n}") for n in range(PARENTS)
        )
        parents = list(User.objects.filter(email__endswith="@bench.example").order_by("pk"))
        pupils = list(Pupil.objects.order_by("pk"))
        Guardianship.objects.bulk_create(
            Guardianship(user=parents[n // 2], pupil=pupil) for n, pupil in enumerate(pupils)
        )
    tokens = []
    for n in range(TILLS):
        till = Till(establishment=school, name=f"Borne {n}")
        tokens.append(till.new_token())
        till.save()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("CHECKPOINT")
    return tokens


def top_up(to: Decimal) -> None:
    """Every wallet to ``to`` through the ledger (a correction each), in batches as a cashier would."""
    from billing.ledger import Movement, book_many
    from billing.models import Wallet

    balances = list(Wallet.objects.order_by("pupil_id").values_list("pupil_id", "balance"))
    movements = [
        Movement(pupil_id, "correction", to - balance, "Remise à niveau du banc d'essai")
        for pupil_id, balance in balances
        if balance != to
    ]
    for start in range(0, len(movements), 200):
        book_many(movements[start : start + 200])


def give_quotients() -> None:
    """Every parent's QF validated from 2020 to far ahead, spread over the three bands."""
    from canteen.models import Establishment
    from canteen.quotient import FamilyQuotient, QuotientStatus

    school = Establishment.objects.get(code="RUSH")
    parents = get_user_model_ids()
    FamilyQuotient.objects.bulk_create(
        FamilyQuotient(
            user_id=user_id,
            establishment=school,
            value=(n * 37) % 1500,
            issuer="caf",
            attestation_date=datetime.date(2020, 9, 1),
            status=QuotientStatus.VALIDATED,
            applies_from=datetime.date(2020, 9, 1),
            expires_on=datetime.date(2099, 8, 31),
        )
        for n, user_id in enumerate(parents)
    )


def get_user_model_ids() -> list[int]:
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(email__endswith="@bench.example").values_list("pk", flat=True))


def set_qf_grid(on: bool) -> None:
    """The pupils' category priced by a three-band QF grid (newer than the tariff, so it applies), or not."""
    from canteen.models import Establishment, TariffBand, TariffGrid

    school = Establishment.objects.get(code="RUSH")
    TariffGrid.objects.filter(establishment=school).delete()
    if on:
        grid = TariffGrid.objects.create(
            establishment=school, category="Élève", valid_from=datetime.date(2020, 9, 2), default_price=PRICE
        )
        bands = [(0, 500, "1.00"), (501, 900, "2.50"), (901, None, PRICE)]
        TariffBand.objects.bulk_create(
            TariffBand(grid=grid, lower=lower, upper=upper, price=Decimal(price)) for lower, upper, price in bands
        )


def till_process(port: int, token: str, bodies: list[str], start, results) -> None:
    """One till: its batches one after the other on one keep-alive connection, once ``start`` opens."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Host": "127.0.0.1"}
    start.wait()
    began = time.perf_counter()
    recorded = 0
    for body in bodies:
        connection.request("POST", "/api/till/meals", body, headers)
        response = connection.getresponse()
        answer = response.read()
        if response.status != 200:
            raise SystemExit(f"till answered {response.status}: {answer[:300]!r}")
        recorded += sum(1 for result in json.loads(answer)["results"] if result["status"] == "recorded")
    results.put((began, time.perf_counter(), recorded))


def round_bodies(tokens: list[str], number: int) -> list[list[str]]:
    """Each till's batches: its 250 pupils six times over, 50 distinct pupils a batch."""
    at = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=10)).isoformat()
    share = PUPILS // TILLS
    bodies = []
    for till in range(len(tokens)):
        cards = [f"{n:05d}" for n in range(till * share, (till + 1) * share)]
        batches = []
        for b in range(BATCHES):
            first = b * PER_BATCH % share
            passages = [
                {"card": cards[(first + i) % share], "at": at, "ref": f"r{number}-{b}-{i}"} for i in range(PER_BATCH)
            ]
            batches.append(json.dumps({"passages": passages}))
        bodies.append(batches)
    return bodies


def run_round(port: int, tokens: list[str], number: int) -> tuple[float, int]:
    """Wall time of one round and the passages recorded."""
    bodies = round_bodies(tokens, number)
    start, results = multiprocessing.Barrier(len(tokens) + 1), multiprocessing.Queue()
    tills = [
        multiprocessing.Process(target=till_process, args=(port, token, till_bodies, start, results))
        for token, till_bodies in zip(tokens, bodies, strict=True)
    ]
    for till in tills:
        till.start()
    start.wait()
    ends = [results.get(timeout=600) for _ in tills]
    for till in tills:
        till.join()
    return max(end for _b, end, _r in ends) - min(began for began, _e, _r in ends), sum(r for _b, _e, r in ends)


def pgbench(server: str, database: str, seconds: int) -> float:
    url = f"{server}/{database}"
    result = subprocess.run(
        ["pgbench", "-n", "-b", "simple-update", "-c", "8", "-j", "2", "-T", str(seconds), url],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(re.search(r"tps = ([0-9.]+)", result.stdout).group(1))


def cpu_of(pids: set[int]) -> float:
    return sum(CpuMeter._cpu(pid) for pid in pids)


def family_of(pid: int) -> set[int]:
    """A process and all its descendants."""
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        found.add(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            todo.extend(int(child) for child in (task / "children").read_text().split())
    return found


def wait_for_idle_worker(app, worker_pid: int, timeout: float = 900) -> tuple[float, float]:
    """Seconds until the worker has nothing queued, reserved, scheduled or running (twice in a row, and a worker
    too busy to answer is busy), and its CPU meanwhile."""
    started, cpu = time.monotonic(), cpu_of(family_of(worker_pid))
    inspect = app.control.inspect(timeout=2.0)
    idle_checks = 0
    while time.monotonic() - started < timeout:
        with app.connection_for_write() as connection:
            queued = connection.default_channel.client.llen("celery")
        answers = [inspect.active(), inspect.reserved(), inspect.scheduled()]
        busy = queued or None in answers or any(tasks for answer in answers for tasks in answer.values())
        idle_checks = 0 if busy else idle_checks + 1
        if idle_checks == 2:
            return time.monotonic() - started, cpu_of(family_of(worker_pid)) - cpu
        time.sleep(0.5)
    sys.exit("the worker did not finish in time")


def main() -> None:
    global BATCHES, PUPILS, PARENTS
    args = parse_args()
    BATCHES, PUPILS, PARENTS = args.batches, args.pupils, args.pupils // 2
    if args.qf and not args.guardians:
        sys.exit("--qf needs the guardians: a QF is a parent's")
    code = Path(args.code).resolve()
    env = environment(args)
    os.environ.update(env)
    sys.path.insert(0, str(code))
    os.chdir(code)
    recreate_database(args.server, args.database)
    import django

    django.setup()
    from django.core.cache import cache

    from portal.celery import app

    cache.clear()
    with app.connection_for_write() as connection:
        connection.default_channel.client.flushdb()
    started = time.perf_counter()
    app.conf.task_always_eager = True  # the fill's own after-commit work runs here, not in the measured worker
    tokens = fill(args.guardians)
    if args.qf:
        give_quotients()
    app.conf.task_always_eager = False
    print(f"fill: {PUPILS} pupils, {PARENTS if args.guardians else 0} parents in {time.perf_counter() - started:.0f} s")
    subprocess.run(
        ["pgbench", "-i", "-q", "-s", "1", f"{args.server}/{args.database}"], check=True, capture_output=True
    )

    processes_env = {**os.environ, **env, "PYTHONPATH": str(code)}
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi", "--bind", f"127.0.0.1:{args.port}"]
        + ["--workers", str(args.workers), "--log-level", "warning"],
        cwd=code,
        env=processes_env,
        stdout=subprocess.DEVNULL,
        stderr=open(ROOT / "bench" / "till_rush.log", "w"),
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-c", "2", "-l", "warning"],
        cwd=code,
        env=processes_env,
        stdout=subprocess.DEVNULL,
        stderr=open(ROOT / "bench" / "till_rush_worker.log", "w"),
    )
    rows = []
    try:
        wait_until_up(args.port, time.monotonic() + 30)
        wait_for_idle_worker(app, worker.pid)
        modes = ["category"] + ["category", "qf"] * args.rounds if args.qf else ["category"] * args.rounds
        for number, mode in enumerate(modes, start=1):
            if args.qf:
                set_qf_grid(mode == "qf")
            wait_for_idle_worker(app, worker.pid)
            floor = pgbench(args.server, args.database, args.pgbench_seconds)
            alerts_before = low_balance_alerts()
            seconds, recorded = run_round(args.port, tokens, number)
            drained, worker_cpu = wait_for_idle_worker(app, worker.pid)
            alerts = low_balance_alerts() - alerts_before
            rows.append((number, mode, recorded, seconds, floor, alerts, drained, worker_cpu))
    finally:
        for process in (web, worker):
            process.send_signal(signal.SIGTERM)
        for process in (web, worker):
            process.wait(timeout=60)
    load = os.getloadavg()[0]
    print(
        f"{code}: gunicorn {args.workers} sync workers, PostgreSQL, Redis, one Celery worker (2 processes); "
        f"{TILLS} tills x {BATCHES} batches of {PER_BATCH}, {PUPILS} pupils, "
        f"{'each guarded by a parent with the default threshold' if args.guardians else 'no guardians'}; "
        f"load average {load:.2f} on {os.cpu_count()} cores"
    )
    print(
        f"{'round':>5} {'prices':>8} {'passages':>8} {'seconds':>7} {'passages/s':>10} {'pgbench tps':>11} "
        f"{'x pgbench':>9} {'alerts':>6} {'worker done after s':>19} {'worker CPU s':>12}"
    )
    for number, mode, recorded, seconds, floor, alerts, drained, worker_cpu in rows:
        rate = recorded / seconds
        print(
            f"{number:>5} {mode:>8} {recorded:>8} {seconds:>7.2f} {rate:>10.0f} {floor:>11.0f} {rate / floor:>9.3f} "
            f"{alerts:>6} {drained:>19.1f} {worker_cpu:>12.1f}"
        )
    if args.qf:  # the first round (every pupil crossing their threshold) is the warm-up, left out
        means = {mode: sum(r[2] / r[3] for r in rows[1:] if r[1] == mode) / args.rounds for mode in ("category", "qf")}
        print(
            f"mean passages/s after the first round: per category {means['category']:.0f}, QF grid "
            f"{means['qf']:.0f}, QF / per category = {means['qf'] / means['category']:.3f}"
        )


def low_balance_alerts() -> int:
    from django.apps import apps

    Notification = apps.get_model("portal", "Notification")
    return Notification.objects.filter(kind="low_balance").count()


if __name__ == "__main__":
    main()
