"""A parent asks for a mandate from "Autres moyens de paiement", signs by explicit consent (time and address
kept) or prints it, sees the mandate and the next debits, and can stop it; never another family's."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from billing.desk.models import DirectDebitMandate, MandateStatus
from billing.desk.operations import prepare_direct_debits
from billing.desk.sepa.tests.conftest import COLLECTION, IBAN, MONTH, PREPARED_ON, make_mandate
from canteen.models import Establishment

pytestmark = pytest.mark.django_db
OTHER_PAYMENTS = reverse("portal:other_payments")


@pytest.fixture
def creditor(school):
    school.creditor_identifier = "FR72ZZZ123456"
    school.bank_account = "FR1420041010050500013M02606"
    school.save()
    return school


@pytest.fixture
def family(client, parent, lea, hugo):
    client.force_login(parent)
    return client


def request_data(**fields) -> dict:
    return {
        "holder_name": "Camille Martin",
        "holder_address": "1 rue des Écoles\n37320 Esvres",
        "iban": "FR76 3000 6000 0112 3456 7890 189",
        "bic": "",
        "mode": "fixed",
        "monthly_amount": "25,00",
        "meals": "",
        "consent": "on",
        "sign": "",
        **fields,
    }


def test_the_page_offers_the_request_where_the_school_collects_debits(family, creditor):
    page = family.get(OTHER_PAYMENTS).content.decode()
    assert reverse("portal:mandate_request", args=[creditor.pk]) in page
    form = family.get(reverse("portal:mandate_request", args=[creditor.pk])).content.decode()
    assert "FR72ZZZ123456" in form and "8 semaines" in form


def test_refuses_without_consent_or_with_a_wrong_iban_in_french(family, creditor):
    url = reverse("portal:mandate_request", args=[creditor.pk])
    page = family.post(url, request_data(consent="")).content.decode()
    assert "Cochez la case pour signer le mandat." in page
    page = family.post(url, request_data(iban="FR76 3000 6000 0112 3456 7890 188")).content.decode()
    assert "Cet IBAN n&#x27;est pas valide" in page
    page = family.post(url, request_data(monthly_amount="12,5x")).content.decode()
    assert "montant" in page.lower()
    assert DirectDebitMandate.objects.count() == 0


def test_a_signed_request_keeps_the_consent_and_waits_for_the_school(family, creditor, parent, cashier, client):
    response = family.post(
        reverse("portal:mandate_request", args=[creditor.pk]), request_data(), REMOTE_ADDR="203.0.113.7"
    )
    assert response.status_code == 302
    mandate = DirectDebitMandate.objects.get()
    assert mandate.status == MandateStatus.REQUESTED and mandate.user == parent
    assert mandate.consent_ip == "203.0.113.7" and mandate.consent_at is not None
    assert mandate.iban == IBAN and mandate.reference.startswith("OS-4388-")
    page = family.get(OTHER_PAYMENTS).content.decode()
    assert mandate.reference in page and "FR76 •••• •••• 0189" in page and "7890" not in page
    assert "en attente de validation" in page
    # Staff validate it in the admin.
    client.force_login(cashier)
    client.post(
        reverse("admin:billing_directdebitmandate_changelist"),
        {"action": "validate", "_selected_action": [mandate.pk]},
    )
    mandate.refresh_from_db()
    assert mandate.status == MandateStatus.ACTIVE and mandate.validated_by == cashier


def test_a_request_on_paper_leads_to_the_printable_mandate(family, creditor):
    data = request_data(consent="", print="")
    del data["sign"]
    response = family.post(reverse("portal:mandate_request", args=[creditor.pk]), data)
    mandate = DirectDebitMandate.objects.get()
    assert response.url == reverse("portal:mandate_print", args=[mandate.pk])
    assert mandate.consent_at is None
    page = family.get(response.url).content.decode()
    assert mandate.reference in page and "FR72ZZZ123456" in page and "FR76 •••• •••• 0189" in page
    assert IBAN not in page


def test_the_parent_sees_the_next_debit_with_each_childs_part(family, creditor, parent, cashier):
    make_mandate(parent, creditor, cashier)
    prepare_direct_debits(MONTH, today=PREPARED_ON)
    page = family.get(OTHER_PAYMENTS).content.decode().replace("\xa0", " ")
    assert "Prochain prélèvement : 50,00 € le 05/01" in page
    assert "Hugo 25,00 €" in page and "Léa 25,00 €" in page
    assert COLLECTION.year == 2027


def test_the_parent_stops_the_mandate_and_its_waiting_debits_are_cancelled(family, creditor, parent, cashier):
    mandate = make_mandate(parent, creditor, cashier)
    (debit,) = prepare_direct_debits(MONTH, today=PREPARED_ON)
    assert family.post(reverse("portal:mandate_stop", args=[mandate.pk])).status_code == 302
    mandate.refresh_from_db()
    debit.payment.refresh_from_db()
    assert mandate.status == MandateStatus.ENDED and mandate.ended_reason == "Arrêt demandé par le parent."
    assert debit.payment.status == "canceled"
    assert prepare_direct_debits(datetime.date(2027, 2, 1), today=datetime.date(2027, 1, 10)) == []


def test_another_family_gets_404_everywhere(client, creditor, parent, cashier, other_parent, lea):
    mandate = make_mandate(parent, creditor, cashier)
    client.force_login(other_parent)
    assert client.get(reverse("portal:mandate_print", args=[mandate.pk])).status_code == 404
    assert client.post(reverse("portal:mandate_stop", args=[mandate.pk])).status_code == 404
    mandate.refresh_from_db()
    assert mandate.status == MandateStatus.ACTIVE
    elsewhere = Establishment.objects.create(
        name="Ailleurs",
        code="5555",
        beneficiary="x",
        address="y",
        creditor_identifier="FR72ZZZ123456",
        bank_account="FR1420041010050500013M02606",
    )
    assert client.get(reverse("portal:mandate_request", args=[elsewhere.pk])).status_code == 404


def test_a_school_without_a_creditor_identifier_offers_no_online_request(family, school):
    assert family.get(reverse("portal:mandate_request", args=[school.pk])).status_code == 404
    assert "sujet=direct_debit" in family.get(OTHER_PAYMENTS).content.decode()
