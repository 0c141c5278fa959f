from __future__ import annotations

import pytest

from accounts.decisions import AlreadyDecided, approve, refuse
from accounts.models import AccountRequest, User
from canteen.models import Guardianship
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_pupil_of_another_establishment_cannot_be_linked(school, make_request, administrator):
    from canteen.models import Establishment, Pupil

    other = Establishment.objects.create(
        name="Autre", code="9999", contact_email="a@b.fr", beneficiary="x", address="y"
    )
    stranger = Pupil.objects.create(establishment=other, last_name="Martin", first_name="Léa", card_number="1")
    request = make_request()
    with pytest.raises(ValueError):
        approve(request, stranger, by=administrator)
    request.refresh_from_db()
    assert request.is_pending and not User.objects.filter(email=request.email).exists()


def test_a_request_cannot_be_decided_twice(
    lea, make_request, administrator, mailoutbox, django_capture_on_commit_callbacks
):
    request = make_request()
    with django_capture_on_commit_callbacks(execute=True):
        approve(request, lea, by=administrator)
    stale = AccountRequest.objects.get(pk=request.pk)
    stale.status = AccountRequest.Status.PENDING  # as another staff member's page still shows it
    with pytest.raises(AlreadyDecided):
        refuse(stale, "trop tard", by=administrator)
    assert AccountRequest.objects.get(pk=request.pk).status == AccountRequest.Status.APPROVED
    assert len(mailoutbox) == 1


def test_validating_a_new_email_creates_a_login_and_emails_a_password_link_after_commit(
    lea, make_request, administrator, mailoutbox, django_capture_on_commit_callbacks
):
    request = make_request(email="nouveau.parent@example.com")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user = approve(request, lea, by=administrator)
    assert mailoutbox == []  # nothing leaves before the transaction commits
    with django_capture_on_commit_callbacks(execute=True):  # the task queues the email on its own commit
        for callback in callbacks:
            callback()
    request.refresh_from_db()
    assert request.status == AccountRequest.Status.APPROVED
    assert (request.decided_by, request.pupil, request.user) == (administrator, lea, user)
    assert request.decided_at is not None
    assert not user.has_usable_password()
    assert list(user.pupils.all()) == [lea]
    [email] = mailoutbox
    assert email.to == ["nouveau.parent@example.com"]
    assert "Créer mon mot de passe" in email.body and "/compte/activer/" in email.body


def test_validating_a_known_email_adds_the_child_and_sends_a_notice_without_password_link(
    parent, chloe, make_request, administrator, mailoutbox, django_capture_on_commit_callbacks
):
    request = make_request(last_name="Bernard", first_name="Chloé", email=parent.email.upper())
    with django_capture_on_commit_callbacks(execute=True):
        user = approve(request, chloe, by=administrator)
    assert user == parent and user.check_password(PASSWORD)
    assert set(parent.pupils.values_list("first_name", flat=True)) == {"Léa", "Hugo", "Chloé"}
    assert User.objects.filter(email=parent.email).count() == 1
    [email] = mailoutbox
    assert "Chloé Bernard apparaît maintenant dans votre espace" in email.body
    assert "/compte/activer/" not in email.body


def test_a_child_may_have_two_guardians(parent, lea, make_request, administrator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        second = approve(make_request(email="autre.parent@example.com"), lea, by=administrator)
    assert set(Guardianship.objects.filter(pupil=lea).values_list("user", flat=True)) == {parent.pk, second.pk}


def test_refusing_records_who_and_when_and_emails_the_reason(
    school, make_request, administrator, mailoutbox, django_capture_on_commit_callbacks
):
    request = make_request()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        refuse(request, "Aucun élève de ce nom n'est inscrit.", by=administrator)
    assert mailoutbox == []
    callbacks[0]()
    request.refresh_from_db()
    assert request.status == AccountRequest.Status.REFUSED
    assert request.decided_by == administrator and request.decided_at is not None
    assert request.refusal_reason == "Aucun élève de ce nom n'est inscrit."
    [email] = mailoutbox
    assert "Aucun élève de ce nom n'est inscrit." in email.body
    assert email.reply_to == [school.contact_email]
    assert not User.objects.filter(email=request.email).exists()
