"""Returns from the bank: a camt.054 (or pain.002) matched by end-to-end id reverses exactly the debits it names,
once however often it is imported; the parent hears why in French; some codes end the mandate."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from billing.desk import operations
from billing.desk.models import BankReturnFile, DirectDebit, MandateStatus
from billing.desk.operations import prepare_direct_debits
from billing.desk.sepa import bankfile, daily, returns
from billing.desk.tests.helpers import assert_ledger_balanced
from billing.models import LedgerEntry, PaymentStatus, Wallet
from portal.family.models import Notification, NotificationKind

from .conftest import COLLECTION, MONTH, PREPARED_ON, make_mandate

pytestmark = pytest.mark.django_db
RETURNS_URL = reverse("admin:billing_directdebit_returns")


def camt054(*lines: tuple[str, str]) -> bytes:
    """A camt.054 debit notification with one returned transaction per (end-to-end id, reason code)."""
    details = "".join(
        f"""<TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>
        <AmtDtls><TxAmt><Amt Ccy="EUR">25.00</Amt></TxAmt></AmtDtls>
        <RtrInf><Rsn><Cd>{code}</Cd></Rsn></RtrInf></TxDtls>"""
        for e2e, code in lines
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>RET-1</MsgId><CreDtTm>2027-01-08T08:00:00</CreDtTm></GrpHdr>
<Ntfctn><Id>N1</Id><Ntry><Amt Ccy="EUR">25.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
<NtryDtls>{details}</NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>""".encode()


def pain002(e2e: str, code: str) -> bytes:
    return f"""<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">
<CstmrPmtStsRpt><GrpHdr><MsgId>S1</MsgId></GrpHdr><OrgnlPmtInfAndSts><TxInfAndSts>
<OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>{code}</Cd></Rsn></StsRsnInf>
</TxInfAndSts></OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>""".encode()


@pytest.fixture
def collected(sepa_mandate, creditor, cashier, other_parent, chloe):
    """Two families' January debits, sent to the bank and credited on 05/01/2027."""
    make_mandate(other_parent, creditor, cashier)
    prepare_direct_debits(MONTH, today=PREPARED_ON)
    daily.run(COLLECTION - datetime.timedelta(days=14))
    bankfile.send_to_bank(creditor, COLLECTION, user=cashier, today=PREPARED_ON)
    daily.run(COLLECTION)
    return {d.mandate.user_id: d for d in DirectDebit.objects.select_related("mandate", "payment")}


def upload(desk, school, content: bytes, name="retours.xml"):
    return desk.post(
        RETURNS_URL, {"establishment": school.pk, "file": SimpleUploadedFile(name, content, "application/xml")}
    )


def test_an_am04_line_reverses_exactly_that_debit_and_a_second_import_changes_nothing(
    desk, creditor, collected, parent, other_parent, lea, hugo, chloe, django_capture_on_commit_callbacks
):
    returned = collected[parent.pk]
    content = camt054((returned.end_to_end_id, "AM04"), ("UNKNOWN-E2E", "AC04"))
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(desk, creditor, content)
    assert response.status_code == 302
    assert Wallet.objects.get(pupil=lea).balance == Wallet.objects.get(pupil=hugo).balance == D("0.00")
    assert Wallet.objects.get(pupil=chloe).balance == D("25.00")  # the other family's debit stands
    returned.refresh_from_db()
    assert returned.return_code == "AM04" and returned.payment.status == PaymentStatus.FAILED
    assert returned.mandate.status == MandateStatus.ACTIVE  # insufficient funds: the mandate stays
    (email,) = [m for m in mail.outbox if "impayé" in m.subject]
    assert email.to == [parent.email] and "Provision insuffisante" in email.body
    notification = Notification.objects.get(user=parent, kind=NotificationKind.DEBIT_RETURNED)
    assert "Provision insuffisante" in notification.text
    assert BankReturnFile.objects.get().returns == 1 and BankReturnFile.objects.get().unmatched == 1
    entries = LedgerEntry.objects.count()

    page = upload(desk, creditor, content).wsgi_request
    assert LedgerEntry.objects.count() == entries and BankReturnFile.objects.count() == 1
    assert "Ce fichier a déjà été importé : rien n'a été modifié." in [str(m) for m in page._messages]
    assert_ledger_balanced()


