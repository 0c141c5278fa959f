"""Many parents' browsers clicking "JE VALIDE" at once on the embedded SQLite default, in a file database.

Run as a script (the test suite's SQLite database is in memory, where locking is not the real one):
``python -m tests.sqlite_clicks DB_PATH CLICKS [--plain]``. Each click is a request
on its own thread, hence its own SQLite connection, all released together by a barrier. Prints
one JSON line: the status codes, the errors, the credits booked and whether the ledger holds.
``--plain`` drops the settings' SQLite OPTIONS, to see what they prevent.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from functools import partial


def main(db_path: str, clicks: int, plain: bool) -> dict:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.update(PAYMENT_PROVIDER="demo", DEMO_PAYMENTS_ENABLED="1", ALLOWED_HOSTS="testserver")
    import django
    from django.conf import settings

    if plain:
        settings.DATABASES["default"]["OPTIONS"] = {}  # Django's defaults: deferred transactions, 5 s timeout
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from billing.ledger import wallets_out_of_balance
    from billing.models import EntryKind, LedgerEntry, Payment, PaymentAllocation, PaymentMethod, PaymentStatus
    from canteen.models import Establishment, Guardianship, Pupil
    from portal.celery import app
    from tests.threads import at_once

    app.conf.task_always_eager = True
    call_command("migrate", verbosity=0)
    school = Establishment.objects.create(
        name="École", code="4388", contact_email="a@b.fr", beneficiary="B", address="A"
    )
    pupil = Pupil.objects.create(establishment=school, last_name="Martin", first_name="Léa", card_number="10001")
    parent = User.objects.create_user("camille@example.com", "un-mot-de-passe-solide-42")
    Guardianship.objects.create(user=parent, pupil=pupil)
    payment = Payment.objects.create(
        method=PaymentMethod.ONLINE, status=PaymentStatus.PENDING, amount="20.00", user=parent, provider="demo"
    )
    PaymentAllocation.objects.create(payment=payment, pupil=pupil, amount="20.00")
    url = reverse("billing:demo_pay", args=[payment.pk])
    errors: list[str] = []

    clients = [Client(raise_request_exception=True) for _ in range(clicks)]
    for client in clients:  # each browser with its own session, as parents' tabs would be
        client.force_login(parent)
    connection.close()

    def click(client) -> int:
        try:
            return client.post(url, {"validate": ""}).status_code
        except Exception as error:  # what a browser would see as a 500
            errors.append(f"{type(error).__name__}: {error}")
            return 500

    codes = at_once(*(partial(click, client) for client in clients))
    return {
        "codes": dict(Counter(codes)),
        "errors": sorted(set(errors)),
        "credits": LedgerEntry.objects.filter(kind=EntryKind.ONLINE_PAYMENT).count(),
        "balanced": list(wallets_out_of_balance()) == [],
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]), "--plain" in sys.argv[3:])))
