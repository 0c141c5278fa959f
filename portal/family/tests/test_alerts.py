"""Low-balance alerts: once per crossing of the parent's threshold, again only after going back above;
and the weekly reminder of negative balances."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal as D

import pytest
from django.core import mail

from billing.ledger import Movement, book, book_many
from billing.models import EntryKind
from canteen.models import AlertSettings, Guardianship
from portal.family.models import Notification, NotificationKind
from portal.family.tasks import remind_negative_balances

pytestmark = pytest.mark.django_db

PASSAGES = itertools.count()
MEAL = D("3.50")  # Léa's price: the default threshold is 7,00 €


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a booking and deliver what it queued on commit."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def meal(pupil):
    return book(pupil, kind=EntryKind.MEAL, amount=-MEAL, label="Self", reference=f"meal:{next(PASSAGES)}")


def cash(pupil, amount):
    return book(pupil, kind=EntryKind.CASH, amount=D(amount), label="Espèces")


def alerts_for(user):
    return list(Notification.objects.filter(user=user, kind=NotificationKind.LOW_BALANCE))


def low_emails():
    return [m for m in mail.outbox if m.subject.startswith("Solde bas")]


def test_the_alert_fires_once_on_crossing_and_again_only_after_going_back_above(run, parent, lea, mailoutbox):
    run(cash, lea, "20.00")
    for _ in range(3):
        run(meal, lea)  # 16,50 / 13,00 / 9,50: above 7,00
    assert alerts_for(parent) == [] and low_emails() == []
    run(meal, lea)  # 6,00: below
    run(meal, lea)  # 2,50: still below, no second alert
    run(meal, lea)  # -1,00
    assert len(alerts_for(parent)) == 1 and len(low_emails()) == 1
    run(cash, lea, "5.00")  # 4,00: up but still below: nothing re-armed, nothing sent
    run(meal, lea)
    assert len(alerts_for(parent)) == 1
    run(cash, lea, "10.00")  # 10,50: back above
    run(meal, lea)  # 7,00: at the threshold is not below
    assert len(alerts_for(parent)) == 1
    run(meal, lea)  # 3,50: a second crossing
    assert len(alerts_for(parent)) == 2 and len(low_emails()) == 2


def test_the_alert_email_names_child_and_school_gives_balance_forecast_and_link(run, parent, lea, mailoutbox):
    # Four weeks of lunches every school day, then a balance of 6,00 €.
    today = datetime.date.today()
    day, days = today - datetime.timedelta(days=1), []
    while len(days) < 20:
        if day.weekday() < 5:
            days.append(day)
        day -= datetime.timedelta(days=1)
    run(cash, lea, str(MEAL * 20 + D("9.50")))
    run(
        book_many,
        [
            Movement(
                lea.pk,
                EntryKind.MEAL,
                -MEAL,
                "Self",
                f"past:{d}",
                datetime.datetime(d.year, d.month, d.day, 12, tzinfo=datetime.UTC),
            )
            for d in days
        ],
    )
    run(meal, lea)  # 6,00 €
    [email] = low_emails()
    assert email.to == [parent.email]
    assert email.subject == "Solde bas pour Léa — École d'Esvres"
    assert "Le solde de Léa Martin à l'École d'Esvres est bas : 6,00\u00a0€." in email.body
    assert "Au rythme actuel, le solde couvre les repas jusqu'au " in email.body
    assert "http://127.0.0.1:8000/comptes/" in email.body
    html = email.alternatives[0][0]
    assert 'href="http://127.0.0.1:8000/comptes/"' in html and "Situation de mes comptes" in html
    print(email.subject, email.body, sep="\n")


def test_threshold_off_means_no_alert(run, parent, lea, mailoutbox):
    AlertSettings.objects.create(user=parent, enabled=False)
    run(meal, lea)
    assert alerts_for(parent) == [] and low_emails() == []


def test_a_parents_own_threshold_is_used(run, parent, lea, mailoutbox):
    AlertSettings.objects.create(user=parent, threshold=D("15.00"))
    run(cash, lea, "20.00")
    run(meal, lea)  # 16,50
    assert alerts_for(parent) == []
    run(meal, lea)  # 13,00 < 15,00
    assert len(alerts_for(parent)) == 1


def test_each_guardian_decides_for_themselves(run, parent, other_parent, lea, mailoutbox):
    Guardianship.objects.create(user=other_parent, pupil=lea)
    AlertSettings.objects.create(user=other_parent, enabled=False)
    run(meal, lea)
    assert len(alerts_for(parent)) == 1 and alerts_for(other_parent) == []
    assert [m.to for m in low_emails()] == [[parent.email]]


def test_a_till_batch_of_many_meals_alerts_once(run, parent, lea, hugo, mailoutbox):
    run(cash, lea, "20.00")
    run(cash, hugo, "20.00")
    run(
        book_many,
        [Movement(p.pk, EntryKind.MEAL, -MEAL, "Self", f"batch:{p.pk}:{i}") for i in range(6) for p in (lea, hugo)],
    )
    assert len(alerts_for(parent)) == 2  # one per child, not one per meal
    assert {n.params["pupil"] for n in alerts_for(parent)} == {"Léa", "Hugo"}


def test_a_booking_seen_twice_does_not_alert_twice(run, parent, lea, mailoutbox):
    movement = Movement(lea.pk, EntryKind.MEAL, -MEAL, "Self", "till:42")
    run(book_many, [movement])
    run(book_many, [movement])  # the till sends the same passage again: nothing moves
    assert len(alerts_for(parent)) == 1


def test_the_weekly_reminder_reaches_negative_balances_only(run, parent, other_parent, lea, hugo, chloe, mailoutbox):
    AlertSettings.objects.create(user=other_parent, enabled=False)
    run(meal, lea)  # -3,50
    run(cash, hugo, "1.00")  # positive
    run(meal, chloe)  # negative, but this parent turned alerts off
    mail.outbox.clear()
    with_commit = run(remind_negative_balances.delay)
    assert with_commit.get() == 1
    [email] = mail.outbox
    assert email.to == [parent.email]
    assert email.subject == "Le solde de Léa est négatif — École d'Esvres"
    assert "-3,50\u00a0€" in email.body


def test_the_weekly_reminder_is_scheduled(settings):
    from celery.schedules import crontab

    entry = settings.CELERY_BEAT_SCHEDULE["negative-balance-reminder"]
    assert entry["task"] == "portal.family.tasks.remind_negative_balances"
    assert entry["schedule"] == crontab(day_of_week="mon", hour=8, minute=0)
