"""Benchmark: a month of SEPA direct debits for a caterer: prepare, pre-notify, export the bank files (validated).

Run against a scratch PostgreSQL database (it writes rows there, never use production), with a broker so that the
pre-notification emails are queued for the workers as in production rather than sent in this process:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/openself_bench CELERY_BROKER_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/sepa_month.py 100 300

Creates ``E`` creditor establishments with ``M`` active mandates each (one family, two children, a fixed amount
per child), then times the three steps of the month and prints the peak memory of the process.
"""

from __future__ import annotations

import datetime
import os
import resource
import sys
import time
from decimal import Decimal

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import User  # noqa: E402
from billing.desk.models import DebitMode, DirectDebit, DirectDebitMandate  # noqa: E402
from billing.desk.operations import due_prenotifications, prenotify, prepare_direct_debits  # noqa: E402
from billing.desk.sepa import bankfile  # noqa: E402
from billing.desk.sepa.crypto import encrypt, mask  # noqa: E402
from billing.models import Wallet  # noqa: E402
from canteen.models import Establishment, Guardianship, Pupil, Tariff  # noqa: E402

IBAN = "FR7630004001239876543210170"
ICS = "FR72ZZZ123456"
MONTH = datetime.date(2027, 1, 1)
PREPARED_ON = datetime.date(2026, 12, 10)
COLLECTION = datetime.date(2027, 1, 5)


def fill(establishments: int, mandates: int) -> User:
    call_command("migrate", verbosity=0)
    cashier, _ = User.objects.get_or_create(email="bench-caisse@example.com", defaults={"is_staff": True})
    token, hint = encrypt(IBAN), mask(IBAN)
    for e in range(establishments):
        code = f"bench{e}"
        if Establishment.objects.filter(code=code).exists():
            continue
        school = Establishment.objects.create(
            code=code,
            name=f"École {e}",
            contact_email="b@example.com",
            beneficiary=f"Restauration {e}",
            address="1 rue B",
            creditor_identifier=ICS,
            bank_account="FR7610071370000000100000108",
            bank_bic="TRPUFRP1",
        )
        Tariff.objects.create(establishment=school, category="Élève", price=Decimal("3.50"), valid_from=MONTH)
        parents = User.objects.bulk_create(User(email=f"p{e}-{m}@bench.example") for m in range(mandates))
        pupils = Pupil.objects.bulk_create(
            Pupil(establishment=school, last_name=f"F{m}", first_name=name, card_number=f"{e}-{m}-{name}")
            for m in range(mandates)
            for name in ("Léa", "Hugo")
        )
        Wallet.objects.bulk_create(Wallet(pupil=p) for p in pupils)
        Guardianship.objects.bulk_create(
            Guardianship(user=parents[i // 2], pupil=pupil) for i, pupil in enumerate(pupils)
        )
        DirectDebitMandate.objects.bulk_create(
            DirectDebitMandate(
                user=parent,
                establishment=school,
                reference=f"OS-{code}-{m:06d}",
                iban_encrypted=token,
                iban_hint=hint,
                holder_name=f"Parent {m}",
                holder_address="1 rue B",
                signed_on=datetime.date(2026, 9, 1),
                mode=DebitMode.FIXED,
                monthly_amount=Decimal("25.00"),
                created_by=cashier,
            )
            for m, parent in enumerate(parents)
        )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    return cashier


def timed(label: str, function):
    start = time.perf_counter()
    result = function()
    print(f"{label}: {time.perf_counter() - start:.1f} s")
    return result


def main() -> None:
    establishments, mandates = (int(arg) for arg in sys.argv[1:3])
    cashier = fill(establishments, mandates)
    start = time.perf_counter()
    debits = timed("prepare", lambda: prepare_direct_debits(MONTH, today=PREPARED_ON))
    announce_on = COLLECTION - datetime.timedelta(days=14)
    told = timed("pre-notify", lambda: prenotify(due_prenotifications(announce_on), today=announce_on))

    def export() -> int:
        count = 0
        for school in Establishment.objects.filter(code__startswith="bench"):
            bank_file, xml = bankfile.send_to_bank(school, COLLECTION, user=cashier, today=PREPARED_ON)
            count += bank_file.transactions
        return count

    exported = timed("export (validated against the XSD)", export)
    total = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{len(debits)} debits prepared, {told} pre-notified, {exported} exported in "
        f"{establishments} files: {total:.1f} s in all, peak memory {peak:.0f} MB"
    )
    assert DirectDebit.objects.filter(bank_file__isnull=False).count() == exported


if __name__ == "__main__":
    main()
