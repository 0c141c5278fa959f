from decimal import Decimal as D

import pytest
from django.urls import reverse

from billing.ledger import book
from billing.models import EntryKind

pytestmark = pytest.mark.django_db


def test_contact_form_refuses_an_empty_message_and_sends_nothing(client, parent, mailoutbox):
    client.force_login(parent)
    response = client.post(reverse("portal:messages"), {"subject": "", "message": ""})
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in response.content.decode()
    assert mailoutbox == []


def test_contact_form_emails_the_school_with_the_parent_as_reply_to(
    client, parent, school, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(parent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:messages"), {"subject": "Allergie", "message": "Léa est allergique."})
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [[school.contact_email]]
    assert mailoutbox[0].reply_to == [parent.email]


def test_notifications_warn_of_negative_and_low_balances(client, parent, lea, hugo):
    book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self")
    book(hugo, kind=EntryKind.CASH, amount=D("5.00"), label="Espèces")
    client.force_login(parent)
    page = client.get(reverse("portal:notifications")).content.decode()
    assert "Le solde de Léa est négatif : -3,50 €." in page
    assert "Le solde de Hugo est bas : 5,00 €." in page


def test_parent_pages_need_a_login(client, school):
    for name in ["portal:home", "portal:messages", "portal:notifications"]:
        assert client.get(reverse(name)).status_code == 302
