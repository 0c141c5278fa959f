"""The day's journal: totals per payment method and per establishment, and its CSV."""

import csv
import datetime
import io
from decimal import Decimal as D

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format

from billing.desk.journal import journal
from billing.ledger import book
from billing.models import EntryKind, LedgerEntry
from canteen.models import Establishment, Pupil

from .helpers import ADD_URL, desk_payment_data

pytestmark = pytest.mark.django_db
URL = reverse("admin:billing_journal")


@pytest.fixture
def other_school_pupil(db) -> Pupil:
    school = Establishment.objects.create(
        name="Collège de Tours", code="9001", contact_email="c@example.com", beneficiary="Collège", address="Tours"
    )
    return Pupil.objects.create(establishment=school, last_name="Petit", first_name="Jade", card_number="20001")


@pytest.fixture
def day(desk, cashier, lea, hugo, other_school_pupil):
    """A day at the desk: a split cheque, cash, a transfer, a correction, plus meals (not in the journal).

    The cashier works at both establishments for the day."""
    other_school_pupil.establishment.staff.add(cashier)
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
    lines = response.getvalue().decode("utf-8-sig").splitlines()
    assert lines[0] == "Date;Heure;Nature;Payeur;N° de chèque;Banque;Répartition;Montant"
    assert lines[-1] == "Total;;;;;;;71,15"


def csv_rows(desk, day) -> list[list[str]]:
    response = desk.get(URL, {"start": day.isoformat(), "end": day.isoformat(), "format": "csv"})
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig")), delimiter=";"))


def test_the_csv_lists_each_cheque_with_its_split_and_its_total_equals_the_days_entries(desk, day, lea, hugo):
    desk.post(ADD_URL, desk_payment_data((lea, "12.00"), number="7000001", bank="La Banque Postale", amount="12.00"))
    header, *rows = csv_rows(desk, day)
    operations = [row for row in rows if row[0] != "Total"]
    cheques = [row for row in operations if row[2] == "Chèque"]
    assert [row[3:] for row in cheques] == [
        ["Camille Martin", "1234567", "Crédit Agricole", "Léa Martin 30,00 + Hugo Martin 20,00", "50,00"],
        ["Camille Martin", "7000001", "La Banque Postale", "Léa Martin 12,00", "12,00"],
    ]
    assert all(row[0] == f"{day:%d/%m/%Y}" and len(row[1]) == 5 for row in operations)
    recorded = LedgerEntry.objects.exclude(kind=EntryKind.MEAL).aggregate(total=Sum("amount"))["total"]
    assert rows[-1][-1] == number_format(recorded, 2) == "83,15"
    operations_total = sum((D(row[-1].replace(",", ".")) for row in operations), D("0.00"))
    assert operations_total == recorded
    per_kind = {row[2]: (row[3], row[-1]) for row in rows[:-1] if row[0] == "Total"}
    assert per_kind["Chèque"] == ("2 opérations", "62,00")  # two cheques, three allocations


def test_counts_payments_not_allocations(day):
    result = journal(day, day)
    assert result.counts == {"Chèque": 1, "Espèces": 1, "Virement": 1, "Correction": 1}
    cheque = next(op for op in result.operations if op.kind == "Chèque")
    assert (cheque.payer, cheque.cheque_number, cheque.bank) == ("Camille Martin", "1234567", "Crédit Agricole")
    assert cheque.parts == [("Léa Martin", D("30.00")), ("Hugo Martin", D("20.00"))]
    assert cheque.total == D("50.00")


def test_the_page_lists_each_operation_with_payer_cheque_and_split(desk, day):
    html = desk.get(URL, {"start": day.isoformat(), "end": day.isoformat()}).content.decode()
    assert "4 opérations" in html
    assert "n° 1234567 — Crédit Agricole" in html
    assert "Léa Martin : 30,00" in html and "Hugo Martin : 20,00" in html


def test_a_payer_name_never_runs_as_a_spreadsheet_formula(desk, day, lea):
    desk.post(
        ADD_URL,
        desk_payment_data((lea, "5.00"), payer='=HYPERLINK("http://x")', number="", method="cash", amount="5.00"),
    )
    rows = csv_rows(desk, day)
    assert any(row[3] == '\'=HYPERLINK("http://x")' for row in rows)
    assert not any(cell.startswith("=") for row in rows for cell in row)


def test_a_cancelled_cheque_is_an_operation_of_its_own(desk, day, cashier):
    from billing.desk import operations
    from billing.models import Payment

    cheque = Payment.objects.get(offline__cheque_number="1234567")
    operations.cancel_payment(cheque, reason="Chèque sans provision", user=cashier)
    result = journal(day, day)
    assert result.counts["Chèque"] == 2
    assert result.by_kind["Chèque"] == D("0.00")
    assert result.total == D("21.15")


def test_a_cashier_of_one_establishment_sees_only_its_lines_and_totals(desk, cashier, day, other_school_pupil):
    other_school_pupil.establishment.staff.remove(cashier)
    response = desk.get(URL, {"start": day.isoformat(), "end": day.isoformat()})
    result = response.context["journal"]
    assert result.total == D("56.15") and result.by_establishment == {"École d'Esvres": D("56.15")}
    assert "Espèces" not in result.by_kind and "Jade" not in response.content.decode()
    rows = csv_rows(desk, day)
    assert rows[-1][-1] == "56,15" and not any("Jade" in cell for row in rows for cell in row)


def test_negative_balances_list_the_parents_emails(desk, parent, lea, hugo):
    book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self")
    page = desk.get(reverse("admin:billing_negative_balances")).content.decode()
    assert "Léa Martin" in page and "camille.martin@example.com" in page and "-3,50" in page
    assert "Hugo Martin" not in page
