"""Notifications: what happened to the family's accounts, with an unread count on the tab and in the title."""

from __future__ import annotations

from decimal import Decimal as D
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.decisions import approve
from accounts.models import AccountRequest
from billing.ledger import credit_payment
from billing.models import Payment, PaymentAllocation, PaymentMethod, PaymentStatus
from canteen.models import Guardianship
from portal.family.models import Notification, NotificationKind

pytestmark = pytest.mark.django_db


def paid(method, user, *parts):
    payment = Payment.objects.create(method=method, amount=sum(a for _, a in parts), user=user)
    for pupil, amount in parts:
        PaymentAllocation.objects.create(payment=payment, pupil=pupil, amount=amount)
    assert credit_payment(payment, from_statuses=(PaymentStatus.CREATED,))
    return payment


def page(client, name="portal:notifications") -> str:
    return unescape(client.get(reverse(name)).content.decode())


def test_a_parent_never_reads_another_familys_notifications(client, parent, other_parent, lea, chloe):
    paid(PaymentMethod.ONLINE, parent, (lea, D("20.00")))
    paid(PaymentMethod.ONLINE, other_parent, (chloe, D("35.00")))
    client.force_login(other_parent)
    html = page(client)
    assert "35,00 €" in html and "20,00" not in html and "Léa" not in html
    assert Notification.objects.get(user=parent).read_at is None  # reading yours never reads theirs


def test_an_online_payment_leaves_one_notification_for_the_payer(client, parent, lea, hugo):
    paid(PaymentMethod.ONLINE, parent, (lea, D("20.00")), (hugo, D("10.00")))
    [notification] = Notification.objects.all()
    assert (notification.user, notification.kind) == (parent, NotificationKind.PAYMENT_CREDITED)
    assert notification.text == "Votre paiement en ligne de 30,00 € a été crédité (Hugo, Léa)."


def test_a_cheque_split_between_families_tells_each_guardian_their_part(parent, other_parent, lea, chloe, cashier):
    paid(PaymentMethod.CHEQUE, None, (lea, D("30.00")), (chloe, D("15.00")))
    texts = {n.user: n.text for n in Notification.objects.all()}
    assert texts == {
        parent: "Chèque de 30,00 € enregistré par l'établissement (Léa).",
        other_parent: "Chèque de 15,00 € enregistré par l'établissement (Chloé).",
    }


def test_a_direct_debit_recorded_is_a_notification(parent, lea):
    paid(PaymentMethod.DIRECT_DEBIT, None, (lea, D("42.00")))
    assert Notification.objects.get().text == "Prélèvement de 42,00 € enregistré par l'établissement (Léa)."


def test_a_validated_request_and_a_new_guardian_are_notifications(parent, lea, school, administrator):
    request = AccountRequest.objects.create(
        establishment=school, email="second.parent@example.com", last_name="Martin", first_name="Léa"
    )
    user = approve(request, lea, by=administrator)
    assert (
        Notification.objects.get(user=user).text
        == "Votre demande est validée : Léa Martin apparaît maintenant dans votre espace."
    )
    assert Notification.objects.get(user=parent).text == (
        "Un autre responsable (second.parent@example.com) a été rattaché au compte de Léa."
    )


def test_the_unread_count_shows_on_the_tab_and_in_the_title_then_reading_clears_it(client, parent, lea):
    paid(PaymentMethod.ONLINE, parent, (lea, D("20.00")))
    paid(PaymentMethod.ONLINE, parent, (lea, D("25.00")))
    client.force_login(parent)
    home = page(client, "portal:home")
    assert "<title>(2) " in home
    assert (
        '<span class="badge rounded-pill text-bg-danger unread-count">2<span class="visually-hidden"> non lues' in home
    )
    html = page(client)
    assert html.count("Nouveau</span>") == 2  # shown as new on the visit that reads them
    assert "unread-count" not in html and "<title>(" not in html
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert "Nouveau</span>" not in page(client)


def test_the_unread_count_is_one_cheap_query(client, parent, lea):
    paid(PaymentMethod.ONLINE, parent, (lea, D("20.00")))
    client.force_login(parent)
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("portal:messages"))
    assert "<title>(1) " in response.content.decode()
    # One count on the partial index of unread notifications, when the page is rendered.
    counts = [q["sql"] for q in context.captured_queries if "portal_notification" in q["sql"]]
    assert len(counts) == 1
    assert "COUNT" in counts[0].upper() and "read_at" in counts[0]


def test_notifications_are_paginated(client, parent, lea):
    Notification.objects.bulk_create(
        Notification(user=parent, kind=NotificationKind.LOW_BALANCE, params={"pupil": "Léa", "balance": str(n)})
        for n in range(45)
    )
    client.force_login(parent)
    first = page(client)
    assert first.count("Le solde de Léa est bas") == 30
    assert Notification.objects.filter(read_at__isnull=True).count() == 15  # only what was shown is read
    assert "?page=2" in first
    assert client.get(reverse("portal:notifications") + "?page=abc").status_code == 200


def test_a_guardian_added_tells_nobody_when_alone(lea, school):
    from accounts.models import User

    user = User.objects.create_user("seul@example.com")
    Guardianship.objects.create(user=user, pupil=lea)
    assert not Notification.objects.exists()
