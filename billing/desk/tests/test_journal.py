"""The day's journal: totals per payment method and per establishment, and its CSV."""

import datetime
from decimal import Decimal as D

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from billing.desk.journal import journal
from billing.ledger import book
from billing.models import EntryKind, LedgerEntry
from canteen.models import Establishment, Pupil

from .helpers import ADD_URL, desk_payment_data

pytestmark = pytest.mark.django_db
URL = reverse("admin:billing_journal")


@pytest.fixture
def desk(client, cashier):
    client.force_login(cashier)
    return client


@pytest.fixture
def other_school_pupil(db) -> Pupil:
    school = Establishment.objects.create(
        name="Collège de Tours", code="9001", contact_email="c@example.com", beneficiary="Collège", address="Tours"
    )
    return Pupil.objects.create(establishment=school, last_name="Petit", first_name="Jade", card_number="20001")


@pytest.fixture
def day(desk, lea, hugo, other_school_pupil):
    """A day at the desk: a split cheque, cash, a transfer, a correction, plus meals (not in the journal)."""
    desk.post(ADD_URL, desk_payment_data((lea, "30.00"), (hugo, "20.00"), amount="50.00"))
    desk.post(ADD_URL, desk_payment_data((other_school_pupil, "15.00"), method="cash", amount="15.00"))
    desk.post(ADD_URL, desk_payment_data((hugo, "7.25"), method="transfer", amount="7.25"))
    book(lea, kind=EntryKind.CORRECTION, amount=D("-1.10"), label="Correction", note="x")
    book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self")
    return timezone.localdate()


def test_refuses_a_range_that_ends_before_it_starts(desk):
    response = desk.get(URL, {"start": "2026-11-27", "end": "2026-11-26"})
    assert "La date de début doit précéder la date de fin." in response.context["form"].non_field_errors()
    assert response.context["journal"] is None


def test_the_total_equals_the_sum_of_the_entries_recorded_that_day(desk, day):
    response = desk.get(URL, {"start": day.isoformat(), "end": day.isoformat()})
    result = response.context["journal"]
    recorded = LedgerEntry.objects.exclude(kind=EntryKind.MEAL).aggregate(total=Sum("amount"))["total"]
    assert result.total == recorded == D("71.15")
    assert result.by_kind == {
        "Chèque": D("50.00"),
        "Espèces": D("15.00"),
        "Virement": D("7.25"),
        "Correction": D("-1.10"),
    }
    assert result.by_establishment == {"École d'Esvres": D("56.15"), "Collège de Tours": D("15.00")}
    assert "71,15" in response.content.decode()


def test_other_days_are_left_out(day):
    tomorrow = day + datetime.timedelta(days=1)
    assert journal(tomorrow, tomorrow).total == D("0.00")
    assert journal(day - datetime.timedelta(days=7), day).total == D("71.15")


def test_downloads_the_journal_as_csv(desk, day):
    response = desk.get(URL, {"start": day.isoformat(), "end": day.isoformat(), "format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Nature;Établissement;Nombre d'opérations;Montant"
    assert "Chèque;École d'Esvres;2;50,00" in lines
    assert "Espèces;Collège de Tours;1;15,00" in lines
    assert lines[-1] == "Total;;;71,15"


def test_negative_balances_list_the_parents_emails(desk, parent, lea, hugo):
    book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self")
    page = desk.get(reverse("admin:billing_negative_balances")).content.decode()
    assert "Léa Martin" in page and "camille.martin@example.com" in page and "-3,50" in page
    assert "Hugo Martin" not in page
