"""Retention and erasure added when privacy met direct debits and bookings: an ended mandate's holder and account
are forgotten after PRIVACY_MANDATE_MONTHS, an erased parent's mandate ends and keeps 4+4 IBAN characters, and a
child's bookings go PRIVACY_BOOKING_MONTHS after their day."""

from __future__ import annotations

import datetime

from django.utils import timezone

from billing.desk.models import DirectDebitMandate, MandateStatus
from billing.desk.tests.test_direct_debits import mandate
from canteen.booking.models import MealBooking
from canteen.booking.tests.helpers import open_booking
from portal.lib.personal_data import apply_retention, erase

IBAN = "FR7630006000011234567890189"


def test_an_ended_mandate_forgets_its_holder_after_the_refund_period(parent, cashier, settings):
    settings.PRIVACY_MANDATE_MONTHS = 14
    old = mandate(parent, cashier, holder_address="1 rue des Écoles", consent_ip="203.0.113.7")
    DirectDebitMandate.objects.filter(pk=old.pk).update(
        status=MandateStatus.ENDED, ended_at=timezone.now() - datetime.timedelta(days=30 * 15)
    )
    recent = mandate(parent, cashier, reference="OS-2026-0002", holder_address="1 rue des Écoles")
    DirectDebitMandate.objects.filter(pk=recent.pk).update(
        status=MandateStatus.ENDED, ended_at=timezone.now() - datetime.timedelta(days=30)
    )

    apply_retention(timezone.now())
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.holder_name.startswith("Titulaire ") and old.holder_address == "" and old.consent_ip is None
    assert old.iban == "FR76" + "X" * 19 + "0189" and old.reference == "OS-2026-0001"
    assert recent.holder_name == "Camille Martin" and recent.iban == IBAN
    assert apply_retention(timezone.now(), dry_run=True)["mandats de prélèvement terminés"] == 0


def test_an_erased_parent_s_mandate_ends_and_keeps_four_and_four_characters(parent, cashier):
    live = mandate(parent, cashier, holder_address="1 rue des Écoles")
    erase("user", parent)
    live.refresh_from_db()
    assert live.status == MandateStatus.ENDED
    assert live.iban == "FR76" + "X" * 19 + "0189" and "Camille" not in live.holder_name


def test_bookings_go_after_their_retention_and_the_recent_stay(school, lea, settings):
    settings.PRIVACY_BOOKING_MONTHS = 12
    lunch = open_booking(school)
    today = timezone.localdate()
    MealBooking.objects.create(pupil=lea, service=lunch, day=today - datetime.timedelta(days=400))
    recent = MealBooking.objects.create(pupil=lea, service=lunch, day=today - datetime.timedelta(days=10))
    assert apply_retention(timezone.now(), dry_run=True)["réservations de repas passées"] == 1
    apply_retention(timezone.now())
    assert list(MealBooking.objects.all()) == [recent]
