"""The retention rules, run by the nightly task and by ``manage.py apply_retention``: what is due goes, what is
not stays, a second run changes nothing, a dry run changes nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal as D
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.utils import timezone

from accounts.models import AccountRequest, User
from billing.ledger import book, wallets_out_of_balance
from billing.models import EntryKind
from canteen.models import Guardianship, Pupil
from portal.family import messaging
from portal.family.models import MessageThread, Notification, NotificationKind
from portal.lib.personal_data import apply_retention, apply_retention_task

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - datetime.timedelta(days=11 * 366)


@pytest.fixture
def aged(school, parent, lea, hugo, make_request):
    """One row due and one row not due for each rule."""
    now = timezone.now()
    old = now - datetime.timedelta(days=400)
    due_request = make_request(email="vieille.demande@example.com")
    refused = make_request(email="refusee@example.com", status=AccountRequest.Status.REFUSED)
    approved = make_request(email="validee@example.com", status=AccountRequest.Status.APPROVED)
    AccountRequest.objects.filter(pk__in=[due_request.pk, refused.pk, approved.pk]).update(created_at=old)
    fresh_request = make_request(email="recente@example.com")
    unused = User.objects.create_user("jamais.active@example.com")  # no password: the link never opened
    User.objects.filter(pk=unused.pk).update(date_joined=old)
    recent_unused = User.objects.create_user("pas.encore@example.com")
    thread = messaging.start_thread(establishment=school, subject="question", body="Bonjour", parent=parent)
    MessageThread.objects.filter(pk=thread.pk).update(last_message_at=now - datetime.timedelta(days=3 * 366))
    fresh_thread = messaging.start_thread(establishment=school, subject="other", body="Bonjour", parent=parent)
    Notification.objects.create(user=parent, kind=NotificationKind.LOW_BALANCE, params={})
    Notification.objects.create(user=parent, kind=NotificationKind.LOW_BALANCE, params={})
    Notification.objects.filter(pk=Notification.objects.order_by("pk").first().pk).update(created_at=old)
    gone = Pupil.objects.create(establishment=school, last_name="Parti", first_name="Jules", card_number="20001")
    book(gone, kind=EntryKind.CHEQUE, amount=D("10.00"), label="Chèque", reference="t:1", occurred_at=LONG_AGO)
    book(gone, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", reference="t:2", occurred_at=LONG_AGO)
    Pupil.objects.filter(pk=gone.pk).update(active=False, inactive_since=LONG_AGO)
    left_lately = Pupil.objects.create(establishment=school, last_name="Récent", first_name="Zoé", card_number="20002")
    book(left_lately, kind=EntryKind.CHEQUE, amount=D("10.00"), label="Chèque", reference="t:3")
    left_lately.active = False
    left_lately.save()  # dated now: kept for the whole period
    forgotten = Pupil.objects.create(  # left long ago, never ate nor paid: nothing in the books to wait for
        establishment=school, last_name="Oublié", first_name="Max", card_number="20003", active=False
    )
    Pupil.objects.filter(pk=forgotten.pk).update(inactive_since=LONG_AGO)
    just_left = Pupil.objects.create(
        establishment=school, last_name="Vient", first_name="Noé", card_number="20004", active=False
    )
    Guardianship.objects.create(user=parent, pupil=gone)
    AccessAttempt.objects.create(
        username="x@example.com", ip_address="10.0.0.1", user_agent="UA", failures_since_start=1
    )
    AccessAttempt.objects.update(attempt_time=old)
    return {
        "requests_due": [due_request.pk, refused.pk],
        "requests_kept": [approved.pk, fresh_request.pk],
        "unused": unused,
        "recent_unused": recent_unused,
        "thread": thread,
        "fresh_thread": fresh_thread,
        "gone": gone,
        "left_lately": left_lately,
        "forgotten": forgotten,
        "just_left": just_left,
    }


def snapshot():
    return (
        sorted(AccountRequest.objects.values_list("pk", "email", "last_name")),
        sorted(User.objects.values_list("pk", "email", "is_active")),
        sorted(MessageThread.objects.values_list("pk", flat=True)),
        sorted(Notification.objects.values_list("pk", flat=True)),
        sorted(Pupil.objects.values_list("pk", "last_name", "card_number", "active")),
        AccessAttempt.objects.count(),
    )


def test_each_rule_removes_what_is_due_and_keeps_the_rest(aged, parent):
    counts = apply_retention(timezone.now())
    assert counts["demandes de compte refusées ou jamais validées"] == 2
    assert set(AccountRequest.objects.values_list("pk", flat=True)) == set(aged["requests_kept"])
    aged["unused"].refresh_from_db()
    assert aged["unused"].anonymised_at and aged["unused"].email.endswith("@anonyme.invalid")
    assert User.objects.get(pk=aged["recent_unused"].pk).anonymised_at is None
    assert User.objects.get(pk=parent.pk).anonymised_at is None  # logged in once: not an unused login
    assert list(MessageThread.objects.values_list("pk", flat=True)) == [aged["fresh_thread"].pk]
    assert Notification.objects.filter(user=parent).count() == 1
    gone, lately = Pupil.objects.get(pk=aged["gone"].pk), Pupil.objects.get(pk=aged["left_lately"].pk)
    assert gone.anonymised_at and gone.last_name != "Parti" and gone.card_number == f"ANON{gone.pk}"
    assert gone.wallet.balance == D("6.50") and gone.wallet.entries.count() == 2
    assert lately.anonymised_at is None and lately.last_name == "Récent" and lately.inactive_since
    assert Pupil.objects.get(pk=aged["forgotten"].pk).anonymised_at is not None
    assert Pupil.objects.get(pk=aged["just_left"].pk).anonymised_at is None
    assert not AccessAttempt.objects.exists()
    assert list(wallets_out_of_balance()) == []


def test_a_second_run_changes_nothing(aged):
    apply_retention_task()
    after_first = snapshot()
    counts = apply_retention_task()
    assert set(counts.values()) == {0}
    assert snapshot() == after_first


def test_a_dry_run_counts_and_changes_nothing(aged):
    before = snapshot()
    out = StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert snapshot() == before
    assert "demandes de compte refusées ou jamais validées: 2" in out.getvalue()
    assert "élèves partis depuis la période comptable: 2" in out.getvalue()
    assert "due (dry run, nothing changed)" in out.getvalue()


def test_the_command_applies_and_says_how_much(aged):
    out = StringIO()
    call_command("apply_retention", stdout=out)
    assert "deleted or anonymised by" in out.getvalue()
    out = StringIO()
    call_command("apply_retention", stdout=out)
    assert out.getvalue().splitlines()[-1].startswith("0 rows deleted or anonymised")


def test_durations_come_from_the_settings(aged, settings):
    settings.PRIVACY_ACCOUNT_REQUEST_MONTHS = 24
    settings.PRIVACY_PUPIL_YEARS = 20
    counts = apply_retention(timezone.now(), dry_run=True)
    assert counts["demandes de compte refusées ou jamais validées"] == 0
    assert counts["élèves partis depuis la période comptable"] == 0


def test_the_beat_schedule_runs_it_nightly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["privacy-retention"]
    assert entry["task"] == "portal.lib.personal_data.apply_retention_task"


def test_a_pupil_made_active_again_is_no_longer_dated(lea):
    lea.active = False
    lea.save()
    assert Pupil.objects.get(pk=lea.pk).inactive_since is not None
    lea.active = True
    lea.save(update_fields=["active"])
    assert Pupil.objects.get(pk=lea.pk).inactive_since is None


def test_a_night_erases_a_bounded_number_of_pupils_the_next_nights_the_rest(school, monkeypatch):
    from billing import privacy

    monkeypatch.setattr(privacy, "PUPILS_PER_NIGHT", 2)
    for number in range(3):
        Pupil.objects.create(
            establishment=school, last_name="Parti", first_name=f"É{number}", card_number=f"4000{number}", active=False
        )
    Pupil.objects.update(inactive_since=LONG_AGO)
    assert apply_retention(timezone.now())["élèves partis depuis la période comptable"] == 2
    assert apply_retention(timezone.now())["élèves partis depuis la période comptable"] == 1
    assert apply_retention(timezone.now())["élèves partis depuis la période comptable"] == 0
    assert not Pupil.objects.filter(anonymised_at__isnull=True).exists()
