"""Leaving: "Supprimer mon compte" (what becomes of each balance, the password to confirm, the other guardians
and the school told), and staff deleting or exporting a family's account at its request."""

from __future__ import annotations

from decimal import Decimal as D
from html import unescape

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import User
from billing.ledger import book
from billing.models import EntryKind
from canteen.models import Establishment, Guardianship, Pupil
from conftest import PASSWORD
from portal.family.models import Message, MessageThread, Notification, NotificationKind, Subject
from portal.lib.models import OutboxMessage

pytestmark = pytest.mark.django_db

URL = reverse("portal:delete_account")


@pytest.fixture
def second_guardian(lea) -> User:
    """Another guardian of Léa (not of Hugo)."""
    user = User.objects.create_user("dominique.martin@example.com", PASSWORD)
    Guardianship.objects.create(user=user, pupil=lea)
    return user


@pytest.fixture
def balances(lea, hugo):
    book(lea, kind=EntryKind.CHEQUE, amount=D("18.40"), label="Chèque n° 1", reference="test:lea")
    book(hugo, kind=EntryKind.CHEQUE, amount=D("7.00"), label="Chèque n° 2", reference="test:hugo")


def text(response) -> str:
    return unescape(response.content.decode())


def test_the_page_says_what_becomes_of_each_balance(client, parent, second_guardian, balances):
    client.force_login(parent)
    page = text(client.get(URL))
    assert "Léa Martin</strong> — 18,40" in page and "pour l'autre responsable qui le suit" in page
    assert "Hugo Martin</strong> — 7,00" in page and "un remboursement est demandé à l'établissement" in page


def test_a_wrong_or_missing_password_deletes_nothing(client, parent, balances):
    client.force_login(parent)
    for password in ["", "pas-le-bon", "x" * 5000]:
        response = client.post(URL, {"password": password})
        assert response.status_code == 200
        assert "Le mot de passe est incorrect." in text(response) or "Saisissez votre mot de passe" in text(response)
    parent.refresh_from_db()
    assert parent.anonymised_at is None and parent.is_active and parent.guardianships.count() == 2
    assert not MessageThread.objects.exists()


def test_leaving_logs_out_and_the_login_no_longer_opens(client, parent, school, balances):
    client.force_login(parent)
    response = client.post(URL, {"password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("portal:home")).status_code == 302  # logged out
    response = client.post(
        reverse("portal:login", args=[school.code]), {"username": "camille.martin@example.com", "password": PASSWORD}
    )
    assert "Identifiant ou mot de passe incorrect." in text(response)
    parent.refresh_from_db()
    assert parent.anonymised_at and not parent.is_active and not parent.guardianships.exists()


def test_the_other_guardian_keeps_access_and_is_told(client, parent, second_guardian, lea, balances):
    client.force_login(parent)
    client.post(URL, {"password": PASSWORD})
    client.force_login(second_guardian)
    assert client.get(reverse("billing:history", args=[lea.pk])).status_code == 200
    notification = Notification.objects.get(user=second_guardian, kind=NotificationKind.GUARDIAN_LEFT)
    assert "Léa" in notification.text
    assert OutboxMessage.objects.filter(name="guardian-left", recipients__icontains=second_guardian.email).exists()


def test_the_school_is_told_and_a_refund_asked_for_a_child_left_alone(client, parent, second_guardian, balances):
    client.force_login(parent)
    client.post(URL, {"password": PASSWORD})
    thread = MessageThread.objects.get()
    assert thread.subject == Subject.REFUND and thread.parent is None
    body = Message.objects.get(thread=thread).body
    assert "Hugo Martin : remboursement demandé du solde de 7,00" in body
    assert "Léa Martin : solde de 18,40" in body and "camille" not in body.lower()
    assert OutboxMessage.objects.filter(name="message-received", recipients__icontains="administration@esvres").exists()


def test_staff_cannot_use_the_parents_page(client, administrator):
    client.force_login(administrator)
    assert client.get(URL).status_code == 403


# Staff, for a family that asks.


def staff_url(user: User) -> str:
    return reverse("portal:staff_delete_family", args=[user.pk])


def test_staff_delete_a_family_at_its_request_and_it_is_journaled(client, administrator, parent, balances):
    client.force_login(administrator)
    assert "Hugo Martin" in text(client.get(staff_url(parent)))
    response = client.post(staff_url(parent), {})  # the box unticked: nothing happens
    parent.refresh_from_db()
    assert parent.anonymised_at is None and "Cochez la case" in text(response)
    response = client.post(staff_url(parent), {"confirm": "yes"})
    assert response.status_code == 302
    parent.refresh_from_db()
    assert parent.anonymised_at is not None
    entry = LogEntry.objects.get(user=administrator, action_flag=DELETION)
    assert entry.object_id == str(parent.pk) and "camille" not in entry.object_repr.lower()


def test_staff_export_a_familys_data_journaled(client, administrator, parent, balances):
    client.force_login(administrator)
    response = client.get(reverse("portal:staff_export_family", args=[parent.pk, "json"]))
    content = b"".join(response.streaming_content).decode()
    assert '"rubrique": "enfant"' in content and "Hugo" in content
    csv_response = client.get(reverse("portal:staff_export_family", args=[parent.pk, "csv"]))
    assert "Hugo" in b"".join(csv_response.streaming_content).decode("utf-8-sig")
    assert client.get(reverse("portal:staff_export_family", args=[parent.pk, "xml"])).status_code == 404
    assert LogEntry.objects.filter(user=administrator, object_id=str(parent.pk)).count() == 2


def test_staff_without_the_permission_or_of_another_school_or_parents_are_refused(
    client, cashier, parent, other_parent
):
    elsewhere = Establishment.objects.create(
        name="Autre", code="9999", contact_email="a@example.com", beneficiary="A", address="A"
    )
    stranger = User.objects.create_user("autre.ecole@example.com", PASSWORD, is_staff=True)
    stranger.user_permissions.add(*Permission.objects.filter(codename="erase_parent"))
    elsewhere.staff.add(stranger)
    export = reverse("portal:staff_export_family", args=[parent.pk, "json"])
    for who, expected in [(cashier, 403), (other_parent, 403), (stranger, 404)]:
        client.force_login(who)
        assert client.get(staff_url(parent)).status_code == expected
        assert client.post(staff_url(parent), {"confirm": "yes"}).status_code == expected
        assert client.get(export).status_code == expected
    client.logout()
    assert client.get(export).status_code == 403
    parent.refresh_from_db()
    assert parent.anonymised_at is None


def test_staff_export_only_their_establishment_s_part_of_a_family(client, administrator, parent, balances):
    elsewhere = Establishment.objects.create(
        name="Collège voisin", code="7777", contact_email="c@example.com", beneficiary="C", address="C"
    )
    jade = Pupil.objects.create(establishment=elsewhere, last_name="Martin", first_name="Jade", card_number="30001")
    Guardianship.objects.create(user=parent, pupil=jade)
    client.force_login(administrator)
    content = b"".join(
        client.get(reverse("portal:staff_export_family", args=[parent.pk, "json"])).streaming_content
    ).decode()
    assert "Hugo" in content and "Jade" not in content and "30001" not in content
    client.force_login(parent)  # the parent's own download has every child
    assert "Jade" in b"".join(client.get(reverse("portal:export_json")).streaming_content).decode()
