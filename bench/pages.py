#!/usr/bin/env python
"""The parent pages under load, beside the framework's floor: throughput, p50 and p95, SQL queries.

    .venv/bin/python bench/pages.py                       # 8 s a page, two rounds
    .venv/bin/python bench/pages.py --seconds 5 --rounds 1
    .venv/bin/python bench/pages.py --first-visits 5000   # 5,000 families, each page seen once after lunch
    .venv/bin/python bench/pages.py --code /tmp/main      # another checkout of the project (same venv)

Needs ``wrk`` (Debian: ``apt-get install wrk``): a C load generator that costs the 2-core machine
far less CPU than a Python client would, so the server, not the client, is what is measured; its
Lua hooks give the exact percentiles. The script:

1. drops and recreates its own PostgreSQL database (``openself_bench_pages`` by default, the name
   must start with ``openself_bench``), fills a small district with ``ledger_bench``'s COPY fill
   (``--district`` of its scale) and books, through ``billing.ledger.book_many`` (the one road),
   the measured family: a parent with three children, each a school year of meals (~180) and a
   top-up a month, plus online payments credited by ``credit_payment`` for "Mes paiements";
2. starts gunicorn (4 sync workers, DEBUG off, production settings, the shared Redis cache when
   ``--cache-url`` is given, which it is by default) and logs the parent in through the login form;
3. runs ``wrk -t2 -c16`` on each page in turns with ``/healthz`` (``--slices`` runs of each, round after
   round), and prints each page's requests/s, p50, p95 and its ratio to ``/healthz`` measured in turns
   with it;
4. counts the SQL queries of each page with Django's test client (same settings, second visit).

With ``--first-visits N``, what is measured is a family's first visit after lunch instead: N families of two
children of the district are added, each logged in with a session of its own; before each round every child
has lunch (a meal booked through ``book_many``, then, where the code has it, the preparation the worker makes
after it: ``billing.precomputed.prepare``); each run of ``wrk`` then takes the next
families in turn, one request each, so that every page measured is a family's first visit of that page since
its lunch (the runs say how many requests found a family already served, if the families ran out).

Every page is checked to answer 200 with the parent's content before and after the load: a
redirect to the login page would be fast and wrong.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import http.client
import importlib.util
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-parent-password-42"
EMAIL = "famille.bench@example.com"
CHILDREN = [("Alice", "Élève"), ("Basile", "Élève"), ("Capucine", "Maternelle")]
LUA = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), errors))
end
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", default=str(ROOT), help="the checkout of the project to run (default: this one)")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="openself_bench_pages", help="database to DROP and recreate")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/12", help="CACHE_URL of the web processes")
    parser.add_argument("--district", type=float, default=0.02, help="scale of ledger_bench's district fill")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--seconds", type=int, default=8, help="wrk duration per page and round")
    parser.add_argument("--slices", type=int, default=4, help="runs of that duration, in turns with /healthz's")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--skip-fill", action="store_true", help="reuse the database of the previous run")
    parser.add_argument("--first-visits", type=int, metavar="FAMILIES", help="measure first visits over FAMILIES")
    parser.add_argument("--only", nargs="+", metavar="PAGE", help="measure these pages only (e.g. accueil comptes)")
    parser.add_argument(
        "--profile", metavar="PAGE", help="instead of the load: cProfile 500 visits of PAGE (e.g. accueil) in-process"
    )
    return parser.parse_args()


def production_env(args: argparse.Namespace) -> dict[str, str]:
    """The web processes' environment: DEBUG off, plain HTTP on loopback, no query log kept."""
    env = {
        "DATABASE_URL": f"{args.server}/{args.database}",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "CACHE_URL": args.cache_url,
    }
    if not args.cache_url:
        env.pop("CACHE_URL")
    return env


def recreate_database(server: str, name: str) -> None:
    import psycopg2

    if not name.startswith("openself_bench"):
        sys.exit(f"refusing to drop {name!r}: the bench database's name starts with openself_bench")
    connection = psycopg2.connect(f"{server}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def load_ledger_bench():
    spec = importlib.util.spec_from_file_location("ledger_bench", ROOT / "bench" / "ledger_bench.py")
    ledger_bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ledger_bench)
    return ledger_bench


