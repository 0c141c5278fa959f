"""Thirty seconds of eight threads moving money on the same pupils by every road (PostgreSQL only).

Till batches and desk payments split across Léa and Hugo, in both orders, plus signed
Stripe webhooks crediting split online payments twice each. Every road books through
``book_many`` with the wallets locked in pupil order, so nothing may deadlock; at the end
every balance equals the sum of its entries and the totals are exactly what was sent.
"""

from __future__ import annotations

import datetime
import itertools
import os
import threading
import time
from decimal import Decimal as D
from functools import partial

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from billing.desk.operations import credit_desk_payment
from billing.ledger import wallets_out_of_balance
from billing.models import EntryKind, LedgerEntry, Payment, PaymentAllocation, PaymentMethod, PaymentStatus, Wallet
from billing.online.tests.payments_helpers import online_payment
from billing.online.tests.stripe_events import SECRET, event, post_event, session_object
from billing.till.models import Till
from billing.till.passages import record_passages
from tests.threads import at_once

THREADS = 8
SECONDS = float(os.environ.get("ONE_ROAD_SECONDS", "30"))
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="deadlocks and row locks need PostgreSQL"),
]


def test_every_road_at_once_neither_deadlocks_nor_loses_a_cent(lea, hugo, parent, cashier, settings):
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    till = Till(establishment=lea.establishment, name="Borne 1")
    till.new_token()
    till.save()
    at = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    meal_price = {lea.card_number: D("3.50"), hugo.card_number: D("3.10")}  # Élève, Maternelle
    refs = itertools.count()
    lock = threading.Lock()
    sent = {"meals": D("0.00"), "desk": D("0.00"), "online": D("0.00"), "passages": 0, "payments": 0}
    deadline = time.monotonic() + SECONDS

    def till_batch(n: int) -> None:
        pupils = [lea, hugo] if n % 2 else [hugo, lea]
        with lock:
            batch = [{"card": p.card_number, "at": at, "ref": f"r{next(refs)}"} for p in pupils * 3]
        results = record_passages(till, batch)
        assert all(r["status"] == "recorded" for r in results), results
        with lock:
            sent["meals"] += sum(meal_price[p["card"]] for p in batch)
            sent["passages"] += len(batch)

    def desk_payment(n: int) -> None:
        parts = [(lea, D("12.50")), (hugo, D("7.50"))]
        parts = parts if n % 2 else parts[::-1]  # the split typed in both orders
        payment = Payment.objects.create(method=PaymentMethod.CHEQUE, amount=D("20.00"), payer_name="Camille")
        for pupil, amount in parts:
            PaymentAllocation.objects.create(payment=payment, pupil=pupil, amount=amount)
        credit_desk_payment(payment, user=cashier)
        with lock:
            sent["desk"] += D("20.00")
            sent["payments"] += 1

    def webhook(n: int) -> None:
        with lock:
            session_id = f"cs_test_load_{next(refs):06d}"
        payment = online_payment(parent, {hugo: "15.00", lea: "25.00"}, session_id=session_id)
        envelope = event("checkout.session.completed", session_object(payment))
        client = Client()
        for _delivery in range(2):  # Stripe delivers twice: credited once
            assert post_event(client, envelope).status_code == 200
        with lock:
            sent["online"] += D("40.00")
            sent["payments"] += 1

    roads = [till_batch, desk_payment, webhook]

    def worker(n: int) -> None:
        for round_ in itertools.count():
            if time.monotonic() > deadline:
                return
            roads[(n + round_) % len(roads)](n + round_)

    at_once(*(partial(worker, n) for n in range(THREADS)), timeout=SECONDS + 120)

    assert list(wallets_out_of_balance()) == []
    assert sent["passages"] > 0 and sent["payments"] > 0
    assert LedgerEntry.objects.filter(kind=EntryKind.MEAL).count() == sent["passages"]
    assert Payment.objects.exclude(status=PaymentStatus.PAID).count() == 0
    total = sum(Wallet.objects.values_list("balance", flat=True), D("0.00"))
    assert total == sent["desk"] + sent["online"] - sent["meals"]
