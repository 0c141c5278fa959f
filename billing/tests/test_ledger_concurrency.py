"""Eight threads post meals and credits at the same wallets at once (PostgreSQL only: SQLite locks the whole file)."""

import datetime
from decimal import Decimal as D
from functools import partial

import pytest
from django.db import connection
from django.utils import timezone

from billing.ledger import book, wallets_out_of_balance
from billing.models import EntryKind, LedgerEntry, Wallet
from billing.till.models import Till
from billing.till.passages import record_passages
from tests.threads import at_once

THREADS = 8
ROUNDS = 10
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency needs PostgreSQL's row locks (SQLite serialises everything)",
    ),
]


def test_concurrent_meals_and_credits_keep_every_balance_equal_to_its_entries(lea, hugo, chloe):
    till = Till(establishment=lea.establishment, name="Borne 1")
    till.new_token()
    till.save()
    pupils = [lea, hugo, chloe]
    at = (timezone.now() - datetime.timedelta(hours=1)).isoformat()

    def worker(n: int) -> None:
        for round_ in range(ROUNDS):
            # Every thread sends the same passages: each must be recorded once, whoever comes first.
            batch = [{"card": p.card_number, "at": at, "ref": f"{round_}-{p.card_number}"} for p in pupils]
            record_passages(till, batch[n % 3 :] + batch[: n % 3])
            book(pupils[(n + round_) % 3], kind=EntryKind.CASH, amount=D("1.25"), label="Espèces")

    at_once(*(partial(worker, n) for n in range(THREADS)))

    assert list(wallets_out_of_balance()) == []
    assert LedgerEntry.objects.filter(kind=EntryKind.MEAL).count() == ROUNDS * len(pupils)
    assert LedgerEntry.objects.filter(kind=EntryKind.CASH).count() == THREADS * ROUNDS
    total = sum(Wallet.objects.values_list("balance", flat=True), D("0.00"))
    assert total == THREADS * ROUNDS * D("1.25") - ROUNDS * (D("3.50") * 2 + D("3.10"))


def test_concurrent_bookings_of_one_reference_credit_once(lea):
    def worker() -> bool:
        return book(
            lea, kind=EntryKind.ONLINE_PAYMENT, amount=D("20.00"), label="Paiement en ligne", reference="pay-1"
        ).created

    created = at_once(*[worker] * THREADS)
    assert sorted(created) == [False] * (THREADS - 1) + [True]
    assert Wallet.objects.get(pupil=lea).balance == D("20.00")