def fill(district: float) -> None:
    """A small district through ledger_bench's COPY fill, then the measured family through the ledger."""
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from billing.ledger import Movement, book_many, credit_payment
    from billing.models import EntryKind, Payment, PaymentAllocation, PaymentMethod, PaymentStatus
    from canteen.booking.models import BookingSettings, MealBooking, Service
    from canteen.models import Establishment, Guardianship, Pupil

    call_command("migrate", verbosity=0)
    ledger_bench = load_ledger_bench()
    started = time.perf_counter()
    district_data = ledger_bench.fill(district, heavy=2_000)
    school = Establishment.objects.order_by("pk").first()
    parent = User.objects.create_user(EMAIL, PASSWORD, first_name="Dominique", last_name="Bench")
    local = ZoneInfo(school.timezone)
    prices = {"Élève": Decimal("3.50"), "Maternelle": Decimal("3.10")}
    days = ledger_bench.school_days()
    for n, (first_name, category) in enumerate(CHILDREN):
        child = Pupil.objects.create(
            establishment=school, last_name="Bench", first_name=first_name, card_number=f"B{n}", category=category
        )
        Guardianship.objects.create(user=parent, pupil=child)
        movements, month = [], None
        for number, day in enumerate(days[:180]):
            if day.month != month:  # a top-up at the start of each month
                month = day.month
                at = datetime.datetime.combine(day, datetime.time(8, 5), local)
                movements.append(
                    Movement(child.pk, EntryKind.ONLINE_PAYMENT, Decimal("60.00"), "Paiement en ligne", None, at)
                )
            at = datetime.datetime.combine(day, datetime.time(12, 10), local)
            movements.append(
                Movement(child.pk, EntryKind.MEAL, -prices[category], "Self", f"bench:{child.pk}-{number}", at)
            )
        book_many(movements)
        for _ in range(4):  # "Mes paiements": online payments credited the one way
            payment = Payment.objects.create(
                method=PaymentMethod.ONLINE, amount=Decimal("20.00"), user=parent, provider="demo"
            )
            PaymentAllocation.objects.create(payment=payment, pupil=child, amount=Decimal("20.00"))
            credit_payment(payment, from_statuses=(PaymentStatus.CREATED, PaymentStatus.PENDING))
    # « Réserver mes repas »: the school takes bookings three weeks ahead, the family has booked every other day.
    BookingSettings.objects.create(establishment=school, enabled=True, weeks_ahead=3)
    lunch = Service.objects.create(establishment=school, weekdays="12345")
    today = datetime.datetime.now(local).date()
    MealBooking.objects.bulk_create(
        MealBooking(pupil=child, service=lunch, day=today + datetime.timedelta(days=n))
        for child in Pupil.objects.filter(guardianships__user=parent)
        for n in range(1, 22, 2)
    )
    with connection.cursor() as cursor:  # settle the server before measuring
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("CHECKPOINT")
    print(
        f"fill: {district_data['pupils']} pupils and {district_data['entries']:,} entries of a district, "
        f"then the measured family of {len(CHILDREN)} children in {time.perf_counter() - started:.0f} s"
    )


