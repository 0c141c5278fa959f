"""Times shown to people are on the establishment's clock: the admin's conversation and the family's data
export (with the offset); the export's balance after each operation is the ledger's running balance."""

from __future__ import annotations

import csv
import datetime
import io
import json
from decimal import Decimal as D
from html import unescape

import pytest
from django.urls import reverse

from billing.ledger import book
from billing.models import EntryKind, LedgerEntry
from portal.family import messaging
from portal.family.models import Message

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
# 17:32 UTC on 4 December: 18:32 in Paris (UTC+1 in winter), 14:32 in Cayenne (UTC-3).
SENT = datetime.datetime(2026, 12, 4, 17, 32, tzinfo=UTC)


@pytest.mark.parametrize("zone, shown", [("Europe/Paris", "18:32"), ("America/Cayenne", "14:32")])
def test_the_admin_conversation_shows_the_schools_time(client, parent, lea, school, administrator, zone, shown):
    school.timezone = zone
    school.save()
    thread = messaging.start_thread(establishment=school, subject="question", body="Bonjour", parent=parent, pupil=lea)
    thread.__class__.objects.filter(pk=thread.pk).update(created_at=SENT)
    Message.objects.filter(thread=thread).update(created_at=SENT)
    client.force_login(administrator)
    page = unescape(client.get(reverse("admin:portal_messagethread_change", args=[thread.pk])).content.decode())
    # "Créé le" and the message under it: the same local time, never UTC's 17:32.
    assert page.count(shown) >= 2 and "17:32" not in page


@pytest.fixture
def booked_out_of_order(lea):
    """A payment at 13:00, then a meal taken at 12:15 that an offline till sent at 14:00: booked after the
    payment, dated before it. The ledger's balance after each entry follows the booking."""
    book(lea, kind=EntryKind.ONLINE_PAYMENT, amount=D("20.00"), label="Paiement en ligne", occurred_at=SENT)
    book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", occurred_at=SENT - datetime.timedelta(hours=5))
    book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", occurred_at=SENT + datetime.timedelta(days=1))
    return list(LedgerEntry.objects.filter(wallet__pupil=lea).order_by("id"))


def operations(client) -> list[dict]:
    data = json.loads(b"".join(client.get(reverse("portal:export_json")).streaming_content))
    return [record for record in data["donnees"] if record["rubrique"] == "operation"]


def test_the_export_gives_local_times_with_the_offset(client, parent, booked_out_of_order):
    client.force_login(parent)
    dates = [operation["date"] for operation in operations(client)]
    assert dates == ["2026-12-04T18:32:00+01:00", "2026-12-04T13:32:00+01:00", "2026-12-05T18:32:00+01:00"]


def test_the_exports_balance_after_is_the_ledgers_running_balance(client, parent, lea, booked_out_of_order):
    client.force_login(parent)
    exported = operations(client)
    assert [D(o["solde_apres"]) for o in exported] == [e.balance_after for e in booked_out_of_order]
    running = D("0.00")
    for operation in exported:
        running += D(operation["montant"])
        assert D(operation["solde_apres"]) == running  # never "54,40 → 70,90 after a −3,50 meal"
    lea.wallet.refresh_from_db()
    assert running == lea.wallet.balance == D("13.00")


def test_the_csv_export_has_the_same_local_times(client, parent, booked_out_of_order):
    client.force_login(parent)
    body = b"".join(client.get(reverse("portal:export_csv")).streaming_content).decode("utf-8-sig")
    dates = [
        row[2] for row in csv.reader(io.StringIO(body), delimiter=";") if row[1] == "date" and "operation" in row[0]
    ]
    assert dates[0] == "2026-12-04T18:32:00+01:00"
