"""The evening reminder of meals to book: one per guardian, none for a family that booked or turned it off."""

import datetime
from decimal import Decimal as D

import pytest
from django.core import mail
from django.utils import timezone

from billing.ledger import book
from billing.models import EntryKind
from canteen.booking.models import MealBooking
from canteen.booking.tests.helpers import open_booking
from canteen.models import AlertSettings, Guardianship
from portal.family.models import Notification, NotificationKind
from portal.family.reminders import remind_unbooked
from portal.lib.localtime import zone_of


@pytest.fixture
def lunch(school):
    """Booking closes at 9:30 the day before: tonight at 18:00, the day after tomorrow closes within a day."""
    service = open_booking(school)
    service.days_before = 1
    service.save()
    return service


def evening(school) -> datetime.datetime:
    today = timezone.localdate(timezone=zone_of(school))
    return datetime.datetime.combine(today, datetime.time(18, 0), tzinfo=zone_of(school))


@pytest.fixture
def remind(django_capture_on_commit_callbacks):
    """Run the reminders as the task does, the emails sent once committed."""

    def run(now):
        with django_capture_on_commit_callbacks(execute=True):
            return remind_unbooked(now)

    return run


def usually_eats(pupil, meals=6):
    book(pupil, kind=EntryKind.ONLINE_PAYMENT, amount=D("50.00"), label="Paiement en ligne")
    for n in range(meals):
        book(pupil, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", reference=f"t:{pupil.pk}:{n}")


def test_a_parent_with_nothing_booked_gets_one_reminder_for_both_children(remind, parent, lea, hugo, school, lunch):
    usually_eats(lea)
    usually_eats(hugo)
    assert remind(evening(school)) == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [parent.email]
    assert "Hugo, Léa" in mail.outbox[0].subject
    assert "/reservations/" in mail.outbox[0].body
    notice = Notification.objects.get(user=parent)
    assert notice.kind == NotificationKind.BOOKING_REMINDER and "Hugo, Léa" in notice.text


def test_a_parent_who_booked_gets_none(remind, parent, lea, school, lunch):
    usually_eats(lea)
    closing = evening(school).date() + datetime.timedelta(days=2)
    MealBooking.objects.create(pupil=lea, service=lunch, day=closing)
    assert remind(evening(school)) == 0
    assert not mail.outbox


def test_a_child_who_rarely_eats_brings_no_reminder(remind, parent, lea, school, lunch):
    usually_eats(lea, meals=2)
    assert remind(evening(school)) == 0


def test_two_guardians_each_get_one_and_a_second_run_sends_nothing(remind, parent, other_parent, lea, school, lunch):
    Guardianship.objects.create(user=other_parent, pupil=lea)
    usually_eats(lea)
    assert remind(evening(school)) == 2
    assert remind(evening(school)) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted([parent.email, other_parent.email])


def test_turned_off_in_the_profile(remind, parent, lea, school, lunch):
    AlertSettings.objects.create(user=parent, booking_reminders=False)
    usually_eats(lea)
    assert remind(evening(school)) == 0


def test_written_in_the_parents_language(remind, parent, lea, school, lunch):
    AlertSettings.objects.create(user=parent, language="en")
    usually_eats(lea)
    remind(evening(school))
    assert mail.outbox[0].subject.startswith("Meals to book for")
