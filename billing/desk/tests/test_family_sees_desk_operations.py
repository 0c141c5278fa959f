"""What the family sees of the cash desk's work: a correction's reason in the history and in a notification,
and every payment recorded by the school under "Mes paiements" with its receipt (its own children's part)."""

from __future__ import annotations

import uuid
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from billing.models import Payment
from portal.family.models import Notification, NotificationKind

from .helpers import ADD_URL, desk_payment_data

pytestmark = pytest.mark.django_db
REASON = "Repas du 04/12 facturé par erreur, absence signalée"


def page(client, url) -> str:
    return unescape(client.get(url).content.decode())


def test_a_corrections_reason_reaches_the_history_and_a_notification(desk, parent, lea):
    data = {"wallet": lea.wallet.pk, "amount": "3.50", "note": REASON, "token": uuid.uuid4().hex}
    desk.post(reverse("admin:billing_correction_add"), data)
    desk.post(reverse("admin:billing_correction_add"), data)  # sent twice: booked and told once
    family = Client()
    family.force_login(parent)
    history = page(family, reverse("billing:history", args=[lea.pk]))
    assert f"Correction — Motif : {REASON}" in history and "+3,50" in history
    csv = b"".join(family.get(reverse("billing:history_csv", args=[lea.pk])).streaming_content).decode("utf-8-sig")
    assert REASON in csv
    [notification] = Notification.objects.filter(user=parent)
    assert notification.kind == NotificationKind.CORRECTION
    assert notification.text == f"Correction de +3,50 € sur le compte de Léa. Motif : {REASON}"
    assert notification.link == reverse("billing:history", args=[lea.pk])
    assert REASON in page(family, reverse("portal:notifications"))


def test_a_negative_correction_is_told_with_its_sign(desk, parent, lea):
    desk.post(
        reverse("admin:billing_correction_add"),
        {"wallet": lea.wallet.pk, "amount": "-3.50", "note": "Repas oublié", "token": uuid.uuid4().hex},
    )
    assert Notification.objects.get(user=parent).text.startswith("Correction de -3,50 €")


@pytest.mark.parametrize("method, shown", [("cheque", "Chèque"), ("cash", "Espèces")])
def test_payments_recorded_by_the_school_are_under_mes_paiements_with_a_receipt(
    desk, parent, other_parent, lea, chloe, method, shown
):
    # One cheque for Léa (this family) and Chloé (another family).
    desk.post(ADD_URL, desk_payment_data((lea, "30.00"), (chloe, "20.00"), method=method))
    payment = Payment.objects.get()
    family = Client()
    family.force_login(parent)
    listing = page(family, reverse("billing:payments"))
    receipt_url = reverse("billing:receipt", args=[payment.pk])
    assert shown in listing and "30,00" in listing and receipt_url in listing
    assert "50,00" not in listing  # its children's part, not the whole cheque
    receipt = page(family, receipt_url)
    assert "Léa Martin" in receipt and "30,00" in receipt and shown in receipt
    assert "Chloé" not in receipt and "50,00" not in receipt  # never the other family's child
    # The other family sees its own part; a parent of neither child gets a 404.
    other = Client()
    other.force_login(other_parent)
    assert "Léa" not in page(other, reverse("billing:receipt", args=[payment.pk]))


def test_a_stranger_cannot_open_a_desk_payments_receipt(desk, lea, school):
    desk.post(ADD_URL, desk_payment_data((lea, "50.00")))
    stranger = Client()
    stranger.force_login(User.objects.create_user("inconnu@example.com", "x-long-password-42"))
    assert stranger.get(reverse("billing:receipt", args=[Payment.objects.get().pk])).status_code == 404
    assert "50,00" not in page(stranger, reverse("billing:payments"))