def test_a_code_that_ends_the_mandate_ends_it(creditor, collected, parent, cashier):
    debit = collected[parent.pk]
    result = returns.import_file(
        pain002(debit.end_to_end_id, "AC04"),
        name="statut.xml",
        establishment=creditor,
        user=cashier,
        apply_return=operations.return_direct_debit,
    )
    assert result.applied == 1
    debit.mandate.refresh_from_db()
    assert debit.mandate.status == MandateStatus.ENDED and "Compte clôturé" in debit.mandate.ended_reason


def test_a_line_already_returned_by_hand_is_not_applied_twice(desk, creditor, collected, parent, lea):
    debit = collected[parent.pk]
    operations.reject_direct_debit(debit, user=None, code="MS03")
    upload(desk, creditor, camt054((debit.end_to_end_id, "AM04")))
    assert LedgerEntry.objects.filter(payment=debit.payment).count() == 4  # two credits, two reversals
    debit.refresh_from_db()
    assert debit.return_code == "MS03"


def test_a_reject_before_the_collection_date_cancels_without_booking(creditor, sepa_mandate, cashier, lea):
    prepare_direct_debits(MONTH, today=PREPARED_ON)
    daily.run(COLLECTION - datetime.timedelta(days=14))
    bankfile.send_to_bank(creditor, COLLECTION, user=cashier, today=PREPARED_ON)
    debit = DirectDebit.objects.get()
    assert operations.return_direct_debit(debit, "AC01", cashier)
    debit.refresh_from_db()
    assert debit.payment.status == PaymentStatus.FAILED and LedgerEntry.objects.count() == 0
    assert daily.run(COLLECTION).credited == 0


def test_another_establishments_debits_are_not_matched(desk, creditor, collected, parent, cashier):
    from canteen.models import Establishment

    elsewhere = Establishment.objects.create(name="Ailleurs", code="5555", beneficiary="x", address="y")
    result = returns.import_file(
        camt054((collected[parent.pk].end_to_end_id, "AM04")),
        name="r.xml",
        establishment=elsewhere,
        user=cashier,
        apply_return=operations.return_direct_debit,
    )
    assert result.applied == 0 and result.unmatched == 1


@pytest.mark.parametrize(
    "content",
    [
        b"not xml at all",
        b"<?xml version='1.0'?><!DOCTYPE d [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><Document>&e;</Document>",
        b"<?xml version='1.0'?><!DOCTYPE d [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;'>]><Document>&b;</Document>",
        b"<Document><Other/></Document>",
    ],
)
def test_a_hostile_or_foreign_file_is_refused_in_french_and_changes_nothing(desk, creditor, collected, content):
    response = upload(desk, creditor, content)
    assert response.status_code == 200
    assert "Ce fichier n" in response.content.decode()
    assert BankReturnFile.objects.count() == 0
    assert DirectDebit.objects.filter(rejected_at__isnull=False).count() == 0


def test_the_cashier_records_a_return_by_hand_with_its_code(desk, collected, parent, lea):
    debit = collected[parent.pk]
    url = reverse("admin:billing_directdebit_changelist")
    page = desk.post(url, {"action": "record_return", "_selected_action": [debit.pk]})
    assert "AM04 — Provision insuffisante" in page.content.decode()  # the code is asked first
    assert Wallet.objects.get(pupil=lea).balance == D("25.00")
    desk.post(url, {"action": "record_return", "_selected_action": [debit.pk], "code": "MD06"})
    debit.refresh_from_db()
    assert debit.return_code == "MD06" and Wallet.objects.get(pupil=lea).balance == D("0.00")
