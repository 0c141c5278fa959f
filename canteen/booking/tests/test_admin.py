"""Booking in the admin: settings and services for "Administration", the kitchen's counts read-only for the cook
("Cuisine"), printable and in CSV, each staff member seeing only their establishment."""

import datetime

import pytest
from django.urls import reverse

from canteen.booking.models import KitchenCount, Service
from canteen.models import Establishment
from conftest import _staff
from portal.roles import KITCHEN

from .helpers import open_booking


@pytest.fixture
def other_school(db):
    return Establishment.objects.create(
        name="Collège Balzac", code="4390", contact_email="a@balzac.example", beneficiary="B", address="Tours"
    )


@pytest.fixture
def counts(school, other_school):
    day = datetime.date(2026, 3, 10)
    ours = open_booking(school)
    theirs = Service.objects.create(establishment=other_school)
    KitchenCount.objects.create(service=ours, day=day, category="Maternelle", class_name="GS", booked=12, taken=11)
    KitchenCount.objects.create(service=ours, day=day, category="Élève", class_name="=CM1", booked=40)
    KitchenCount.objects.create(service=theirs, day=day, category="Élève", class_name="Balzac-6e", booked=99)
    return ours


@pytest.fixture
def cook(school):
    return _staff("cuisine@esvres.example", KITCHEN, school)


def test_the_cook_reads_the_counts_of_their_school_only(client, cook, counts):
    client.force_login(cook)
    html = client.get(reverse("admin:canteen_kitchencount_changelist")).content.decode()
    assert "Maternelle" in html and "Balzac-6e" not in html


def test_the_cook_changes_nothing(client, cook, counts):
    client.force_login(cook)
    count = KitchenCount.objects.filter(service=counts).first()
    assert client.get(reverse("admin:canteen_kitchencount_add")).status_code == 403
    response = client.post(reverse("admin:canteen_kitchencount_change", args=[count.pk]), {"booked": 1})
    assert response.status_code == 403 or KitchenCount.objects.get(pk=count.pk).booked == count.booked
    assert client.get(reverse("admin:canteen_bookingsettings_changelist")).status_code == 403
    assert client.get(reverse("admin:canteen_pupil_changelist")).status_code == 403


def test_another_schools_count_is_refused(client, cook, counts, other_school):
    client.force_login(cook)
    theirs = KitchenCount.objects.get(service__establishment=other_school)
    assert client.get(reverse("admin:canteen_kitchencount_change", args=[theirs.pk])).status_code == 403


def test_csv_of_the_counts_is_scoped_and_formula_safe(client, cook, counts):
    client.force_login(cook)
    response = client.get(reverse("admin:canteen_kitchencount_csv"))
    text = b"".join(response.streaming_content).decode()
    assert "Maternelle;GS;12;11" in text
    assert "'=CM1" in text
    assert "Balzac" not in text


def test_printable_page_totals_per_day_and_service(client, cook, counts):
    client.force_login(cook)
    html = client.get(reverse("admin:canteen_kitchencount_print")).content.decode()
    assert '<td class="amount">52</td>' in html and "data-print" in html


def test_a_parent_cannot_reach_the_counts(client, parent, counts):
    client.force_login(parent)
    assert client.get(reverse("admin:canteen_kitchencount_csv")).status_code == 302


def test_administration_sets_booking_for_their_school_only(client, administrator, school, other_school):
    client.force_login(administrator)
    url = reverse("admin:canteen_bookingsettings_add")
    form = client.get(url).content.decode()
    assert "Collège Balzac" not in form
    response = client.post(
        url,
        {
            "establishment": other_school.pk,
            "enabled": "on",
            "weeks_ahead": 3,
            "unbooked_policy": "normal",
            "unbooked_surcharge_percent": "0",
        },
    )
    assert response.status_code == 200 and not Establishment.objects.filter(booking_settings__isnull=False)


def test_a_fixed_price_policy_needs_its_price(client, administrator, school):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:canteen_bookingsettings_add"),
        {"establishment": school.pk, "weeks_ahead": 3, "unbooked_policy": "fixed", "unbooked_surcharge_percent": "0"},
    )
    assert "Indiquez le prix d&#x27;un repas non réservé." in response.content.decode()