def pages() -> list[tuple[str, str]]:
    """(label, path) of every measured page, the floor first."""
    from django.urls import reverse

    from billing.models import LedgerEntry
    from billing.views import PER_PAGE
    from canteen.models import Pupil

    child = Pupil.objects.filter(guardianships__user__email=EMAIL).order_by("first_name").first()
    history = reverse("billing:history", args=[child.pk])
    last = -(-LedgerEntry.objects.filter(wallet__pupil=child).count() // PER_PAGE)
    return [
        ("/healthz", "/healthz"),
        ("accueil", reverse("portal:home")),
        ("historique p.1", history),
        (f"historique p.{last}", f"{history}?page={last}"),
        ("comptes", reverse("billing:accounts")),
        ("paiements", reverse("billing:payments")),
        ("reserver", reverse("portal:bookings")),
    ]


def query_counts(paths: list[tuple[str, str]]) -> dict[str, int]:
    """SQL queries of each page's second visit (the first fills the cached session), in this process."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = logged_in_client()
    counts = {}
    for label, path in paths:
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts[label] = len(queries)
    return counts


def first_visits(paths: list[tuple[str, str]], visits: int = 100) -> dict[str, tuple[float, float]]:
    """In-process CPU (this process and its PostgreSQL backend) per visit, in ms: a first visit (the cache
    emptied before each: no page, forecast, count or chart kept, and the session read from the database)
    and a visit again. The load test measures the second kind: one family coming back to its pages."""
    from django.core.cache import cache
    from django.db import connection

    def backend_cpu() -> float:  # the server process of this process's connection, read without a query
        return CpuMeter._cpu(connection.connection.info.backend_pid) if connection.connection else 0.0

    gc.collect()
    gc.freeze()  # what the fill left in this process is not traversed again by each visit's collections
    client = logged_in_client()
    costs = {}
    for label, path in paths:
        spent = []
        for empty_first in (True, False):
            total = 0.0
            for _ in range(visits):
                if empty_first:
                    cache.clear()
                started, backend = time.process_time(), backend_cpu()
                client.get(path)
                total += time.process_time() - started + backend_cpu() - backend
            spent.append(total / visits * 1000)
        costs[label] = (spent[0], spent[1])
    return costs


def logged_in_client():
    """Django's test client, logged in through the school's login form as the parent is in the load."""
    from django.test import Client

    from canteen.models import Establishment

    client = Client(HTTP_HOST="127.0.0.1")
    code = Establishment.objects.order_by("pk").first().code
    response = client.post(f"/e/{code}/", {"username": EMAIL, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def profile(paths: list[tuple[str, str]], label: str, visits: int = 500) -> None:
    """Where a page's time goes: cProfile over ``visits`` visits through Django's whole handler, in-process."""
    import cProfile
    import pstats

    path = dict(paths)[label]
    client = logged_in_client()
    for _ in range(20):
        client.get(path)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(visits):
        client.get(path)
    profiler.disable()
    print(f"{label}: {(time.perf_counter() - started) / visits * 1000:.2f} ms a visit under the profiler")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)


def request(port: int, method: str, path: str, headers: dict | None = None, body: str | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body, headers or {})
    response = connection.getresponse()
    content = response.read()
    connection.close()
    return response, content


def log_in(port: int) -> str:
    """The parent logs in through the establishment's login form; returns the Cookie header."""
    from urllib.parse import urlencode

    from canteen.models import Establishment

    code = Establishment.objects.order_by("pk").first().code
    response, content = request(port, "GET", f"/e/{code}/")
    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie", "")).group(1)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content).group(1).decode()
    body = urlencode({"csrfmiddlewaretoken": token, "username": EMAIL, "password": PASSWORD, "next": ""})
    headers = {"Cookie": f"csrftoken={csrf_cookie}", "Content-Type": "application/x-www-form-urlencoded"}
    response, _ = request(port, "POST", f"/e/{code}/", headers, body)
    cookies = ", ".join(value for name, value in response.getheaders() if name.lower() == "set-cookie")
    session = re.search(r"sessionid=([^;]+)", cookies)
    if response.status != 302 or session is None:
        sys.exit(f"login failed: {response.status}")
    return f"sessionid={session.group(1)}; csrftoken={csrf_cookie}"


def check(port: int, cookie: str, paths: list[tuple[str, str]]) -> None:
    """Each page answers 200 with the family's content: never measure a redirect to the login page."""
    for label, path in paths:
        response, content = request(port, "GET", path, {"Cookie": cookie})
        if response.status != 200 or (
            label != "/healthz" and b"Bench" not in content and "Reçu".encode() not in content
        ):
            sys.exit(f"{label} ({path}) answered {response.status}: not the parent's page")


class CpuMeter:
    """CPU seconds spent by the web processes, their PostgreSQL backends and wrk itself.

    On a machine shared with other work, requests/s measure the neighbours as much as the code; the
    CPU a request costs does not: ``healthz`` CPU / page CPU is the throughput ratio the pages would
    reach on an idle machine where these processes share the cores (Redis, shared, is left out).
    """

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, server_pid: int, database: str):
        self.server_pid, self.database = server_pid, database

    @classmethod
    def _cpu(cls, pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / cls.TICK  # utime + stime

    def pids(self) -> set[int]:
        from django.db import connection

        workers = Path(f"/proc/{self.server_pid}/task/{self.server_pid}/children").read_text().split()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [self.database]
            )
            backends = [row[0] for row in cursor.fetchall()]
        return {int(pid) for pid in workers} | set(backends)

    def snapshot(self) -> dict[int, float]:
        return {pid: self._cpu(pid) for pid in self.pids()}

    def spent(self, before: dict[int, float]) -> float:
        """CPU seconds since ``before``: processes born since count whole (a backend gone meanwhile is lost)."""
        after = self.snapshot()
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def wrk(
    args: argparse.Namespace,
    script: str,
    cookie: str,
    path: str,
    seconds: int,
    meter: CpuMeter,
    script_args: tuple[str, ...] = (),
) -> dict:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "-s", script]
    command += ["-H", f"Cookie: {cookie}"] if cookie else []
    command += [f"http://127.0.0.1:{args.port}{path}", *(("--", *script_args) if script_args else ())]
    before, children = meter.snapshot(), resource.getrusage(resource.RUSAGE_CHILDREN)
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = meter.spent(before) + (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    requests, duration, p50, p95, errors = map(int, re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+)", output).groups())
    return {
        "requests": requests,
        "seconds": duration / 1e6,
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "errors": errors,
        "cpu": cpu,
    }


def in_turns(
    args: argparse.Namespace, script: str, cookie: str, path: str, meter: CpuMeter, families: Families | None = None
) -> tuple[dict, dict]:
    """The page and ``/healthz`` measured in turns, ``--slices`` runs of each, so that a slow moment of the
    shared machine weighs on both: requests/s over all of a path's runs, the mean of their p50 and p95,
    the CPU per request over all of them. With ``families``, each run of the page is the next families' first
    visit of it (``path`` is then the page's label)."""
    seconds = max(1, args.seconds // args.slices)
    runs = {"page": [], "floor": []}
    for _ in range(args.slices):
        runs["floor"].append(wrk(args, script, cookie, "/healthz", seconds, meter))
        if families is None:
            runs["page"].append(wrk(args, script, cookie, path, seconds, meter))
        else:
            runs["page"].append(families.first_visits(args, path, seconds, meter))
    combined = {}
    for name, parts in runs.items():
        requests = sum(part["requests"] for part in parts)
        combined[name] = {
            "rate": requests / sum(part["seconds"] for part in parts),
            "p50": sum(part["p50"] for part in parts) / len(parts),
            "p95": sum(part["p95"] for part in parts) / len(parts),
            "errors": sum(part["errors"] for part in parts),
            "cpu_ms": sum(part["cpu"] for part in parts) / max(requests, 1) * 1000,
        }
    return combined["page"], combined["floor"]


# Each request the next family's (one line of the file: its page's path, a tab, its cookie), from ``offset``.
FAMILIES_LUA = (
    """
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
function init(args)
  offset, stride, lines, count = tonumber(args[1]), tonumber(args[2]), {}, 0
  for line in io.lines(args[3]) do table.insert(lines, line) end
end
function request()
  local n = offset + count * stride + tid
  count = count + 1
  local path, cookie = lines[n % #lines + 1]:match("([^\t]+)\t(.+)")
  return wrk.format("GET", path, {["Cookie"] = cookie})
end
"""
    + LUA
)


class Families:
    """The families of a first-visit measure: per page, a file with a line per family (its path of that page
    and its cookie). Each run takes the next families of the page, so that none is seen twice by lunch."""

    def __init__(self, lines: dict[str, list[str]]):
        self.files, self.size, self.offset, self.seen_twice = {}, 0, {}, 0
        for label, page_lines in lines.items():
            with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as file:
                file.write("\n".join(page_lines) + "\n")
            self.files[label], self.size = file.name, len(page_lines)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(FAMILIES_LUA)
        self.script = script.name

    def after_lunch(self) -> None:
        self.offset = dict.fromkeys(self.files, 0)

    def first_visits(self, args: argparse.Namespace, label: str, seconds: int, meter: CpuMeter) -> dict:
        stride = args.threads * args.connections  # wrk's connections share their thread's counter
        offset = self.offset[label]
        result = wrk(args, self.script, "", "/", seconds, meter, (str(offset), str(args.threads), self.files[label]))
        self.offset[label] = offset + result["requests"] + stride
        self.seen_twice += max(0, self.offset[label] - self.size) - max(0, offset - self.size)
        return result


def add_families(count: int) -> None:
    """``count`` families of two children of the district, each parent a login of its own."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from canteen.models import Guardianship, Pupil

    password = make_password(PASSWORD)
    User.objects.bulk_create(User(email=f"famille{n}@bench.example", password=password) for n in range(count))
    parents = list(User.objects.filter(email__startswith="famille", email__endswith="@bench.example").order_by("pk"))
    children = list(Pupil.objects.exclude(guardianships__isnull=False).order_by("pk")[: 2 * count])
    if len(children) < 2 * count:
        sys.exit(f"the district has {len(children)} children without a family: --district larger, or fewer families")
    Guardianship.objects.bulk_create(
        Guardianship(user=parent, pupil=child)
        for parent, child in zip(parents * 2, children[::2] + children[1::2], strict=True)
    )


def family_lines() -> dict[str, list[str]]:
    """Per page, each family's path and session cookie: a session opened for each, as a login would."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.urls import reverse

    from accounts.models import User
    from canteen.models import Establishment

    code = Establishment.objects.order_by("pk").first().code
    store = import_module(settings.SESSION_ENGINE).SessionStore
    lines = {"accueil": [], "historique p.1": [], "comptes": [], "paiements": []}
    parents = User.objects.filter(email__startswith="famille", email__endswith="@bench.example").order_by("pk")
    for parent in parents.prefetch_related("guardianships"):
        session = store()
        session.update({SESSION_KEY: str(parent.pk), BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[-1]})
        session.update({HASH_SESSION_KEY: parent.get_session_auth_hash(), "establishment_code": code})
        session.save()
        cookie = f"sessionid={session.session_key}"
        child = min(link.pupil_id for link in parent.guardianships.all())
        for label, path in (
            ("accueil", reverse("portal:home")),
            ("historique p.1", reverse("billing:history", args=[child])),
            ("comptes", reverse("billing:accounts")),
            ("paiements", reverse("billing:payments")),
        ):
            lines[label].append(f"{path}\t{cookie}")
    return lines


def lunch(number: int) -> None:
    """A meal for every child of the families, booked as tills do, then what the worker prepares after it."""
    from billing.ledger import Movement, book_many
    from canteen.models import Pupil

    children = Pupil.objects.filter(guardianships__user__email__startswith="famille").order_by("pk")
    movements = [
        Movement(pupil_id, "meal", Decimal("-3.50"), "Self", f"lunch:{number}:{pupil_id}")
        for pupil_id in children.values_list("pk", flat=True)
    ]
    for start in range(0, len(movements), 50):
        book_many(movements[start : start + 50])
    try:
        from billing.precomputed import prepare
    except ImportError:  # a checkout that prepares nothing
        return
    pupil_ids = [movement.pupil_id for movement in movements]
    for start in range(0, len(pupil_ids), 200):  # what the worker's task does for the children it finds booked
        prepare(pupil_ids[start : start + 200])


def wait_until_up(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            response, _ = request(port, "GET", "/healthz")
            if response.status == 200:
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("gunicorn did not start in time")


def main() -> None:
    args = parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    env = production_env(args)
    os.environ.update(env)
    code = Path(args.code).resolve()
    sys.path.insert(0, str(code))
    os.chdir(code)
    if not args.skip_fill:
        recreate_database(args.server, args.database)
    import django

    django.setup()
    if not args.skip_fill:
        fill(args.district)
        if args.first_visits:
            add_families(args.first_visits)
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest production serves from
    paths = pages()
    families = None
    if args.first_visits:
        paths = [page for page in paths if page[0] in ("/healthz", "accueil", "historique p.1", "comptes", "paiements")]
        families = Families(family_lines())
    if args.only:
        paths = [paths[0], *(page for page in paths[1:] if page[0].split()[0] in args.only or page[0] in args.only)]
    if args.profile:
        profile(paths, args.profile)
        return
    counts = query_counts(paths)
    costs = first_visits(paths)

    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "portal.wsgi"),
            *("--bind", f"127.0.0.1:{args.port}", "--workers", str(args.workers), "--log-level", "warning"),
        ],
        cwd=code,
        env={**os.environ, **env, "PYTHONPATH": str(code)},
        stdout=subprocess.DEVNULL,
        stderr=open(ROOT / "bench" / "pages.log", "w"),
    )
    rounds = []
    try:
        wait_until_up(args.port, time.monotonic() + 30)
        cookie = log_in(args.port)
        check(args.port, cookie, paths)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(LUA)
        meter = CpuMeter(server.pid, args.database)
        for _label, path in paths:  # warm every worker's connections, caches and templates
            wrk(args, script.name, cookie, path, 1, meter)
        for number in range(args.rounds):
            if families is not None:
                lunch(number)
                families.after_lunch()
            # Each page in turns with its own /healthz runs: on a shared machine the load drifts within a round.
            results = {}
            for label, path in paths[1:]:
                page, floor = in_turns(args, script.name, cookie, label if families else path, meter, families)
                results[label] = {**page, "floor": floor}
            rounds.append(results)
        check(args.port, cookie, paths)
        os.unlink(script.name)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    load = os.getloadavg()[0]
    if families is not None:
        print(
            f"first visits: {families.size} families; requests that found a family already served: {families.seen_twice}"
        )
    print(
        f"{code}: gunicorn {args.workers} sync workers, DEBUG off, PostgreSQL, cache {args.cache_url or 'local memory'}; "
        f"wrk {args.threads} threads x {args.connections} connections, {args.seconds} s a page; "
        f"load average {load:.2f} on {os.cpu_count()} cores"
    )
    for number, results in enumerate(rounds, 1):
        print(f"\nround {number}: each page measured in turns with /healthz, the ratios are to those runs")
        print(
            f"{'page':<18} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'healthz/s':>9} {'x healthz':>9} "
            f"{'CPU ms/req':>10} {'healthz':>7} {'x (CPU)':>8} {'queries':>7} {'errors':>6}"
        )
        floors = [result["floor"] for result in results.values()]
        print(  # the floor: the mean of its runs of this round, in turns with each page
            f"{'/healthz':<18} {sum(f['rate'] for f in floors) / len(floors):>6.0f} "
            f"{sum(f['p50'] for f in floors) / len(floors):>7.1f} {sum(f['p95'] for f in floors) / len(floors):>7.1f} "
            f"{'':>9} {1:>9.3f} {sum(f['cpu_ms'] for f in floors) / len(floors):>10.2f} {'':>7} {1:>8.3f} "
            f"{counts['/healthz']:>7} {sum(f['errors'] for f in floors):>6}"
        )
        for label, result in results.items():
            floor = result["floor"]
            print(
                f"{label:<18} {result['rate']:>6.0f} {result['p50']:>7.1f} {result['p95']:>7.1f} "
                f"{floor['rate']:>9.0f} {result['rate'] / floor['rate']:>9.3f} "
                f"{result['cpu_ms']:>10.2f} {floor['cpu_ms']:>7.2f} {floor['cpu_ms'] / result['cpu_ms']:>8.3f} "
                f"{counts[label]:>7} {result['errors'] + floor['errors']:>6}"
            )
    print("\nin-process CPU per visit (Python and its PostgreSQL backend), ms, and x /healthz of the same run")
    print(f"{'page':<18} {'first visit':>11} {'x':>6} {'again':>7} {'x':>6}")
    floor = costs["/healthz"][1]
    for label, (first, again) in costs.items():
        print(f"{label:<18} {first:>11.2f} {floor / first:>6.3f} {again:>7.2f} {floor / again:>6.3f}")
    print(
        "\nx healthz: requests/s over /healthz's in the runs in turns with it; x (CPU): /healthz's CPU per request over"
        " the page's (web workers + their PostgreSQL backends + wrk), the ratio an idle machine would show."
    )


if __name__ == "__main__":
    main()
