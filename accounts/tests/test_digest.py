from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import AccountRequest, User
from accounts.tasks import email_pending_requests_digest
from canteen.models import Establishment

pytestmark = pytest.mark.django_db


def test_a_school_without_pending_requests_gets_no_email(
    school, make_request, mailoutbox, django_capture_on_commit_callbacks
):
    make_request(status=AccountRequest.Status.APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        assert email_pending_requests_digest() == 0
    assert mailoutbox == []


def test_each_school_hears_its_pending_and_overdue_counts(
    school, make_request, mailoutbox, django_capture_on_commit_callbacks
):
    other = Establishment.objects.create(
        name="Autre", code="9999", contact_email="autre@ecole.example", beneficiary="x", address="y"
    )
    old = timezone.now() - timedelta(hours=49)
    make_request(created_at=old)
    make_request(first_name="Hugo", created_at=old)
    make_request(first_name="Jade")
    make_request(first_name="Refusee", created_at=old, status=AccountRequest.Status.REFUSED)
    make_request(establishment=other)
    with django_capture_on_commit_callbacks(execute=True):
        assert email_pending_requests_digest() == 2
    by_recipient = {mail.to[0]: mail for mail in mailoutbox}
    mine = by_recipient[school.contact_email]
    assert mine.subject == "3 demandes de création de compte en attente"
    assert "en attente pour École d'Esvres : 3." in mine.body
    assert "plus de 48 heures : 2." in mine.body
    assert settings.SITE_URL + "/admin/accounts/accountrequest/" in mine.body
    assert "plus de 48 heures : 0." in by_recipient["autre@ecole.example"].body


def test_each_staff_member_who_validates_hears_of_their_establishments_only(
    school, make_request, administrator, cashier, mailoutbox, django_capture_on_commit_callbacks
):
    other = Establishment.objects.create(
        name="Autre", code="9999", contact_email="autre@ecole.example", beneficiary="x", address="y"
    )
    quiet = Establishment.objects.create(name="Calme", code="8888", contact_email="c@e.example", beneficiary="x")
    both = User.objects.create_user("deux.ecoles@example.com", "x", is_staff=True)
    both.groups.set(administrator.groups.all())
    other.staff.add(both)
    school.staff.add(both)
    quiet.staff.add(administrator)  # nothing waits there: not listed
    make_request(created_at=timezone.now() - timedelta(hours=49))
    make_request(first_name="Hugo")
    make_request(establishment=other, last_name="Lointain")
    with django_capture_on_commit_callbacks(execute=True):
        assert email_pending_requests_digest() == 2
    by_recipient = {mail.to[0]: mail for mail in mailoutbox}
    assert cashier.email not in by_recipient  # the cash desk does not validate requests
    mine = by_recipient[administrator.email]
    assert mine.subject == "2 demandes de création de compte en attente dans vos établissements"
    assert "École d'Esvres : 2 en attente, dont 1 depuis plus de 48 heures." in mine.body
    assert "Autre" not in mine.body and "Calme" not in mine.body
    assert f"establishment__id__exact={school.pk}" in mine.body
    theirs = by_recipient[both.email]
    assert theirs.subject.startswith("3 demandes")
    assert "Autre : 1 en attente, dont 0 depuis plus de 48 heures." in theirs.body
    assert "École d'Esvres : 2 en attente" in theirs.body
    # Each establishment's own email still holds its own requests only.
    assert "pour Autre : 1." in by_recipient["autre@ecole.example"].body


def test_the_digest_runs_every_day_on_celery_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["account-requests-digest"]
    assert entry["task"] == email_pending_requests_digest.name
    assert entry["schedule"].hour == {7}


def test_the_command_sends_the_digest_now(school, make_request, mailoutbox, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    make_request()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("account_requests_digest", stdout=out)
    assert "1 establishment(s) emailed." in out.getvalue()
    assert [m.to for m in mailoutbox] == [[school.contact_email]]
