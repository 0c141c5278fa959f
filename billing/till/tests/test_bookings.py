"""Meal booking in money: the till consumes the booking and applies the unbooked-meal policy; the cut-off task
charges a booked meal not taken once, however many times it runs."""

import datetime
from decimal import Decimal as D

import pytest
from django.utils import timezone

from billing.ledger import book
from billing.models import EntryKind, LedgerEntry, Wallet
from billing.tasks import apply_booking_cutoffs
from canteen.booking.models import BookingStatus, KitchenCount, MealBooking
from canteen.booking.tests.helpers import open_booking, yesterday
from portal.lib.localtime import local, today_at

from .test_api import post


def passage(ref, card="10001"):
    return {"card": card, "at": timezone.now().isoformat(), "ref": ref}


@pytest.fixture
def funded(lea, hugo):
    for pupil in (lea, hugo):
        book(pupil, kind=EntryKind.ONLINE_PAYMENT, amount=D("20.00"), label="Paiement en ligne")


def today_lunch(school):
    return local(timezone.now(), school).date()


def test_a_booked_meal_is_consumed_and_answered_booked_at_its_price(client, school, lea, funded, till_token):
    lunch = open_booking(school)
    booking = MealBooking.objects.create(pupil=lea, service=lunch, day=today_lunch(school))
    result = post(client, {"passages": [passage("p1")]}, till_token[1]).json()["results"][0]
    assert result == {
        "ref": "p1",
        "status": "recorded",
        "balance": "16.50",
        "below_limit": False,
        "price": "3.50",
        "booked": True,
    }
    booking.refresh_from_db()
    assert booking.status == BookingStatus.TAKEN


def test_an_unbooked_meal_pays_the_surcharge_in_percent(client, school, lea, funded, till_token):
    open_booking(school, unbooked_policy="percent", unbooked_surcharge_percent=D("50"))
    result = post(client, {"passages": [passage("p1")]}, till_token[1]).json()["results"][0]
    assert (result["booked"], result["price"], result["balance"]) == (False, "5.25", "14.75")
    assert LedgerEntry.objects.get(reference__endswith=":p1").label == "Repas non réservé (majoration)"
    assert MealBooking.objects.get(pupil=lea).status == BookingStatus.WALK_IN


def test_an_unbooked_meal_pays_the_fixed_price(client, school, lea, funded, till_token):
    open_booking(school, unbooked_policy="fixed", unbooked_fixed_price=D("10.00"))
    result = post(client, {"passages": [passage("p1")]}, till_token[1]).json()["results"][0]
    assert (result["booked"], result["price"], result["balance"]) == (False, "10.00", "10.00")


def test_an_unbooked_meal_is_refused_when_the_school_says_so(client, school, lea, funded, till_token):
    open_booking(school, unbooked_policy="refused")
    result = post(client, {"passages": [passage("p1")]}, till_token[1]).json()["results"][0]
    assert result["status"] == "rejected"
    assert "Repas non réservé" in result["reason"]
    assert Wallet.objects.get(pupil=lea).balance == D("20.00")


def test_without_booking_the_answer_is_as_before(client, school, lea, funded, till_token):
    result = post(client, {"passages": [passage("p1")]}, till_token[1]).json()["results"][0]
    assert "booked" not in result and result["price"] == "3.50"


def test_a_booked_meal_not_taken_is_charged_once_even_if_the_task_runs_twice(school, lea, hugo, funded):
    lunch = open_booking(school)
    MealBooking.objects.create(pupil=lea, service=lunch, day=yesterday(school))
    MealBooking.objects.create(pupil=hugo, service=lunch, day=yesterday(school), status=BookingStatus.TAKEN)
    first = apply_booking_cutoffs()
    second = apply_booking_cutoffs()
    assert (first["charged"], second["charged"]) == (1, 0)
    entry = LedgerEntry.objects.get(label="Repas réservé non consommé")
    assert (entry.wallet.pupil, entry.amount) == (lea, D("-3.50"))
    assert Wallet.objects.get(pupil=lea).balance == D("16.50")
    assert Wallet.objects.get(pupil=hugo).balance == D("20.00")
    assert MealBooking.objects.get(pupil=lea).status == BookingStatus.NOT_TAKEN


def test_no_charge_when_the_school_does_not_charge_missed_meals(school, lea, funded):
    lunch = open_booking(school, charge_unconsumed=False)
    MealBooking.objects.create(pupil=lea, service=lunch, day=yesterday(school))
    apply_booking_cutoffs()
    assert not LedgerEntry.objects.filter(label="Repas réservé non consommé").exists()


def test_a_meal_sent_late_takes_the_missed_charge_back(client, school, lea, funded, till_token):
    lunch = open_booking(school)
    day = yesterday(school)
    MealBooking.objects.create(pupil=lea, service=lunch, day=day)
    apply_booking_cutoffs()
    at = datetime.datetime.combine(day, datetime.time(12, 5), tzinfo=timezone.get_current_timezone())
    late = {"card": "10001", "at": at.isoformat(), "ref": "late-1"}
    result = post(client, {"passages": [late]}, till_token[1]).json()["results"][0]
    assert result["booked"] is True
    assert Wallet.objects.get(pupil=lea).balance == D("16.50")  # one meal, not two
    assert MealBooking.objects.get(pupil=lea).status == BookingStatus.TAKEN


def test_kitchen_count_equals_the_bookings_at_the_cutoff(school, lea, hugo, chloe):
    lunch = open_booking(school)
    day = yesterday(school)
    for pupil in (lea, hugo, chloe):
        MealBooking.objects.create(pupil=pupil, service=lunch, day=day)
    apply_booking_cutoffs()
    counts = {(c.category, c.booked, c.taken) for c in KitchenCount.objects.filter(day=day)}
    assert counts == {("Élève", 2, 0), ("Maternelle", 1, 0)}
    assert sum(c.booked for c in KitchenCount.objects.filter(day=day)) == MealBooking.objects.filter(day=day).count()


def test_kitchen_count_is_frozen_once(school, lea):
    lunch = open_booking(school)
    day = today_at(school) - datetime.timedelta(days=2)
    MealBooking.objects.create(pupil=lea, service=lunch, day=day)
    apply_booking_cutoffs()
    apply_booking_cutoffs()
    assert KitchenCount.objects.filter(day=day).count() == 1


def test_the_day_after_a_class_that_ate_without_booking_is_counted(client, school, lea, hugo, funded, till_token):
    lunch = open_booking(school)
    day = yesterday(school)
    MealBooking.objects.create(pupil=lea, service=lunch, day=day, status=BookingStatus.TAKEN)
    MealBooking.objects.create(pupil=hugo, service=lunch, day=day, status=BookingStatus.WALK_IN)
    apply_booking_cutoffs()
    counts = {(c.category, c.booked, c.taken) for c in KitchenCount.objects.filter(day=day)}
    assert counts == {("Élève", 1, 1), ("Maternelle", 0, 1)}
