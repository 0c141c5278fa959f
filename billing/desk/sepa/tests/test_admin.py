"""The cashier's SEPA pages in the admin: the bank file checked then downloaded, a new account as a new mandate;
each scoped to the staff member's establishments."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from billing.desk.models import BankFile, DirectDebit, DirectDebitMandate, MandateStatus
from billing.desk.sepa import daily
from canteen.models import Establishment
from portal.roles import CASHIER

from .conftest import COLLECTION

pytestmark = pytest.mark.django_db
BANK_FILE_URL = reverse("admin:billing_directdebit_bank_file")


@pytest.fixture
def announced(prepared):
    daily.run(COLLECTION - datetime.timedelta(days=14))
    return prepared


@pytest.fixture
def other_cashier(db):
    from conftest import _staff

    elsewhere = Establishment.objects.create(name="Ailleurs", code="5555", beneficiary="x", address="y")
    return _staff("caisse@ailleurs.example", CASHIER, elsewhere)


def test_the_cashier_reads_the_check_then_downloads_the_file(desk, creditor, announced, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: datetime.date(2026, 12, 22))
    page = desk.get(BANK_FILE_URL).content.decode().replace("\xa0", " ")
    assert "05/01/2027" in page and "50,00 €" in page  # what waits, per establishment and date
    query = {"establishment": creditor.pk, "collection_date": "05/01/2027"}
    page = desk.get(BANK_FILE_URL, query).content.decode().replace("\xa0", " ")
    assert "FR72ZZZ123456" in page and announced.mandate.reference in page and "FR76 •••• •••• 0189" in page
    assert "Montant total (somme de contrôle) : <strong>50,00 €</strong>" in page
    response = desk.post(BANK_FILE_URL, {**query, "download": "1"})
    assert response["Content-Type"] == "application/xml"
    assert b"pain.008.001.08" in response.content and b"FR7630006000011234567890189" in response.content
    assert DirectDebit.objects.get().bank_file == BankFile.objects.get()
    again = desk.post(BANK_FILE_URL, {**query, "download": "1"})
    assert again.status_code == 200 and BankFile.objects.count() == 1  # nothing left to send


def test_another_schools_cashier_can_neither_build_nor_download_the_file(client, other_cashier, creditor, announced):
    client.force_login(other_cashier)
    page = client.post(BANK_FILE_URL, {"establishment": creditor.pk, "collection_date": "05/01/2027", "download": "1"})
    assert page.status_code == 200 and DirectDebit.objects.get().bank_file is None
    assert b"FR7630006000011234567890189" not in page.content
    from billing.desk.sepa import bankfile

    bank_file, _xml = bankfile.send_to_bank(
        creditor, COLLECTION, user=announced.mandate.created_by, today=datetime.date(2026, 12, 22)
    )
    assert client.get(reverse("admin:billing_bankfile_download", args=[bank_file.pk])).status_code in (403, 404)


def test_a_new_account_is_a_new_mandate_and_the_old_one_ends(desk, sepa_mandate):
    url = reverse("admin:billing_directdebitmandate_change_iban", args=[sepa_mandate.pk])
    page = desk.post(url, {"iban": "FR76 3000 6000 0112 3456 7890 188", "bic": "", "signed_on": "01/12/2026"})
    assert "Cet IBAN n" in page.content.decode()
    response = desk.post(url, {"iban": "FR14 2004 1010 0505 0001 3M02 606", "bic": "", "signed_on": "01/12/2026"})
    assert response.status_code == 302
    old, new = DirectDebitMandate.objects.order_by("pk")
    assert old.status == MandateStatus.ENDED and "Changement de compte" in old.ended_reason
    assert new.status == MandateStatus.ACTIVE and new.reference != old.reference
    assert new.iban == "FR1420041010050500013M02606" and new.bic.startswith("PSSTFRPP")
    assert new.sequence_type == "FRST"


def test_the_mandate_list_never_shows_a_whole_iban(desk, sepa_mandate):
    for url in [
        reverse("admin:billing_directdebitmandate_changelist"),
        reverse("admin:billing_directdebitmandate_change", args=[sepa_mandate.pk]),
    ]:
        page = desk.get(url).content.decode()
        assert "FR76 •••• •••• 0189" in page and "FR7630006000011234567890189" not in page
